"""Rasterising polygon zones into a mask: a pixel is set when its centre is inside."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ango_convert.masks.crop import check_box, crop_to_counts
from ango_convert.masks.rle import BoolArray, IntArray
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

    Raises:
        MaskTooLarge: The zones' bounding box (inside the image) is over
            ``MAX_MASK_PIXELS`` (exit 5).
    """
    if height <= 0 or width <= 0:
        raise ValueError(f"mask size must be positive, got {height} x {width}")
    # Only the zones' bounding box (clipped to the image) is rasterised; the runs of the
    # whole image are built from it without the image.
    x0, y0, x1, y1 = _pixel_box(zones, height, width)
    if x1 <= x0 or y1 <= y0:
        return Mask(category_id=category_id, height=height, width=width, counts=(height * width,))
    check_box(x1 - x0, y1 - y0)
    moved = [_moved(zone, -x0, -y0) for zone in zones]
    crop = rasterise(moved, height=y1 - y0, width=x1 - x0)
    counts = crop_to_counts(crop, x0, y0, height, width)
    return Mask(category_id=category_id, height=height, width=width, counts=counts)


def _pixel_box(zones: Sequence[Zone], height: int, width: int) -> tuple[int, int, int, int]:
    """Columns x0..x1 and rows y0..y1 (ends excluded) whose pixels may be inside a zone."""
    points = [point for zone in zones for point in zone.outer]
    if not points:
        return 0, 0, 0, 0
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    # A pixel is inside when its centre is: centres from floor(min) to ceil(max) suffice.
    x0 = min(max(math.floor(min(xs)), 0), width)
    y0 = min(max(math.floor(min(ys)), 0), height)
    x1 = min(max(math.ceil(max(xs)), 0), width)
    y1 = min(max(math.ceil(max(ys)), 0), height)
    return x0, y0, x1, y1


def _moved(zone: Zone, dx: int, dy: int) -> Zone:
    def move(ring: Sequence[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
        return tuple((px + dx, py + dy) for px, py in ring)

    return Zone(outer=move(zone.outer), holes=tuple(move(hole) for hole in zone.holes))


def rasterise(zones: Sequence[Zone], *, height: int, width: int) -> BoolArray:
    """Rasterise zones into a boolean (height x width) array (see :func:`zones_to_mask`)."""
    if height <= 0 or width <= 0:
        raise ValueError(f"mask size must be positive, got {height} x {width}")
    zone_ids, rows, columns = _crossings(zones, height, width)
    # Sort the crossings of each (zone, row) left to right, pair them up, and mark each
    # inside span with +1 at its start and -1 past its end; overlapping zones then add.
    order = np.lexsort((columns, rows, zone_ids))
    rows, columns = rows[order], columns[order]
    delta = np.zeros((height, width + 1), dtype=np.int32)
    np.add.at(delta, (rows[0::2], columns[0::2]), 1)
    np.add.at(delta, (rows[1::2], columns[1::2]), -1)
    return np.cumsum(delta[:, :width], axis=1, dtype=np.int32) > 0


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
