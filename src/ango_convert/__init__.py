"""ango-convert: move annotation data between COCO, Pascal VOC, YOLO and Ango Hub."""

from __future__ import annotations

import logging

from ango_convert.api import (
    convert,
    read,
    read_ango,
    read_ango_export,
    read_ango_v2,
    read_ango_v3,
    read_coco,
    read_voc,
    read_yolo,
    validate,
    write,
    write_ango,
    write_ango_flat,
    write_coco,
    write_voc,
    write_yolo,
)
from ango_convert.errors import (
    AngoConvertError,
    ConversionError,
    ReadError,
    SchemaValidationError,
    UnsupportedAnnotationError,
)
from ango_convert.model import (
    Box,
    Category,
    Classification,
    Dataset,
    Item,
    Keypoints,
    Mask,
    Point,
    Polygon,
    Polyline,
    RotatedBox,
    Zone,
)
from ango_convert.report import Diagnostics, WriteReport

__version__ = "0.1.0"

__all__ = [
    "AngoConvertError",
    "Box",
    "Category",
    "Classification",
    "ConversionError",
    "Dataset",
    "Diagnostics",
    "Item",
    "Keypoints",
    "Mask",
    "Point",
    "Polygon",
    "Polyline",
    "ReadError",
    "RotatedBox",
    "SchemaValidationError",
    "UnsupportedAnnotationError",
    "WriteReport",
    "Zone",
    "__version__",
    "convert",
    "read",
    "read_ango",
    "read_ango_export",
    "read_ango_v2",
    "read_ango_v3",
    "read_coco",
    "read_voc",
    "read_yolo",
    "validate",
    "write",
    "write_ango",
    "write_ango_flat",
    "write_coco",
    "write_voc",
    "write_yolo",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
