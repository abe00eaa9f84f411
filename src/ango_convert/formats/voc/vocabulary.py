"""The Pascal VOC words the reader and the writer share: element and flag names, the
default pose, the item attributes VOC keeps, and the pixel conventions."""

from __future__ import annotations

from typing import Literal

#: How ``<bndbox>`` corners map to IR pixels (see :mod:`ango_convert.formats.voc`).
PixelConvention = Literal["continuous", "inclusive"]

#: ``<bndbox>`` children, in the order VOC writes them.
CORNERS = ("xmin", "ymin", "xmax", "ymax")
#: VOC object flags, kept as int attributes of the same name.
FLAGS = ("difficult", "truncated", "occluded")
#: The ``<pose>`` VOC writes when there is none; read as no pose at all.
DEFAULT_POSE = "Unspecified"
#: VOC ``<folder>`` of the source file.
ATTR_VOC_FOLDER = "voc:folder"
#: VOC ``<size><depth>`` (colour channels).
ATTR_VOC_DEPTH = "voc:depth"
#: VOC ``<segmented>`` flag, kept when it is 1.
ATTR_VOC_SEGMENTED = "voc:segmented"


def corner_shift(convention: PixelConvention) -> float:
    """What inclusive corners add to a size: 1 pixel, or nothing for continuous ones."""
    return 1.0 if convention == "inclusive" else 0.0
