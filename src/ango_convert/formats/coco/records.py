"""COCO image and category records: one decoder for each, every problem :class:`Located`.

The image decoder is on the hot path (one call per image of large datasets), so it
tests the common case first with exact-type tests (an int id, a str file name, int
sizes above zero) and hands only what fails them to the general helpers of
:mod:`.keys`, which take the rarer valid forms (``3.0`` for ``3``) or name the bad key.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from ango_convert.errors import shown
from ango_convert.formats.coco.keys import (
    CATEGORY_KEYS,
    IMAGE_KEYS,
    Located,
    Where,
    as_int,
    as_list,
    as_object,
    as_str,
    claim,
    extras,
    int_field,
    positive_or_none,
    required,
)
from ango_convert.io.inputs import json_path
from ango_convert.model import ATTR_COCO_IMAGE_ID, Annotation, Category, JSONValue

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class ImageSlot:
    """An image record as read, collecting its annotations until the item is built."""

    file_name: str
    width: int | None
    height: int | None
    attributes: dict[str, JSONValue]
    annotations: list[Annotation] = field(default_factory=list)


def decode_image(
    images: dict[int, ImageSlot], seen: dict[int, int], record: object, index: int
) -> None:
    """Read ``$.images[index]`` into ``images`` under its id, claimed in ``seen``.

    Raises:
        Located: The record is not an image; the path names the first bad key.
    """
    if type(record) is not dict:
        record = as_object(record, ("images", index))
    get = record.get
    image_id = get("id")
    if type(image_id) is not int:
        image_id = int_field(record, "id", ("images", index))
    if image_id in seen:
        claim(seen, image_id, "images", index)
    seen[image_id] = index
    file_name = get("file_name")
    if type(file_name) is not str:
        where: Where = ("images", index)
        file_name = as_str(required(record, "file_name", where), (*where, "file_name"))
    width, height = get("width"), get("height")
    if width is not None and (type(width) is not int or width <= 0):
        width = positive_or_none(record, "width", ("images", index))
    if height is not None and (type(height) is not int or height <= 0):
        height = positive_or_none(record, "height", ("images", index))
    attributes: dict[str, JSONValue] = {ATTR_COCO_IMAGE_ID: image_id}
    if not record.keys() <= IMAGE_KEYS:
        attributes.update(extras(record, IMAGE_KEYS))
    images[image_id] = ImageSlot(file_name, width, height, attributes)


def decode_category(
    categories: list[Category],
    seen: dict[int, int],
    record: object,
    index: int,
    warnings: list[str] | None = None,
) -> None:
    """Read ``$.categories[index]`` onto ``categories``, its id claimed in ``seen``.

    Raises:
        Located: The record is not a category; the path names the first bad key.
    """
    where: Where = ("categories", index)
    record = as_object(record, where)
    category_id = int_field(record, "id", where)
    claim(seen, category_id, "categories", index)
    name = as_str(required(record, "name", where), (*where, "name"))
    if not name.strip():
        raise Located((*where, "name"), "category name is empty")
    supercategory = record.get("supercategory")
    names = _keypoint_names(record.get("keypoints"), (*where, "keypoints"))
    categories.append(
        Category(
            id=category_id,
            name=name,
            supercategory=None
            if supercategory is None
            else as_str(supercategory, (*where, "supercategory")),
            keypoint_names=names,
            skeleton=_skeleton(
                record.get("skeleton"),
                len(names),
                (*where, "skeleton"),
                warnings,
                f"category {shown(name)} (id {category_id})",
            ),
            attributes=extras(record, CATEGORY_KEYS),
        )
    )


def _keypoint_names(value: object, where: Where) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(as_str(name, (*where, i)) for i, name in enumerate(as_list(value, where)))


#: How many dropped skeleton edges a warning lists.
SHOWN_EDGES = 10


def _skeleton(
    value: object,
    count: int,
    where: Where,
    warnings: list[str] | None = None,
    category: str = "the category",
) -> tuple[tuple[int, int], ...]:
    """Read skeleton edges, 1-based as COCO defines them, into 0-based pairs.

    Some tools write 0-based edges; a skeleton that uses index 0 and never the last
    keypoint's 1-based number is read as 0-based. Edges naming keypoints the category
    does not have (pose toolkits ship a 17-point skeleton on 14 keypoints) are dropped
    with one warning naming the category, how many of its edges went and the first of
    them: metadata, not geometry, so the read goes on.
    """
    if value is None:
        return ()
    pairs = []
    for i, edge in enumerate(as_list(value, where)):
        ends = as_list(edge, (*where, i))
        if len(ends) != 2:
            raise Located((*where, i), f"a skeleton edge needs 2 indices, got {len(ends)}")
        pairs.append((as_int(ends[0], (*where, i, 0)), as_int(ends[1], (*where, i, 1))))
    used = {end for pair in pairs for end in pair}
    shift = 0 if 0 in used and count not in used else 1
    kept, dropped = [], []
    for a, b in pairs:
        if 0 <= a - shift < count and 0 <= b - shift < count:
            kept.append((a, b))
        else:
            dropped.append([a, b])
    if dropped:
        listed = str(dropped[:SHOWN_EDGES])
        if len(dropped) > SHOWN_EDGES:
            listed = f"{listed[:-1]}, ... {len(dropped) - SHOWN_EDGES} more]"
        if count:
            what = (
                f"{category}: {len(dropped)} of {len(pairs)} skeleton edge(s) name "
                f"keypoints outside {shift}..{count - 1 + shift}"
            )
        else:
            what = f"{category} has no keypoints: its {len(pairs)} skeleton edge(s)"
        message = f"{json_path(*where)}: {what} were dropped: {listed}"
        if warnings is None:
            logger.warning("%s", message)
        else:
            warnings.append(message)
    return tuple((a - shift, b - shift) for a, b in kept)
