"""COCO image entries, and the loop that turns items into image and annotation entries
(one process writes the whole dataset through it, a worker its shard)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from ango_convert.formats.coco.entries import AnnotationWriter, extras, int_or_none
from ango_convert.formats.coco.keys import IMAGE_KEYS
from ango_convert.model import ATTR_COCO_IMAGE_ID, Item
from ango_convert.report import WriteReport

#: Items without a size listed by name in the error (the rest are counted).
MAX_LISTED = 10


class Ids(Protocol):
    """:class:`.json_stream.IdAssigner` or its stand-in in a worker."""

    def take(self, wanted: int | None) -> int: ...


def image_entry(item: Item, image_id: int) -> dict[str, Any]:
    """The ``images`` entry of an item."""
    entry: dict[str, Any] = {
        "id": image_id,
        "file_name": item.file_name,
        "width": item.width,
        "height": item.height,
    }
    entry.update(extras(item.attributes, IMAGE_KEYS | {"image_id"}))
    return entry


def add_items(
    items: Iterable[Item],
    report: WriteReport,
    image_ids: Ids,
    add_image: Callable[[dict[str, Any]], None],
    writer: AnnotationWriter,
) -> tuple[list[str], int]:
    """Each sized item's image entry to ``add_image`` and its annotations to ``writer``,
    counted in ``report``; returns the first unsized items' ids and how many there were."""
    unsized: list[str] = []
    unsized_count = 0
    for item in items:
        report.items += 1
        if item.width is None or item.height is None:
            unsized_count += 1
            if len(unsized) < MAX_LISTED:
                unsized.append(item.id)
            continue
        image_id = image_ids.take(int_or_none(item.attributes.get(ATTR_COCO_IMAGE_ID, item.id)))
        add_image(image_entry(item, image_id))
        writer.add_item(item, image_id)
    return unsized, unsized_count
