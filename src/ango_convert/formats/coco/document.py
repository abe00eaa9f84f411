"""The walk over a COCO document (already loaded JSON): sections in order, into the IR.

Categories are read first and images next, so each annotation finds what it refers to;
the record decoders (:mod:`.records`, :mod:`.annotations`) raise :class:`Located` and
the walk either stops there or, collecting, leaves the record out and goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ango_convert.formats.coco.annotations import decode_annotation
from ango_convert.formats.coco.keys import (
    INFO_LICENSES,
    TOP_KEYS,
    Located,
    Where,
    as_list,
    as_object,
    extras,
    section,
)
from ango_convert.formats.coco.records import ImageSlot, decode_category, decode_image
from ango_convert.model import Category, Dataset, Item, JSONValue

#: Collect-and-continue callback: told of each record left out.
Skip = Callable[[Located], None]


def parse_document(
    document: object, skip: Skip | None = None, warnings: list[str] | None = None
) -> Dataset:
    """Build a Dataset from parsed COCO JSON.

    Args:
        document: The parsed JSON.
        skip: Collect-and-continue: called with each bad category, image or annotation,
            which is then left out (annotations of a left-out image or category follow).
            None raises instead.
        warnings: Where metadata faults that do not stop the read are told (skeleton
            edges naming keypoints the category lacks, which are dropped).

    Raises:
        Located: The first problem found, with its JSON path.
    """
    root = as_object(document, ())
    categories, images = decode_head(root, skip, warnings)
    by_id = {category.id: category for category in categories}
    annotation_ids: dict[int, int] = {}
    for index, record in enumerate(section(root, "annotations")):
        try:
            decode_annotation(images, by_id, annotation_ids, record, index)
        except ValueError as exc:
            _left_out(exc, ("annotations", index), skip)
    items = tuple(item_of(image_id, image) for image_id, image in images.items())
    return Dataset(categories=tuple(categories), items=items, info=info_of(root))


def decode_head(
    root: Mapping[str, Any], skip: Skip | None, warnings: list[str] | None
) -> tuple[list[Category], dict[int, ImageSlot]]:
    """The categories, and the images by id (their annotations not yet read)."""
    categories = decode_categories(root, skip, warnings)
    return categories, read_images(enumerate(section(root, "images")), skip)


def decode_categories(
    root: Mapping[str, Any], skip: Skip | None, warnings: list[str] | None
) -> list[Category]:
    """The categories, in document order."""
    return read_categories(enumerate(section(root, "categories")), skip, warnings)


def read_categories(
    records: Iterable[tuple[int, object]], skip: Skip | None, warnings: list[str] | None
) -> list[Category]:
    """Decode ``$.categories`` given as (index, record) pairs (the streamed read's chunks)."""
    categories: list[Category] = []
    category_ids: dict[int, int] = {}  # id -> index of the record that has it
    for index, record in records:
        try:
            decode_category(categories, category_ids, record, index, warnings)
        except ValueError as exc:
            _left_out(exc, ("categories", index), skip)
    return categories


def read_images(records: Iterable[tuple[int, object]], skip: Skip | None) -> dict[int, ImageSlot]:
    """Decode ``$.images`` given as (index, record) pairs, in order, by image id."""
    images: dict[int, ImageSlot] = {}
    image_ids: dict[int, int] = {}
    for index, record in records:
        try:
            decode_image(images, image_ids, record, index)
        except ValueError as exc:
            _left_out(exc, ("images", index), skip)
    return images


def item_of(image_id: int, image: ImageSlot) -> Item:
    """The item of an image record and the annotations read onto it."""
    return Item(
        id=str(image_id),
        file_name=image.file_name,
        width=image.width,
        height=image.height,
        annotations=tuple(image.annotations),
        attributes=image.attributes,
    )


def _left_out(exc: ValueError, where: Where, skip: Skip | None) -> None:
    """Raise the problem of the record at ``where`` as Located, or with ``skip`` report
    it and return, leaving the record out."""
    located = exc if isinstance(exc, Located) else Located(where, str(exc))
    if located is not exc:  # an IR invariant the decoder did not foresee
        located.__cause__ = exc
    if skip is None:
        raise located
    skip(located)


def info_of(root: Mapping[str, Any]) -> dict[str, JSONValue]:
    info = root.get("info")
    result: dict[str, JSONValue] = dict(as_object(info, ("info",))) if info is not None else {}
    if root.get("licenses") is not None:
        result[INFO_LICENSES] = as_list(root["licenses"], ("licenses",))
    result.update(extras(root, TOP_KEYS))
    return result
