"""Tracing a mask into polygon zones along pixel edges (conventions: the package docs)."""

from __future__ import annotations

import numpy as np

from ango_convert.masks.crop import check_box, crop_to_array
from ango_convert.masks.rle import BoolArray, IntArray, mask_bbox
from ango_convert.model import Mask, Zone

# Edge directions on screen (y down), numbered so that (d + 1) % 4 is a right turn.
_EAST, _SOUTH, _WEST, _NORTH = 0, 1, 2, 3


def mask_to_zones(mask: Mask) -> tuple[Zone, ...]:
    """Trace a mask into polygon zones along pixel edges (see the module notes).

    Rasterising the result with :func:`zones_to_mask` gives the mask back exactly. An
    empty mask gives no zones.

    Args:
        mask: The mask to trace.

    Returns:
        One zone per 4-connected group of set pixels, ordered by their top-left vertex,
        with integer vertex coordinates.

    Raises:
        MaskTooLarge: The mask's bounding box is over ``MAX_MASK_PIXELS`` (exit 5).
    """
    # Only the bounding box is decoded and traced: outside it every pixel is unset, as
    # outside the image, so the zones are the same, shifted by the box's corner.
    x, y, width, height = mask_bbox(mask)
    if width == 0:
        return ()
    check_box(width, height)
    grid = crop_to_array(mask, x, y, width, height)
    start, end, direction = _boundary_edges(grid)
    successor = _successors(start, end, direction)
    label = _cycle_labels(successor)
    successor = _split_pinches(successor, label, end, direction)
    label = _cycle_labels(successor)
    rings = _rings(successor, label, start, direction, width)
    zones = _assemble(rings, label, start, direction, width, height)
    return zones if x == y == 0 else tuple(_shifted(zone, x, y) for zone in zones)


def _shifted(zone: Zone, dx: int, dy: int) -> Zone:
    def move(ring: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
        return tuple((px + dx, py + dy) for px, py in ring)

    return Zone(outer=move(zone.outer), holes=tuple(move(hole) for hole in zone.holes))


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
