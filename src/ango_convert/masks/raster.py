"""Rasterising polygon zones into a mask: a pixel is set when its centre is inside."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ango_convert.masks.rle import BoolArray, IntArray, array_to_mask
from ango_convert.model import Mask, Zone


def zones_to_mask(zones: Sequence[Zone], *, height: int, width: int, category_id: int) -> Mask:
    """Rasterise zones into a mask: a pixel is set when its centre is inside a zone.

    Inside a zone is even-odd over its outer ring and holes; the mask is the union of
    the zones. Parts outside the image are clipped.

    Args:
        zones: The polygon zones, in pixel coordinates.
        height: Image height in pixels.
        width: Image width in pixels.
        category_id: Category of the mask.

    Returns:
        The mask as uncompressed RLE.
    """
    return array_to_mask(rasterise(zones, height=height, width=width), category_id=category_id)


def rasterise(zones: Sequence[Zone], *, height: int, width: int) -> BoolArray:
    """Rasterise zones into a boolean (height x width) array (see :func:`zones_to_mask`)."""
    if height <= 0 or width <= 0:
        raise ValueError(f"mask size must be positive, got {height} x {width}")
    zone_ids, rows, columns = _crossings(zones, height, width)
    # Sort the crossings of each (zone, row) left to right, pair them up, and mark each
    # inside span with +1 at its start and -1 past its end; overlapping zones then add.
    order = np.lexsort((columns, rows, zone_ids))
    rows, columns = rows[order], columns[order]
    delta = np.zeros((height, width + 1), dtype=np.int64)
    np.add.at(delta, (rows[0::2], columns[0::2]), 1)
    np.add.at(delta, (rows[1::2], columns[1::2]), -1)
    return np.cumsum(delta[:, :width], axis=1) > 0


def _crossings(
    zones: Sequence[Zone], height: int, width: int
) -> tuple[IntArray, IntArray, IntArray]:
    """Where each ring edge crosses each row's centre line.

    Returns zone index, row and the first column whose centre lies right of the crossing,
    for every crossing inside the image's rows. Each (zone, row) gets an even count.
    """
    flat: list[tuple[float, float]] = []
    owners: list[int] = []
    lengths: list[int] = []
    for index, zone in enumerate(zones):
        for ring in (zone.outer, *zone.holes):
            flat.extend(ring)
            owners.append(index)
            lengths.append(len(ring))
    if not flat:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    a = np.asarray(flat, dtype=np.float64).reshape(-1, 2)
    sizes = np.asarray(lengths, dtype=np.int64)
    zone_of = np.repeat(np.asarray(owners, dtype=np.int64), sizes)
    following = np.arange(1, len(a) + 1)
    following[np.cumsum(sizes) - 1] = np.cumsum(sizes) - sizes  # close each ring
    b = a[following]
    low, high = np.minimum(a[:, 1], b[:, 1]), np.maximum(a[:, 1], b[:, 1])
    # Row r's centre line y = r + 0.5 crosses the edge when low <= r + 0.5 < high.
    first = np.clip(np.ceil(low - 0.5), 0, height).astype(np.int64)
    stop = np.clip(np.ceil(high - 0.5), 0, height).astype(np.int64)
    spans = np.maximum(stop - first, 0)
    edge = np.repeat(np.arange(spans.size), spans)
    row = first[edge] + np.arange(edge.size) - np.repeat(np.cumsum(spans) - spans, spans)
    ya, yb = a[edge, 1], b[edge, 1]
    xa, xb = a[edge, 0], b[edge, 0]
    x = xa + (row + 0.5 - ya) * (xb - xa) / (yb - ya)
    column = np.clip(np.floor(x - 0.5) + 1, 0, width).astype(np.int64)
    return zone_of[edge].astype(np.int64), row.astype(np.int64), column
