"""The common COCO annotation at full speed: a plain box, recognised by a few type tests.

:func:`plain_box` takes only records it can take whole and gives exactly the IR the
general path in :mod:`._coco_read` would; anything else (a segmentation, keypoints,
extra keys, an integral float id, and every kind of error) is left to that path, which
also locates the problems. The general path costs about ten times as much per
annotation, and plain boxes are most of every detection dataset.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from math import isfinite
from typing import Any, Protocol

from ango_convert.formats.coco.keys import IMAGE_KEYS, extras
from ango_convert.model import (
    ATTR_COCO_AREA,
    ATTR_COCO_ID,
    ATTR_COCO_IMAGE_ID,
    ATTR_ISCROWD,
    Annotation,
    JSONValue,
    checked_box,
)

_PLAIN_KEYS = frozenset(
    {"id", "image_id", "category_id", "bbox", "area", "iscrowd", "segmentation"}
)
_NUMBERS = (int, float)


class ImageSlot(Protocol):
    """What the reader keeps per image while annotations are read."""

    width: int | None
    height: int | None
    annotations: list[Annotation]


def plain_box(
    record: Any,
    index: int,
    seen: dict[int, int],
    categories: Container[int],
    images: Mapping[int, ImageSlot],
) -> bool:
    """Read ``record`` as a plain box if it is one, recording its id in ``seen``.

    Returns:
        True when the record was taken; False when the general path must read it.
    """
    if type(record) is not dict or not record.keys() <= _PLAIN_KEYS:
        return False
    get = record.get
    annotation_id, category_id, image_id = get("id"), get("category_id"), get("image_id")
    # Only an int can be looked up: a list or object id would not even hash, and True
    # would find image 1.
    image = images.get(image_id) if type(image_id) is int else None
    if (
        image is None
        or type(annotation_id) is not int
        or type(category_id) is not int
        or annotation_id in seen
        or category_id not in categories
    ):
        return False
    bbox = get("bbox")
    if type(bbox) is not list or len(bbox) != 4:
        return False
    x, y, width, height = bbox
    if not (
        type(x) in _NUMBERS
        and type(y) in _NUMBERS
        and type(width) in _NUMBERS
        and type(height) in _NUMBERS
        and isfinite(x)
        and isfinite(y)
        and isfinite(width)
        and isfinite(height)
        and width >= 0
        and height >= 0
    ):
        return False
    crowd, area, segmentation = get("iscrowd", 0), get("area"), get("segmentation")
    if (
        type(crowd) is not int
        or crowd not in (0, 1)
        or not (area is None or (type(area) in _NUMBERS and isfinite(area)))
        or not (segmentation is None or (type(segmentation) is list and not segmentation))
    ):
        return False
    image_width, image_height = image.width, image.height
    # The test of geometry.box_outside_image, inline: it runs once per annotation.
    if (
        image_width is not None
        and image_height is not None
        and (x > image_width or y > image_height or x + width < 0 or y + height < 0)
    ):
        return False
    attributes: dict[str, Any] = {ATTR_COCO_ID: annotation_id, ATTR_ISCROWD: crowd}
    if area is not None:
        attributes[ATTR_COCO_AREA] = area
    seen[annotation_id] = index
    # Checked above as Box would: four finite numbers, a size that is not negative.
    image.annotations.append(checked_box(category_id, x, y, width, height, attributes))
    return True


def plain_image(
    record: Any, index: int, seen: dict[int, int]
) -> tuple[int, str, int | None, int | None, dict[str, JSONValue]] | None:
    """An image record's id, file name, size and attributes when it needs no checks
    beyond type tests (recording its id in ``seen``), else None for the general path."""
    if type(record) is not dict:
        return None
    get = record.get
    image_id, file_name, width, height = get("id"), get("file_name"), get("width"), get("height")
    if (
        type(image_id) is not int
        or image_id in seen
        or type(file_name) is not str
        or not (width is None or (type(width) is int and width > 0))
        or not (height is None or (type(height) is int and height > 0))
    ):
        return None
    seen[image_id] = index
    attributes: dict[str, JSONValue] = {ATTR_COCO_IMAGE_ID: image_id}
    if not record.keys() <= IMAGE_KEYS:
        attributes.update(extras(record, IMAGE_KEYS))
    return image_id, file_name, width, height, attributes
