"""Intersection over union (IoU) of two annotations of the same kind (or a polygon and a mask).

* Boxes: exact.
* Rotated boxes: exact, by clipping one convex quadrilateral with the other.
* Polygons (zones with holes) and masks: by counting pixels, polygons rasterised with
  :func:`ango_convert.masks.rasterise` on a grid fine enough that the pair spans at
  least :data:`MIN_GRID` cells (small shapes are scaled up first). A polygon and a mask
  are compared too (a COCO mask sent to Ango comes back as a polygon): the polygon is
  rasterised onto the mask's pixels.
* Points, polylines and keypoints cover no area: they are compared through the box
  around them grown by :data:`MARK_PAD` pixels on every side, so two points match at
  IoU 0.5 up to about 10 pixels apart.

Every result is in [0, 1] and symmetric in its two arguments.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ango_convert.geometry import rotated_box_corners
from ango_convert.masks import mask_to_array, rasterise
from ango_convert.masks.rle import BoolArray
from ango_convert.model import XY, Annotation, Mask, Polygon, RotatedBox, Zone
from ango_convert.views.shapes import AREA_KINDS, Extent, extent, family, polygon_as_mask

#: Pixels added around points, polylines and keypoints before comparing their boxes.
MARK_PAD = 16.0
#: Cells across the longer side of a polygon pair's common extent, at least.
MIN_GRID = 64
#: Cells across at most: larger pairs are scaled down to keep the cost bounded.
MAX_GRID = 512

#: Kinds whose IoU is more than the IoU of their extents.
_EXACT_KINDS = frozenset({"rotated-box", "polygon", "mask"})


def iou(first: Annotation, second: Annotation) -> float:
    """The IoU of two annotations of the same kind, or a polygon and a mask (0 otherwise)."""
    return iou_within(first, second, comparable_extent(first), comparable_extent(second))


def comparable_extent(annotation: Annotation) -> Extent | None:
    """The extent IoU starts from: the annotation's own, grown by :data:`MARK_PAD` for
    kinds without area."""
    box = extent(annotation)
    if box is None or annotation.kind in AREA_KINDS:
        return box
    return (box[0] - MARK_PAD, box[1] - MARK_PAD, box[2] + MARK_PAD, box[3] + MARK_PAD)


def iou_within(
    first: Annotation, second: Annotation, first_extent: Extent | None, second_extent: Extent | None
) -> float:
    """:func:`iou`, given both annotations' :func:`comparable_extent` (computed once per
    annotation when one is compared with many)."""
    kind = first.kind
    if kind != second.kind:
        if family(kind) != family(second.kind):
            return 0.0
        both_known = first_extent is not None and second_extent is not None
        if both_known and extent_iou(first_extent, second_extent) == 0.0:
            return 0.0
        if isinstance(first, Polygon) and isinstance(second, Mask):
            return _mask_iou(polygon_as_mask(first, second), second)
        if isinstance(first, Mask) and isinstance(second, Polygon):
            return _mask_iou(first, polygon_as_mask(second, first))
        return 0.0
    if kind not in _EXACT_KINDS:  # boxes, and the padded boxes of points, lines, poses
        return extent_iou(first_extent, second_extent)
    if first_extent is None or second_extent is None:
        return 1.0 if first == second else 0.0
    if first_extent != second_extent and extent_iou(first_extent, second_extent) == 0.0:
        return 0.0  # shapes inside boxes that do not overlap cannot overlap
    if isinstance(first, RotatedBox) and isinstance(second, RotatedBox):
        return _rotated_iou(first, second)
    if isinstance(first, Polygon) and isinstance(second, Polygon):
        return _polygon_iou(first, second, first_extent, second_extent)
    assert isinstance(first, Mask) and isinstance(second, Mask)
    return _mask_iou(first, second)


def extent_iou(first: Extent | None, second: Extent | None) -> float:
    """The IoU of two axis-aligned extents; two equal empty extents count as 1."""
    if first is None or second is None:
        return 0.0
    ax0, ay0, ax1, ay1 = first
    bx0, by0, bx1, by1 = second
    inter_w = min(ax1, bx1) - max(ax0, bx0)
    inter_h = min(ay1, by1) - max(ay0, by0)
    inter = inter_w * inter_h if inter_w > 0 and inter_h > 0 else 0.0
    union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter
    if union <= 0:
        return 1.0 if first == second else 0.0
    return min(1.0, max(0.0, inter / union))


# --- rotated boxes ---------------------------------------------------------------------


def _rotated_iou(first: RotatedBox, second: RotatedBox) -> float:
    area_a = first.width * first.height
    area_b = second.width * second.height
    if area_a == 0 or area_b == 0:
        return 1.0 if first == second else 0.0
    inter = _polygon_area(_clip(list(rotated_box_corners(first)), rotated_box_corners(second)))
    union = area_a + area_b - inter
    return min(1.0, max(0.0, inter / union)) if union > 0 else 0.0


def _clip(subject: list[XY], clipper: Sequence[XY]) -> list[XY]:
    """Sutherland-Hodgman: the part of convex ``subject`` inside convex ``clipper``."""
    orientation = 1.0 if _signed_area(clipper) >= 0 else -1.0
    output = subject
    count = len(clipper)
    for index in range(count):
        (ex0, ey0), (ex1, ey1) = clipper[index], clipper[(index + 1) % count]
        if not output:
            break
        ux, uy = ex1 - ex0, ey1 - ey0
        current, output = output, []
        previous = current[-1]
        for point in current:
            inside_now = orientation * (ux * (point[1] - ey0) - uy * (point[0] - ex0)) >= 0
            inside_before = orientation * (ux * (previous[1] - ey0) - uy * (previous[0] - ex0)) >= 0
            if inside_now != inside_before:
                output.append(_crossing(previous, point, ex0, ey0, ex1, ey1))
            if inside_now:
                output.append(point)
            previous = point
    return output


def _crossing(p: XY, q: XY, ex0: float, ey0: float, ex1: float, ey1: float) -> XY:
    """Where segment p-q crosses the line through (ex0, ey0) and (ex1, ey1)."""
    dx, dy = q[0] - p[0], q[1] - p[1]
    ux, uy = ex1 - ex0, ey1 - ey0
    denominator = ux * dy - uy * dx
    if denominator == 0:
        return q
    t = (uy * (p[0] - ex0) - ux * (p[1] - ey0)) / denominator
    return (p[0] + t * dx, p[1] + t * dy)


def _signed_area(points: Sequence[XY]) -> float:
    total = 0.0
    count = len(points)
    for index in range(count):
        x0, y0 = points[index]
        x1, y1 = points[(index + 1) % count]
        total += x0 * y1 - x1 * y0
    return total / 2


def _polygon_area(points: Sequence[XY]) -> float:
    return abs(_signed_area(points)) if len(points) >= 3 else 0.0


# --- polygons and masks, by pixels ------------------------------------------------------


def _polygon_iou(first: Polygon, second: Polygon, box_a: Extent, box_b: Extent) -> float:
    x0, y0 = min(box_a[0], box_b[0]), min(box_a[1], box_b[1])
    x1, y1 = max(box_a[2], box_b[2]), max(box_a[3], box_b[3])
    longer = max(x1 - x0, y1 - y0)
    if longer <= 0:
        return 1.0 if first.zones == second.zones else 0.0
    scale = min(max(MIN_GRID / longer, 1.0), MAX_GRID / longer)
    width = max(1, int(np.ceil((x1 - x0) * scale)))
    height = max(1, int(np.ceil((y1 - y0) * scale)))
    grid_a = rasterise(_scaled(first.zones, x0, y0, scale), height=height, width=width)
    grid_b = rasterise(_scaled(second.zones, x0, y0, scale), height=height, width=width)
    return _grid_iou(grid_a, grid_b, first.zones == second.zones)


def _scaled(zones: tuple[Zone, ...], x0: float, y0: float, scale: float) -> list[Zone]:
    def ring(points: Sequence[XY]) -> tuple[XY, ...]:
        return tuple(((x - x0) * scale, (y - y0) * scale) for x, y in points)

    return [
        Zone(outer=ring(zone.outer), holes=tuple(ring(hole) for hole in zone.holes))
        for zone in zones
    ]


def _mask_iou(first: Mask, second: Mask) -> float:
    grid_a, grid_b = mask_to_array(first), mask_to_array(second)
    if grid_a.shape != grid_b.shape:  # masks of differently sized images: align top-left
        height = max(grid_a.shape[0], grid_b.shape[0])
        width = max(grid_a.shape[1], grid_b.shape[1])
        grid_a = np.pad(grid_a, ((0, height - grid_a.shape[0]), (0, width - grid_a.shape[1])))
        grid_b = np.pad(grid_b, ((0, height - grid_b.shape[0]), (0, width - grid_b.shape[1])))
    return _grid_iou(grid_a, grid_b, first.counts == second.counts)


def _grid_iou(grid_a: BoolArray, grid_b: BoolArray, equal: bool) -> float:
    union = int(np.count_nonzero(grid_a | grid_b))
    if union == 0:
        return 1.0 if equal else 0.0
    return int(np.count_nonzero(grid_a & grid_b)) / union
