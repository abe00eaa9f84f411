"""The intermediate representation (IR) every format reads into and writes from.

Coordinates, stated once for the whole toolkit:
    Every coordinate is an absolute pixel position as a float, with the origin at the
    top-left corner of the image, x growing to the right and y growing down. Positions
    are continuous: pixel (col, row) covers the square [col, col + 1) x [row, row + 1),
    so a box that covers exactly pixel columns 0..9 has x=0 and width=10 (the COCO and
    Ango convention). Formats with other conventions (YOLO's normalised centres, VOC's
    1-based inclusive corners) convert in their own module, never here.

Lossless extras travel in ``attributes``. Keys with a ``prefix:`` are source extras the
toolkit knows (see the ``ATTR_*`` constants); keys without a colon are free attributes
(VOC ``difficult``, COCO ``attributes`` entries, Ango nested classifications).

Formats never convert to each other directly: a reader builds a :class:`Dataset`, a
writer consumes one.
"""

from __future__ import annotations

from ango_convert.model.annotations import (
    ANNOTATION_KINDS,
    VISIBILITY_VALUES,
    Annotation,
    Box,
    Keypoints,
    Mask,
    Point,
    Polygon,
    Polyline,
    RotatedBox,
    Zone,
    annotation_kind,
    checked_box,
)
from ango_convert.model.dataset import (
    Category,
    Classification,
    Dataset,
    Item,
)
from ango_convert.model.values import (
    ATTR_COCO_AREA,
    ATTR_COCO_BBOX,
    ATTR_COCO_ID,
    ATTR_COCO_IMAGE_ID,
    ATTR_ISCROWD,
    ATTR_OBJECT_ID,
    ATTR_PAGE,
    ATTR_SCHEMA_ID,
    XY,
    Attributes,
    JSONScalar,
    JSONValue,
    Ring,
)

__all__ = [
    "ANNOTATION_KINDS",
    "ATTR_COCO_AREA",
    "ATTR_COCO_BBOX",
    "ATTR_COCO_ID",
    "ATTR_COCO_IMAGE_ID",
    "ATTR_ISCROWD",
    "ATTR_OBJECT_ID",
    "ATTR_PAGE",
    "ATTR_SCHEMA_ID",
    "VISIBILITY_VALUES",
    "XY",
    "Annotation",
    "Attributes",
    "Box",
    "Category",
    "Classification",
    "Dataset",
    "Item",
    "JSONScalar",
    "JSONValue",
    "Keypoints",
    "Mask",
    "Point",
    "Polygon",
    "Polyline",
    "Ring",
    "RotatedBox",
    "Zone",
    "annotation_kind",
    "checked_box",
]
