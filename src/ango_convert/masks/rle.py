"""COCO run-length encodings: the compressed-string codec, arrays, area and bounds."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ango_convert.model import Mask

BoolArray = npt.NDArray[np.bool_]


IntArray = npt.NDArray[np.int64]


_RLE_BASE = 48  # compressed RLE characters start at "0"


_RLE_LAST = _RLE_BASE + 63


def compress_counts(counts: Sequence[int]) -> str:
    """Encode uncompressed RLE counts as COCO's compressed string.

    Each count from the third on is stored as the difference to the count two places
    earlier, then written five bits per character, least significant first, with bit 5
    meaning "more follows" and bit 4 of the last character carrying the sign.

    Args:
        counts: Run lengths, alternating 0-runs and 1-runs, starting with a 0-run.

    Returns:
        The compressed ``counts`` string.
    """
    out: list[str] = []
    for index, count in enumerate(counts):
        value = int(count) - (int(counts[index - 2]) if index > 2 else 0)
        more = True
        while more:
            chunk = value & 0x1F
            value >>= 5  # arithmetic shift: negative differences end at -1
            more = value != -1 if chunk & 0x10 else value != 0
            if more:
                chunk |= 0x20
            out.append(chr(chunk + _RLE_BASE))
    return "".join(out)


def decompress_counts(text: str) -> tuple[int, ...]:
    """Decode COCO's compressed RLE string into uncompressed counts.

    Raises:
        ValueError: A character outside the codec's alphabet, a truncated count or a
            negative run length.
    """
    counts: list[int] = []
    position, length = 0, len(text)
    while position < length:
        value, shift, more = 0, 0, True
        while more:
            if position >= length:
                raise ValueError("compressed RLE counts end in the middle of a number")
            code = ord(text[position])
            if not _RLE_BASE <= code <= _RLE_LAST:
                raise ValueError(
                    f"compressed RLE counts hold an invalid character {text[position]!r}"
                )
            chunk = code - _RLE_BASE
            value |= (chunk & 0x1F) << shift
            more = bool(chunk & 0x20)
            position += 1
            shift += 5
            if not more and chunk & 0x10:
                value |= -1 << shift
        if len(counts) > 2:
            value += counts[-2]
        if value < 0:
            raise ValueError(f"compressed RLE counts decode to a negative run ({value})")
        counts.append(value)
    return tuple(counts)


def array_to_counts(array: npt.ArrayLike) -> tuple[int, ...]:
    """Uncompressed RLE counts of a 2-D (rows x cols) array, nonzero meaning set."""
    grid = np.asarray(array).astype(bool)
    if grid.ndim != 2 or grid.size == 0:
        raise ValueError(f"expected a non-empty 2-D mask, got shape {grid.shape}")
    flat = grid.T.reshape(-1)  # column-major, as COCO counts run
    changes = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    edges = np.concatenate(([0], changes, [flat.size]))
    runs = np.diff(edges)
    if flat[0]:
        runs = np.concatenate(([0], runs))
    return tuple(runs.tolist())


def counts_to_array(counts: Sequence[int], height: int, width: int) -> BoolArray:
    """Decode uncompressed RLE counts into a boolean (height x width) array.

    Raises:
        ValueError: The counts are negative or do not add up to ``height * width``.
    """
    runs = np.asarray(counts, dtype=np.int64)
    if runs.size and runs.min() < 0:
        raise ValueError("RLE counts must not be negative")
    if int(runs.sum()) != height * width:
        raise ValueError(f"RLE counts add up to {int(runs.sum())}, expected {height * width}")
    values = (np.arange(runs.size) % 2).astype(bool)
    flat = np.repeat(values, runs)
    return np.ascontiguousarray(flat.reshape(width, height).T)


def mask_to_array(mask: Mask) -> BoolArray:
    """The mask as a boolean (height x width) array."""
    return counts_to_array(mask.counts, mask.height, mask.width)


def array_to_mask(array: npt.ArrayLike, *, category_id: int) -> Mask:
    """Build a :class:`Mask` from a 2-D array (rows x cols), nonzero meaning set."""
    grid = np.asarray(array)
    counts = array_to_counts(grid)
    return Mask(category_id=category_id, height=grid.shape[0], width=grid.shape[1], counts=counts)


def mask_area(mask: Mask) -> int:
    """How many pixels the mask sets (COCO ``area`` of an RLE annotation)."""
    return sum(mask.counts[1::2])


def mask_bbox(mask: Mask) -> tuple[int, int, int, int]:
    """The tight box ``(x, y, width, height)`` around the set pixels; zeros when empty.

    Equal to pycocotools' ``toBbox``: a run that wraps into the next column covers the
    bottom of one column and the top of the next, so the rows span the whole height.
    """
    runs = np.asarray(mask.counts, dtype=np.int64)
    ends = np.cumsum(runs)
    starts = ends - runs
    ones = (np.arange(runs.size) % 2 == 1) & (runs > 0)
    if not ones.any():
        return (0, 0, 0, 0)
    first, last = starts[ones], ends[ones] - 1
    h = mask.height
    col0, col1 = first // h, last // h
    row0 = np.where(col0 == col1, first % h, 0)
    row1 = np.where(col0 == col1, last % h, h - 1)
    x, y = int(col0.min()), int(row0.min())
    return (x, y, int(col1.max()) - x + 1, int(row1.max()) - y + 1)
