"""What the views need to know about one annotation's shape: extent, identity, degeneracy.

Extents are ``(xmin, ymin, xmax, ymax)`` in the IR's absolute pixels (see
:mod:`ango_convert.model`). A mask's extent is the box around its set pixels; a pose's
is the box around its labelled keypoints.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

from ango_convert.geometry import ring_area, rotated_box_corners
from ango_convert.masks import mask_area, mask_bbox, zones_to_mask
from ango_convert.model import (
    XY,
    Annotation,
    Box,
    Keypoints,
    Mask,
    Point,
    Polygon,
    Polyline,
    Ring,
    RotatedBox,
)

Extent = tuple[float, float, float, float]

#: Kinds that cover an area; the others (points, lines, poses) only mark places.
AREA_KINDS = frozenset({"box", "rotated-box", "polygon", "mask"})


def family(kind: str) -> str:
    """The kinds an annotation is compared with: its own, and a polygon and a mask with
    each other (both are regions; formats turn one into the other)."""
    return "region" if kind in ("polygon", "mask") else kind


def polygon_as_mask(polygon: Polygon, like: Mask) -> Mask:
    """A polygon rasterised onto the grid of ``like`` (pixel centres inside, holes cut)."""
    return zones_to_mask(
        polygon.zones, height=like.height, width=like.width, category_id=polygon.category_id
    )


def extent(annotation: Annotation) -> Extent | None:
    """The box ``(xmin, ymin, xmax, ymax)`` around an annotation.

    Returns:
        None for a mask without set pixels or a pose without labelled keypoints.
    """
    if type(annotation) is Box:
        return (
            annotation.x,
            annotation.y,
            annotation.x + annotation.width,
            annotation.y + annotation.height,
        )
    if isinstance(annotation, RotatedBox):
        return _ring_extent(rotated_box_corners(annotation))
    if isinstance(annotation, Polygon):
        return _rings_extent(zone.outer for zone in annotation.zones)
    if isinstance(annotation, Polyline):
        return _ring_extent(annotation.points)
    if isinstance(annotation, Point):
        return (annotation.x, annotation.y, annotation.x, annotation.y)
    if isinstance(annotation, Keypoints):
        labelled = [(x, y) for x, y, v in annotation.points if v > 0]
        return _ring_extent(labelled) if labelled else None
    if isinstance(annotation, Mask):
        if not any(annotation.counts[1::2]):
            return None
        x, y, width, height = mask_bbox(annotation)
        return (float(x), float(y), float(x + width), float(y + height))
    raise TypeError(f"not an annotation: {annotation!r}")


def _ring_extent(points: Sequence[XY]) -> Extent:
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    return (min(xs), min(ys), max(xs), max(ys))


def _rings_extent(rings: Iterable[Ring]) -> Extent:
    xmin = ymin = float("inf")
    xmax = ymax = float("-inf")
    for ring in rings:
        x0, y0, x1, y1 = _ring_extent(ring)
        xmin, ymin = min(xmin, x0), min(ymin, y0)
        xmax, ymax = max(xmax, x1), max(ymax, y1)
    return (xmin, ymin, xmax, ymax)


def geometry_key(annotation: Annotation) -> Hashable:
    """A hashable value equal for two annotations exactly when their geometry is equal
    (kind and coordinates; class and attributes left out)."""
    if type(annotation) is Box:
        return ("box", annotation.x, annotation.y, annotation.width, annotation.height)
    if isinstance(annotation, RotatedBox):
        a = annotation
        return ("rotated-box", a.cx, a.cy, a.width, a.height, a.angle)
    if isinstance(annotation, Polygon):
        return ("polygon", tuple((zone.outer, zone.holes) for zone in annotation.zones))
    if isinstance(annotation, Polyline):
        return ("polyline", annotation.points)
    if isinstance(annotation, Point):
        return ("point", annotation.x, annotation.y)
    if isinstance(annotation, Keypoints):
        # Visibility 1 and 2 are both "labelled": formats without the flag write 2.
        return ("keypoints", tuple((x, y, v > 0) for x, y, v in annotation.points))
    if isinstance(annotation, Mask):
        return ("mask", annotation.height, annotation.width, annotation.counts)
    raise TypeError(f"not an annotation: {annotation!r}")


def degenerate_reason(annotation: Annotation) -> str | None:
    """Why an annotation has no usable geometry, or None when it has.

    The reasons: a box or rotated box of zero width or height, a polygon ring of zero
    area, a polyline of zero length, a mask with no pixel set, a pose with no keypoint
    labelled.
    """
    if type(annotation) is Box or isinstance(annotation, RotatedBox):
        if annotation.width == 0 or annotation.height == 0:
            return f"{annotation.kind} of zero size"
        return None
    if isinstance(annotation, Polygon):
        for zone in annotation.zones:
            if ring_area(zone.outer) == 0:
                return "polygon of zero area"
        return None
    if isinstance(annotation, Polyline):
        first = annotation.points[0]
        if all(point == first for point in annotation.points):
            return "polyline of zero length"
        return None
    if isinstance(annotation, Keypoints):
        return None if annotation.labelled_count else "keypoints with none labelled"
    if isinstance(annotation, Mask):
        return None if mask_area(annotation) else "mask with no pixel set"
    return None
