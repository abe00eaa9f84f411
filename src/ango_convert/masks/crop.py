"""Working on a mask's bounding box instead of its whole image.

A mask on a 100000 x 100000 image is a few runs; decoded whole it is 9.3 GiB. These
functions decode and encode only the box around the set pixels, straight from and to
the image's run lengths, and refuse (:class:`MaskTooLarge`, exit 5) a box over
:data:`MAX_MASK_PIXELS`.
"""

from __future__ import annotations

import numpy as np

from ango_convert.errors import ConversionError
from ango_convert.masks.rle import BoolArray, IntArray
from ango_convert.model import Mask

#: Most pixels a mask's bounding box may hold to be traced or rasterised (about 5800 x
#: 5800; each pixel costs some 10 bytes of working memory).
MAX_MASK_PIXELS = 1 << 25


class MaskTooLarge(ConversionError):
    """A mask (or zone) whose bounding box is over :data:`MAX_MASK_PIXELS`."""


def check_box(width: int, height: int) -> None:
    """Refuse a box over the cap.

    Raises:
        MaskTooLarge: ``width * height`` is over :data:`MAX_MASK_PIXELS`.
    """
    if width * height > MAX_MASK_PIXELS:
        raise MaskTooLarge(
            f"a mask whose bounding box is {width} x {height} pixels, over the cap of "
            f"{MAX_MASK_PIXELS} pixels (ango_convert.masks.crop.MAX_MASK_PIXELS)"
        )


def crop_to_array(mask: Mask, x: int, y: int, width: int, height: int) -> BoolArray:
    """The mask's pixels inside the box ``(x, y, width, height)`` as a (height x width)
    array, decoded from the runs without the rest of the image."""
    runs = np.asarray(mask.counts, dtype=np.int64)
    ends = np.cumsum(runs)
    starts = ends - runs
    ones = (np.arange(runs.size) % 2 == 1) & (runs > 0)
    first, stop = starts[ones], ends[ones]
    rows = mask.height
    col0, col1 = first // rows, (stop - 1) // rows
    # One piece per column a run covers: its column and its rows [row0, row1).
    pieces = col1 - col0 + 1
    run = np.repeat(np.arange(first.size), pieces)
    column = col0[run] + np.arange(run.size) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    row0 = np.where(column == col0[run], first[run] % rows, 0)
    row1 = np.where(column == col1[run], (stop[run] - 1) % rows + 1, rows)
    inside = (column >= x) & (column < x + width)
    column, row0, row1 = column[inside] - x, row0[inside] - y, row1[inside] - y
    delta = np.zeros((height + 1, width), dtype=np.int32)
    np.add.at(delta, (np.clip(row0, 0, height), column), 1)
    np.add.at(delta, (np.clip(row1, 0, height), column), -1)
    return np.cumsum(delta[:height], axis=0, dtype=np.int32) > 0


def crop_to_counts(
    crop: BoolArray, x: int, y: int, image_height: int, image_width: int
) -> tuple[int, ...]:
    """Uncompressed RLE counts over the whole image of a crop placed at ``(x, y)``
    (everything outside it unset), built without the whole image; the same counts
    :func:`~ango_convert.masks.rle.array_to_counts` gives for the full array."""
    height, width = crop.shape
    columns = np.zeros((width, height + 2), dtype=np.int8)
    columns[:, 1:-1] = crop.T
    step = np.diff(columns, axis=1)
    start_col, start_row = np.nonzero(step == 1)  # column by column, rows in order
    end_col, end_row = np.nonzero(step == -1)
    starts: IntArray = (start_col + x).astype(np.int64) * image_height + y + start_row
    ends: IntArray = (end_col + x).astype(np.int64) * image_height + y + end_row
    # A run ending at the bottom of a column and one starting at the top of the next
    # are one run in column-major order.
    if starts.size > 1:
        joined = starts[1:] == ends[:-1]
        starts = np.concatenate((starts[:1], starts[1:][~joined]))
        ends = np.concatenate((ends[:-1][~joined], ends[-1:]))
    edges = np.empty(starts.size * 2, dtype=np.int64)
    edges[0::2], edges[1::2] = starts, ends
    total = image_height * image_width
    counts = np.diff(np.concatenate(([0], edges, [total])))
    if counts.size > 1 and counts[-1] == 0:
        counts = counts[:-1]  # no empty run after the last set pixel
    return tuple(counts.tolist())
