"""Shapes wholly outside their image, refused once the image's size is known.

Each shape's bounds (a box's own, else the bounds of its points) are tested as the COCO
and VOC readers test boxes: overhangs are kept, a shape wholly outside is refused.
"""

from __future__ import annotations

from collections.abc import Sequence

from ango_convert.geometry import bounds, box_outside_image, rotated_box_corners
from ango_convert.model import (
    ATTR_OBJECT_ID,
    XY,
    Annotation,
    Box,
    Keypoints,
    Point,
    Polygon,
    Polyline,
    RotatedBox,
)


def check_inside(annotations: Sequence[Annotation], width: int | None, height: int | None) -> None:
    """Refuse a shape wholly outside its image (once the image's size is known).

    Raises:
        ValueError: Naming the first such object and its bounds.
    """
    if width is None or height is None:
        return
    for annotation in annotations:
        reason = outside_reason(annotation, width, height)
        if reason is not None:
            raise ValueError(reason)


def outside_reason(annotation: Annotation, width: int, height: int) -> str | None:
    """Why an annotation cannot belong to a ``width`` x ``height`` image, or None.

    Its bounds (a box's own, else the bounds of its points) are tested like the COCO and
    VOC readers test boxes: overhangs are kept, a shape wholly outside is refused.
    """
    if isinstance(annotation, Box):
        box = (annotation.x, annotation.y, annotation.width, annotation.height)
    else:
        points = _points_of(annotation)
        if not points:
            return None
        xmin, ymin, xmax, ymax = bounds(points)
        box = (xmin, ymin, xmax - xmin, ymax - ymin)
    reason = box_outside_image(*box, width, height)
    if reason is None:
        return None
    name = annotation.attributes.get(ATTR_OBJECT_ID)
    label = f"object {name!r}" if isinstance(name, str) else "an object"
    return f"{label} ({annotation.kind}): {reason}"


def _points_of(annotation: Annotation) -> list[XY]:
    if isinstance(annotation, RotatedBox):
        return list(rotated_box_corners(annotation))
    if isinstance(annotation, Polygon):
        return [point for zone in annotation.zones for point in zone.outer]
    if isinstance(annotation, Polyline):
        return list(annotation.points)
    if isinstance(annotation, Point):
        return [(annotation.x, annotation.y)]
    if isinstance(annotation, Keypoints):
        return [(x, y) for x, y, v in annotation.points if v > 0]
    return []  # masks carry their own size
