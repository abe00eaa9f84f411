"""Pure geometry shared by the formats: rotated boxes, bounds, polygon area.

The rotated-box convention is owned here and nowhere else. See
:class:`ango_convert.model.RotatedBox`: centre, size, angle in degrees, positive
clockwise on screen (y down), rotation about the centre. Corners are listed starting at
the box's own top-left and going clockwise on screen: TL, TR, BR, BL.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from ango_convert.model import XY, Ring, RotatedBox


def rotate_point(x: float, y: float, cx: float, cy: float, angle_deg: float) -> XY:
    """Rotate (x, y) about (cx, cy) by ``angle_deg``, clockwise on screen (y down)."""
    theta = math.radians(angle_deg)
    cos, sin = math.cos(theta), math.sin(theta)
    dx, dy = x - cx, y - cy
    # With y pointing down, the usual counter-clockwise matrix turns clockwise on screen.
    return (cx + dx * cos - dy * sin, cy + dx * sin + dy * cos)


def rotated_box_corners(box: RotatedBox) -> tuple[XY, XY, XY, XY]:
    """The four corners of a rotated box: TL, TR, BR, BL of the unrotated box, rotated."""
    half_w, half_h = box.width / 2, box.height / 2
    local = (
        (box.cx - half_w, box.cy - half_h),
        (box.cx + half_w, box.cy - half_h),
        (box.cx + half_w, box.cy + half_h),
        (box.cx - half_w, box.cy + half_h),
    )
    tl, tr, br, bl = (rotate_point(x, y, box.cx, box.cy, box.angle) for x, y in local)
    return tl, tr, br, bl


def rotated_box_from_corners(corners: Sequence[XY], *, category_id: int = 0) -> RotatedBox:
    """Fit a rotated box to four corners given in order around the rectangle.

    The first corner is taken as the box's top-left and the edge from corner 0 to
    corner 1 as its width, so ``rotated_box_from_corners(rotated_box_corners(b))``
    gives ``b`` back (angle normalised to (-180, 180]).

    Raises:
        ValueError: Not four finite corners.
    """
    if len(corners) != 4:
        raise ValueError(f"a rotated box needs 4 corners, got {len(corners)}")
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = corners
    for value in (x0, y0, x1, y1, x2, y2, x3, y3):
        if not math.isfinite(value):
            raise ValueError(f"rotated box corner is not finite: {value!r}")
    cx = (x0 + x1 + x2 + x3) / 4
    cy = (y0 + y1 + y2 + y3) / 4
    width = (math.hypot(x1 - x0, y1 - y0) + math.hypot(x2 - x3, y2 - y3)) / 2
    height = (math.hypot(x3 - x0, y3 - y0) + math.hypot(x2 - x1, y2 - y1)) / 2
    angle = normalise_angle(math.degrees(math.atan2(y1 - y0, x1 - x0)))
    return RotatedBox(
        category_id=category_id, cx=cx, cy=cy, width=width, height=height, angle=angle
    )


def normalise_angle(angle_deg: float) -> float:
    """Bring an angle into (-180, 180]."""
    angle = math.fmod(angle_deg, 360.0)
    if angle <= -180.0:
        angle += 360.0
    elif angle > 180.0:
        angle -= 360.0
    return angle


def bounds(points: Iterable[XY]) -> tuple[float, float, float, float]:
    """The (xmin, ymin, xmax, ymax) of some points.

    Raises:
        ValueError: No points.
    """
    xs: list[float] = []
    ys: list[float] = []
    for x, y in points:
        xs.append(x)
        ys.append(y)
    if not xs:
        raise ValueError("bounds of no points")
    return min(xs), min(ys), max(xs), max(ys)


def ring_area(ring: Ring) -> float:
    """The unsigned area of a closed ring (shoelace formula)."""
    total = 0.0
    count = len(ring)
    for index in range(count):
        x0, y0 = ring[index]
        x1, y1 = ring[(index + 1) % count]
        total += x0 * y1 - x1 * y0
    return abs(total) / 2


def box_outside_image(
    x: float, y: float, width: float, height: float, image_width: float, image_height: float
) -> str | None:
    """Why a box cannot belong to its image, or None when it can.

    Overhangs are routine in real data (COCO's own boxes overhang by fractions of a
    pixel) and are kept; a box that does not even touch its image is a data error.
    """
    if x > image_width or y > image_height or x + width < 0 or y + height < 0:
        return (
            f"box ({x:g}, {y:g}, {width:g} x {height:g}) lies outside the image "
            f"({image_width:g} x {image_height:g})"
        )
    return None
