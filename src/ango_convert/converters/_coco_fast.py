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

from ango_convert.geometry import box_outside_image
from ango_convert.model import ATTR_COCO_AREA, ATTR_COCO_ID, ATTR_ISCROWD, Annotation, checked_box

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
    annotation_id, category_id = record.get("id"), record.get("category_id")
    image_id = record.get("image_id")
    # Only an int can be looked up: a list or object id would not even hash.
    image = images.get(image_id) if type(image_id) is int else None
    if (
        image is None
        or type(annotation_id) is not int
        or type(category_id) is not int
        or annotation_id in seen
        or category_id not in categories
    ):
        return False
    bbox = _plain_bbox(record.get("bbox"))
    crowd = record.get("iscrowd", 0)
    area = record.get("area")
    segmentation = record.get("segmentation")
    if (
        bbox is None
        or type(crowd) is not int
        or crowd not in (0, 1)
        or not (area is None or (type(area) in _NUMBERS and isfinite(area)))
        or not (segmentation is None or (type(segmentation) is list and not segmentation))
    ):
        return False
    if (
        image.width is not None
        and image.height is not None
        and box_outside_image(*bbox, image.width, image.height)
    ):
        return False
    attributes: dict[str, Any] = {ATTR_COCO_ID: annotation_id, ATTR_ISCROWD: crowd}
    if area is not None:
        attributes[ATTR_COCO_AREA] = area
    x, y, width, height = bbox
    seen[annotation_id] = index
    # _plain_bbox checked what Box would: four finite numbers, a size that is not negative.
    image.annotations.append(checked_box(category_id, x, y, width, height, attributes))
    return True


def _plain_bbox(value: Any) -> tuple[float, float, float, float] | None:
    """Four finite numbers with a size that is not negative, else None."""
    if type(value) is not list or len(value) != 4:
        return None
    x, y, width, height = value
    if (
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
        return x, y, width, height
    return None
