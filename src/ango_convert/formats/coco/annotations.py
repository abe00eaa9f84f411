"""COCO annotation records: one decoder for every kind, fastest on the plain box.

Plain boxes are most of every detection dataset, so :func:`decode_annotation` tests for
them first with exact-type tests (int ids, a bbox of four finite int or float numbers,
``iscrowd`` 0 or 1, no segmentation) and builds the Box directly. A value that fails
such a test goes to the general handling of its key, in the same pass: that takes the
rarer valid forms (``3.0`` as an id, ``iscrowd: true``) or raises :class:`Located`
naming the key and the reason. Segmentations and keypoints are read by :mod:`.shapes`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, MutableMapping
from math import isfinite
from typing import NoReturn

from ango_convert.formats.coco.keys import (
    ANNOTATION_KEYS,
    Located,
    Where,
    as_int,
    as_list,
    as_number,
    as_object,
    claim,
    extras,
    int_field,
)
from ango_convert.formats.coco.records import ImageSlot
from ango_convert.formats.coco.shapes import decode_keypoints, decode_segmentation
from ango_convert.geometry import box_outside_image
from ango_convert.model import (
    ATTR_COCO_AREA,
    ATTR_COCO_BBOX,
    ATTR_COCO_ID,
    ATTR_ISCROWD,
    Annotation,
    Box,
    Category,
    JSONValue,
    Keypoints,
    Mask,
    Polygon,
    checked_box,
)

# The keys a plain box may have without any of them becoming an extra attribute.
_PLAIN_KEYS = frozenset(
    {"id", "image_id", "category_id", "bbox", "area", "iscrowd", "segmentation"}
)
_NUMBERS = (int, float)

BBox = tuple[float, float, float, float]


def decode_annotation(
    images: Mapping[int, ImageSlot],
    categories: Mapping[int, Category],
    seen: MutableMapping[int, int],
    record: object,
    index: int,
) -> None:
    """Read ``$.annotations[index]`` onto its image, its id claimed in ``seen``.

    A record becomes a Box (bbox only), a Polygon or Mask (segmentation, the bbox kept as
    ``coco:bbox``) and/or Keypoints (sharing a group with the geometry beside them).

    Raises:
        Located: The record is not a valid annotation; the path names the first bad key.
    """
    if type(record) is not dict:
        record = as_object(record, ("annotations", index))
    get = record.get
    annotation_id = get("id")
    if type(annotation_id) is not int:
        annotation_id = int_field(record, "id", ("annotations", index))
    if annotation_id in seen:
        claim(seen, annotation_id, "annotations", index)
    seen[annotation_id] = index
    image_id = get("image_id")
    if type(image_id) is not int:
        image_id = int_field(record, "image_id", ("annotations", index))
    image = images.get(image_id)
    if image is None:
        raise Located(("annotations", index, "image_id"), f"image id {image_id} is not in $.images")
    category_id = get("category_id")
    if type(category_id) is not int:
        category_id = int_field(record, "category_id", ("annotations", index))
    if category_id not in categories:
        raise Located(
            ("annotations", index, "category_id"),
            f"category id {category_id} is not in $.categories",
        )

    crowd = get("iscrowd", 0)
    if type(crowd) is not int or (crowd != 0 and crowd != 1):
        crowd = _crowd(crowd, ("annotations", index, "iscrowd"))
    attributes: dict[str, JSONValue] = {ATTR_COCO_ID: annotation_id, ATTR_ISCROWD: crowd}
    area = get("area")
    if area is not None:
        if not (type(area) in _NUMBERS and isfinite(area)):
            area = as_number(area, ("annotations", index, "area"))
        attributes[ATTR_COCO_AREA] = area
    plain_keys = record.keys() <= _PLAIN_KEYS
    if not plain_keys:
        attributes.update(extras(record, ANNOTATION_KEYS))
        free = get("attributes")
        if free is not None:
            attributes.update(as_object(free, ("annotations", index, "attributes")))

    bbox = get("bbox")
    if type(bbox) is list and len(bbox) == 4:
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
            _refuse_bbox(bbox, ("annotations", index, "bbox"))
    elif bbox is None or bbox == []:
        bbox = None
    else:
        _refuse_bbox(bbox, ("annotations", index, "bbox"))

    segmentation = get("segmentation")
    if segmentation is None or (type(segmentation) is list and not segmentation):
        shape = None
    else:
        where = ("annotations", index, "segmentation")
        shape = decode_segmentation(segmentation, category_id, (image.height, image.width), where)
    if plain_keys:  # "keypoints" is not one of them
        pose = None
    else:
        where = ("annotations", index, "keypoints")
        pose = decode_keypoints(get("keypoints"), categories[category_id], where)
    if shape is None:
        if bbox is not None:  # the box is the geometry: it must touch its image
            image_width, image_height = image.width, image.height
            # The test of geometry.box_outside_image, inline as it runs once per annotation;
            # that function words the refusal.
            if (
                image_width is not None
                and image_height is not None
                and (x > image_width or y > image_height or x + width < 0 or y + height < 0)
            ):
                reason = box_outside_image(x, y, width, height, image_width, image_height)
                raise Located(("annotations", index, "bbox"), reason or "box outside the image")
            if pose is None:
                # Four finite numbers, a size that is not negative: checked above, as Box would.
                image.annotations.append(checked_box(category_id, x, y, width, height, attributes))
                return
        elif pose is None:
            raise Located(
                ("annotations", index), "annotation has no bbox, segmentation or keypoints"
            )
    geometry = None if bbox is None else (x, y, width, height)
    image.annotations.extend(
        _assemble(category_id, annotation_id, attributes, geometry, shape, pose)
    )


def _crowd(value: object, where: Where) -> int:
    """``iscrowd`` in its rarer forms: null (0), a boolean, an integral float; else Located."""
    if value is None:
        return 0
    flag = as_int(int(value) if isinstance(value, bool) else value, where)
    if flag not in (0, 1):
        raise Located(where, f"iscrowd must be 0 or 1, got {value!r}")
    return flag


def _refuse_bbox(value: object, where: Where) -> NoReturn:
    """Raise why ``value``, refused by the decoder, is not [x, y, width, height]."""
    numbers = as_list(value, where)
    if len(numbers) != 4:
        raise Located(where, f"expected 4 numbers [x, y, width, height], got {len(numbers)}")
    for i, number in enumerate(numbers):
        as_number(number, (*where, i))  # raises for the first that is not a finite number
    raise Located(where, f"bbox has a negative size {numbers[2]!r} x {numbers[3]!r}")


def _assemble(
    category_id: int,
    annotation_id: int,
    attributes: dict[str, JSONValue],
    bbox: BBox | None,
    shape: Polygon | Mask | None,
    pose: Keypoints | None,
) -> list[Annotation]:
    """One IR annotation per geometry; a pose beside a geometry shares its group."""
    has_geometry = shape is not None or bbox is not None
    group = str(annotation_id) if pose is not None and has_geometry else None
    result: list[Annotation] = []
    if shape is not None:
        if bbox is not None:
            attributes[ATTR_COCO_BBOX] = list(bbox)
        merged = {**attributes, **shape.attributes}
        result.append(dataclasses.replace(shape, group=group, attributes=merged))
    elif bbox is not None:
        x, y, width, height = bbox
        result.append(
            Box(
                category_id=category_id,
                x=x,
                y=y,
                width=width,
                height=height,
                group=group,
                attributes=attributes,
            )
        )
    if pose is not None:
        pose_attributes = {ATTR_COCO_ID: annotation_id} if result else attributes
        result.append(
            Keypoints(
                category_id=category_id,
                points=pose.points,
                group=group,
                attributes=pose_attributes,
            )
        )
    return result
