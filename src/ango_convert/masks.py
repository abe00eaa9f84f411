"""Binary-mask geometry over the IR: RLE codecs, area, bounds, and mask <-> polygon zones.

Conventions, shared with :mod:`ango_convert.model`:

* A :class:`~ango_convert.model.Mask` holds COCO's *uncompressed* RLE: runs of 0 and 1,
  starting with 0, over the pixels in column-major order (down the first column, then
  the next). COCO's *compressed* string form is handled by :func:`compress_counts` and
  :func:`decompress_counts`, a small codec written here (checked against pycocotools in
  the tests) so no full-size mask is ever decoded just to change the encoding.
* Pixel (col, row) is the square ``[col, col + 1) x [row, row + 1)``.

Tracing (:func:`mask_to_zones`) follows pixel edges, so every vertex has integer
coordinates, every edge is axis-aligned and collinear vertices are dropped. Connectivity:
foreground pixels are joined through shared sides only (4-connectivity), and so is the
background: two pixels touching only at a corner end up in different zones (or a hole
touching its outer ring at one vertex). Every ring is therefore simple (no vertex twice);
rings may touch each other at single vertices. Outer rings run clockwise on screen (y
down) and holes anticlockwise, each starting at its top-most, then left-most vertex.
A background region enclosed by a hole's island (an island inside a hole) becomes a zone
of its own.

Rasterising (:func:`zones_to_mask`) sets pixel (col, row) when its centre
``(col + 0.5, row + 0.5)`` lies inside a zone, where "inside a zone" is even-odd over the
zone's outer ring and holes; the mask is the union of its zones. Centres that fall exactly
on a vertical edge count as inside on the edge's right-hand crossing only (left-exclusive,
right-inclusive); pixel-edge polygons never hit that case, so
``zones_to_mask(mask_to_zones(m))`` gives ``m`` back exactly. pycocotools' ``frPyObjects``
is not used for polygons: it samples on a different grid and would not round-trip.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ango_convert.model import Mask, Zone

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

# Edge directions on screen (y down), numbered so that (d + 1) % 4 is a right turn.
_EAST, _SOUTH, _WEST, _NORTH = 0, 1, 2, 3

_RLE_BASE = 48  # compressed RLE characters start at "0"
_RLE_LAST = _RLE_BASE + 63


# --- run-length encodings ----------------------------------------------------------------


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


# --- mask -> zones -------------------------------------------------------------------------


def mask_to_zones(mask: Mask) -> tuple[Zone, ...]:
    """Trace a mask into polygon zones along pixel edges (see the module notes).

    Rasterising the result with :func:`zones_to_mask` gives the mask back exactly. An
    empty mask gives no zones.

    Args:
        mask: The mask to trace.

    Returns:
        One zone per 4-connected group of set pixels, ordered by their top-left vertex,
        with integer vertex coordinates.
    """
    grid = mask_to_array(mask)
    if not grid.any():
        return ()
    start, end, direction = _boundary_edges(grid)
    successor = _successors(start, end, direction)
    label = _cycle_labels(successor)
    successor = _split_pinches(successor, label, end, direction)
    label = _cycle_labels(successor)
    rings = _rings(successor, label, start, direction, mask.width)
    return _assemble(rings, label, start, direction, mask.width, mask.height)


def _boundary_edges(grid: BoolArray) -> tuple[IntArray, IntArray, IntArray]:
    """Directed unit edges between set and unset pixels, set pixels on the right.

    Returns start vertex ids, end vertex ids and directions, sorted by start vertex
    (row-major), so the lowest edge index of a ring starts at its top-left vertex.
    """
    h, w = grid.shape
    padded = np.pad(grid, 1)
    above, below = padded[: h + 1, 1 : w + 1], padded[1:, 1 : w + 1]
    left, right = padded[1 : h + 1, : w + 1], padded[1 : h + 1, 1:]
    stride = w + 1
    parts = []
    for cells, step, kind, offset in (
        (~above & below, 1, _EAST, 0),  # top side of a set pixel, going right
        (above & ~below, -1, _WEST, 1),  # bottom side, going left
        (left & ~right, stride, _SOUTH, 0),  # right side, going down
        (~left & right, -stride, _NORTH, stride),  # left side, going up
    ):
        rows, cols = np.nonzero(cells)
        begin = rows * stride + cols + offset
        parts.append((begin, begin + step, np.full(begin.size, kind)))
    start = np.concatenate([p[0] for p in parts]).astype(np.int64)
    end = np.concatenate([p[1] for p in parts]).astype(np.int64)
    direction = np.concatenate([p[2] for p in parts]).astype(np.int64)
    order = np.argsort(start * 4 + direction)
    return start[order], end[order], direction[order]


def _find(keys: IntArray, queries: IntArray) -> IntArray:
    """Index of each query in the sorted unique ``keys``, or -1 when absent."""
    position = np.minimum(np.searchsorted(keys, queries), keys.size - 1)
    return np.where(keys[position] == queries, position, -1)


def _successors(start: IntArray, end: IntArray, direction: IntArray) -> IntArray:
    """Next edge of each edge: turn right if possible, else straight, else left.

    Only saddle vertices (two set pixels touching at a corner) offer a choice; turning
    right there keeps the ring on the pixel it was following (4-connectivity).
    """
    keys = start * 4 + direction  # sorted: edges are ordered by (start, direction)
    right = _find(keys, end * 4 + (direction + 1) % 4)
    straight = _find(keys, end * 4 + direction)
    left = _find(keys, end * 4 + (direction + 3) % 4)
    chosen: IntArray = np.where(right >= 0, right, np.where(straight >= 0, straight, left))
    return chosen


def _cycle_labels(successor: IntArray) -> IntArray:
    """Label each edge with the smallest edge index on its cycle (pointer doubling)."""
    label = np.arange(successor.size, dtype=np.int64)
    jump = successor.copy()
    while True:
        merged = np.minimum(label, label[jump])
        jump = jump[jump]
        if np.array_equal(merged, label):
            return label
        label = merged


def _split_pinches(
    successor: IntArray, label: IntArray, end: IntArray, direction: IntArray
) -> IntArray:
    """Swap the pairing at saddles that one ring passes twice, so every ring is simple.

    Passing a saddle twice means the ring touches itself there; pairing the other way
    cuts it into two rings touching at that vertex (an outer ring and a hole).
    """
    order = np.argsort(end * 4 + direction)
    keys = (end * 4 + direction)[order]
    result: IntArray = successor.copy()
    # A saddle's two arrivals come from opposite sides: east and west, or south and north.
    for first, second in ((_EAST, _WEST), (_SOUTH, _NORTH)):
        candidates = order[direction[order] == first]
        found = _find(keys, end[candidates] * 4 + second)
        a, b = candidates[found >= 0], order[found[found >= 0]]
        same = label[a] == label[b]
        a, b = a[same], b[same]
        result[a], result[b] = successor[b], successor[a]
    return result


def _rings(
    successor: IntArray, label: IntArray, start: IntArray, direction: IntArray, width: int
) -> list[tuple[int, list[tuple[int, int]]]]:
    """Each cycle as (leader edge, corner vertices in order from the leader)."""
    last = successor == label  # the edge that closes its cycle back to the leader
    nxt = np.where(last, -1, successor)
    distance = (~last).astype(np.int64)
    jump = nxt.copy()
    while (jump >= 0).any():
        live = jump >= 0
        distance[live] += distance[jump[live]]
        jump[live] = jump[jump[live]]
    order = np.lexsort((-distance, label))
    previous = np.empty_like(successor)
    previous[successor] = np.arange(successor.size)
    corner = direction != direction[previous]
    order = order[corner[order]]
    points = list(
        zip(
            (start[order] % (width + 1)).tolist(),
            (start[order] // (width + 1)).tolist(),
            strict=True,
        )
    )
    labels = label[order]
    cuts = np.flatnonzero(labels[1:] != labels[:-1]) + 1
    bounds = [0, *cuts.tolist(), len(points)]
    leaders = labels[bounds[:-1]].tolist()
    return [
        (lead, points[a:b]) for lead, a, b in zip(leaders, bounds[:-1], bounds[1:], strict=True)
    ]


def _assemble(
    rings: list[tuple[int, list[tuple[int, int]]]],
    label: IntArray,
    start: IntArray,
    direction: IntArray,
    width: int,
    height: int,
) -> tuple[Zone, ...]:
    """Group hole rings under the outer ring of the pixels just above them."""
    outer_leaders = [lead for lead, _ in rings if direction[lead] == _EAST]
    holes_of: dict[int, list[tuple[tuple[int, int], ...]]] = {lead: [] for lead in outer_leaders}
    top_owner = np.full((height + 1, width), -1, dtype=np.int64)
    east = direction == _EAST
    top_owner[start[east] // (width + 1), start[east] % (width + 1)] = label[east]
    owner: dict[int, int] = {lead: lead for lead in outer_leaders}
    for lead, points in rings:  # leaders ascend, so a hole's owner above is known first
        if direction[lead] == _EAST:
            continue
        x, y = points[0]
        column = top_owner[:y, x]
        above = int(column[np.flatnonzero(column >= 0)[-1]])
        owner[lead] = owner[above]
        holes_of[owner[lead]].append(tuple(points))
    outers = {lead: tuple(points) for lead, points in rings if lead in holes_of}
    return tuple(Zone(outer=outers[lead], holes=tuple(holes_of[lead])) for lead in outer_leaders)


# --- zones -> mask --------------------------------------------------------------------------


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
