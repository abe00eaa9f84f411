"""Write a COCO document from the IR in one pass over the items (see :mod:`._coco_stream`;
the annotation entries come from :mod:`._coco_entries`).

Ids, one pass: an image keeps its source id (``coco:image_id``, else the item id when
it is a whole number) when no earlier image took it, and an annotation its ``coco:id``
likewise; the others are numbered from 1 up, skipping the ids kept so far. Ids that
are all present and distinct are therefore kept, and data without ids is numbered
1..N.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from ango_convert.converters._coco_entries import (
    WRITES_KINDS,
    AnnotationWriter,
    OnUnsupported,
    extras,
    int_or_none,
)
from ango_convert.converters._coco_json import CATEGORY_KEYS, IMAGE_KEYS, INFO_LICENSES, TOP_KEYS
from ango_convert.converters._coco_stream import DocumentWriter, IdAssigner, JsonArray
from ango_convert.errors import ConversionError
from ango_convert.model import ATTR_COCO_IMAGE_ID, Category, Dataset, Item
from ango_convert.report import WriteReport

__all__ = ["WRITES_KINDS", "OnUnsupported", "Options", "write_document"]

_MAX_LISTED = 10


@dataclass(frozen=True, slots=True)
class Options:
    """The writer's options that shape the document."""

    on_unsupported: OnUnsupported = "error"
    indent: bool = False


def write_document(
    dataset: Dataset,
    stream: IO[bytes],
    spool: IO[bytes],
    report: WriteReport,
    options: Options,
) -> None:
    """Write the COCO document for a dataset to ``stream`` in one pass over its items,
    counting what was written in ``report``. Annotation entries wait in ``spool`` (an
    empty temporary file) until the images are done.

    Problems are collected while streaming and raised at the end, each in full; the
    caller discards what was written.

    Raises:
        ConversionError: Some items have no image size.
        UnsupportedAnnotationError: Kinds COCO cannot hold, unless skipping or
            approximating was asked for.
    """
    document = DocumentWriter(stream, options.indent)
    document.members(
        [
            ("info", {k: v for k, v in dataset.info.items() if ":" not in k}),
            ("licenses", dataset.info.get(INFO_LICENSES, [])),
        ]
    )
    images = document.open_array("images")
    writer = AnnotationWriter(report, options.on_unsupported, JsonArray(spool, options.indent))
    image_ids = IdAssigner()
    unsized: list[str] = []  # the first few, for the message
    unsized_count = 0
    for item in dataset.items:
        report.items += 1
        if item.width is None or item.height is None:
            unsized_count += 1
            if len(unsized) < _MAX_LISTED:
                unsized.append(item.id)
            continue
        image_id = image_ids.take(int_or_none(item.attributes.get(ATTR_COCO_IMAGE_ID, item.id)))
        images.add(_image(item, image_id))
        writer.add_item(item, image_id)
    _require_sizes(unsized, unsized_count)
    writer.finish()
    document.close_array(images)
    document.spooled_array("annotations", spool, writer.entries)
    document.member("categories", [_category(category) for category in dataset.categories])
    document.members(extras(dataset.info, TOP_KEYS).items())
    document.close()


def _require_sizes(shown: Sequence[str], count: int) -> None:
    if not count:
        return
    listed = ", ".join(repr(name) for name in shown)
    more = f" (and {count - len(shown)} more)" if count > len(shown) else ""
    raise ConversionError(
        f"COCO needs every image's width and height; {count} item(s) have none: "
        f"{listed}{more}; read the source with --images to take sizes from the image files"
    )


def _image(item: Item, image_id: int) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": image_id,
        "file_name": item.file_name,
        "width": item.width,
        "height": item.height,
    }
    entry.update(extras(item.attributes, IMAGE_KEYS | {"image_id"}))
    return entry


def _category(category: Category) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": category.id, "name": category.name}
    if category.supercategory is not None:
        entry["supercategory"] = category.supercategory
    if category.keypoint_names:
        entry["keypoints"] = list(category.keypoint_names)
        entry["skeleton"] = [[a + 1, b + 1] for a, b in category.skeleton]  # COCO is 1-based
    entry.update(extras(category.attributes, CATEGORY_KEYS))
    return entry
