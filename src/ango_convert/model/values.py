"""The IR's value types (JSON values, points, rings) and the keys of known source extras."""

from __future__ import annotations

from collections.abc import Mapping

JSONScalar = str | int | float | bool | None


JSONValue = JSONScalar | list["JSONValue"] | dict[str, "JSONValue"]


Attributes = Mapping[str, JSONValue]


XY = tuple[float, float]


Ring = tuple[XY, ...]


#: COCO annotation id of the source annotation.
ATTR_COCO_ID = "coco:id"


#: COCO image id of the source image.
ATTR_COCO_IMAGE_ID = "coco:image_id"


#: COCO ``iscrowd`` flag (0 or 1).
ATTR_ISCROWD = "coco:iscrowd"


#: The COCO ``bbox`` of a segmented annotation, kept so COCO -> COCO is exact.
ATTR_COCO_BBOX = "coco:bbox"


#: COCO ``area`` as the source stated it.
ATTR_COCO_AREA = "coco:area"


#: Ango ontology schemaId of the tool or classification.
ATTR_SCHEMA_ID = "ango:schemaId"


#: Ango objectId of the object.
ATTR_OBJECT_ID = "ango:objectId"


#: Ango page (video frame or document page, 0-based).
ATTR_PAGE = "ango:page"
