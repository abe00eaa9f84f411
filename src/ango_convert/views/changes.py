"""How far a matched annotation moved: its largest coordinate change, in pixels.

Changes are measured per coordinate (the larger of the x and y difference), so a box
moved one pixel to the right changed by 1.

* Boxes: the largest change of a corner (left, top, right, bottom edges).
* Rotated boxes: the largest change of a corner, the corners paired in the way that
  moves them least (a box turned by 90° with its sides swapped is the same box).
* Polygons and polylines: the farthest any vertex lies from the nearest vertex of the
  other (a Hausdorff distance over vertices, whatever the start vertex or direction).
* Points: the change of the point.
* Keypoints: the largest change of a keypoint labelled on both sides; a keypoint
  labelled on one side only makes the pose count as changed whatever the distances.
* Masks: 0 when every pixel is the same; otherwise how far the box around the set
  pixels moved, and at least one pixel. A polygon against a mask is rasterised onto the
  mask's pixels first, so a mask traced into polygons and back is unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ango_convert.geometry import rotated_box_corners
from ango_convert.model import (
    XY,
    Annotation,
    Box,
    Keypoints,
    Mask,
    Point,
    Polygon,
    Polyline,
    RotatedBox,
)
from ango_convert.views.shapes import extent, polygon_as_mask

#: Reported for changes that distances cannot express (a keypoint labelled on one side).
STRUCTURE_CHANGED = math.inf
#: Vertices compared at a time in the vertex distance.
_BLOCK = 1024


def largest_change(first: Annotation, second: Annotation) -> float:
    """The largest coordinate change between two annotations of the same kind."""
    if type(first) is Box and type(second) is Box:
        return max(
            abs(first.x - second.x),
            abs(first.y - second.y),
            abs(first.x + first.width - second.x - second.width),
            abs(first.y + first.height - second.y - second.height),
        )
    if isinstance(first, RotatedBox) and isinstance(second, RotatedBox):
        return _corner_change(rotated_box_corners(first), rotated_box_corners(second))
    if isinstance(first, Polygon) and isinstance(second, Polygon):
        return _vertex_distance(_vertices(first), _vertices(second))
    if isinstance(first, Polyline) and isinstance(second, Polyline):
        return _vertex_distance(first.points, second.points)
    if isinstance(first, Point) and isinstance(second, Point):
        return max(abs(first.x - second.x), abs(first.y - second.y))
    if isinstance(first, Keypoints) and isinstance(second, Keypoints):
        return _keypoint_change(first, second)
    if isinstance(first, Mask) and isinstance(second, Mask):
        return _mask_change(first, second)
    if isinstance(first, Polygon) and isinstance(second, Mask):
        return _mask_change(polygon_as_mask(first, second), second)
    if isinstance(first, Mask) and isinstance(second, Polygon):
        return _mask_change(first, polygon_as_mask(second, first))
    raise ValueError(f"cannot compare a {first.kind} with a {second.kind}")


def _chebyshev(a: XY, b: XY) -> float:
    return max(abs(a[0] - b[0]), abs(a[1] - b[1]))


def _corner_change(first: Sequence[XY], second: Sequence[XY]) -> float:
    return min(
        max(_chebyshev(first[index], second[(index + shift) % 4]) for index in range(4))
        for shift in range(4)
    )


def _vertices(polygon: Polygon) -> list[XY]:
    points: list[XY] = []
    for zone in polygon.zones:
        points.extend(zone.outer)
        for hole in zone.holes:
            points.extend(hole)
    return points


def _vertex_distance(first: Sequence[XY], second: Sequence[XY]) -> float:
    if len(first) == len(second) and all(a == b for a, b in zip(first, second, strict=True)):
        return 0.0
    return max(_nearest(first, second), _nearest(second, first))


def _nearest(points: Sequence[XY], others: Sequence[XY]) -> float:
    """The farthest any of ``points`` lies from its nearest point of ``others``."""
    targets = np.asarray(others, dtype=np.float64)
    farthest = 0.0
    for start in range(0, len(points), _BLOCK):  # blocks keep the distance table small
        block = np.asarray(points[start : start + _BLOCK], dtype=np.float64)
        gaps = np.abs(block[:, None, :] - targets[None, :, :]).max(axis=2)
        farthest = max(farthest, float(gaps.min(axis=1).max()))
    return farthest


def _keypoint_change(first: Keypoints, second: Keypoints) -> float:
    if len(first.points) != len(second.points):
        return STRUCTURE_CHANGED
    change = 0.0
    for (ax, ay, av), (bx, by, bv) in zip(first.points, second.points, strict=True):
        if (av > 0) != (bv > 0):
            return STRUCTURE_CHANGED
        if av > 0:
            change = max(change, abs(ax - bx), abs(ay - by))
    return change


def _mask_change(first: Mask, second: Mask) -> float:
    if (first.height, first.width, first.counts) == (second.height, second.width, second.counts):
        return 0.0
    box_a, box_b = extent(first), extent(second)
    if box_a is None or box_b is None:
        return STRUCTURE_CHANGED if box_a != box_b else 0.0
    shift = max(abs(a - b) for a, b in zip(box_a, box_b, strict=True))
    return max(shift, 1.0)
