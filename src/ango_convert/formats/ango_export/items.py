"""One selected Ango export asset -> its IR items: one, or one per frame/page.

The answers :func:`~.selection.select` picked are decoded (by the shared Ango decoder),
their attributes renamed, and grouped by page; each item gets its size, split and the
asset's ids (``ango:externalId``, ``ango:assetId``, batches, stage, task ids). Functions
raise a bare ``ValueError`` with a reason; the reader adds the file and the record.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ango_convert.formats.ango.decode import AngoDecoder
from ango_convert.formats.ango_export.attributes import with_renamed_attributes
from ango_convert.formats.ango_export.bounds import check_inside
from ango_convert.formats.ango_export.brush import BrushReader
from ango_convert.formats.ango_export.frames import Frames, frame_file_name
from ango_convert.formats.ango_export.selection import (
    Answer,
    Selection,
    Version,
    asset_key,
    batch_names,
    text_or_none,
)
from ango_convert.formats.ango_export.sizes import SizeFinder
from ango_convert.formats.ango_export.splits import Splitter
from ango_convert.model import ATTR_PAGE, Annotation, Classification, Item, JSONValue

ATTR_ASSET_ID = "ango:assetId"
ATTR_EXTERNAL_ID = "ango:externalId"
ATTR_BATCHES = "ango:batches"
ATTR_STAGE = "ango:stage"
ATTR_TASK_ID = "ango:taskId"
ATTR_TASK_IDS = "ango:taskIds"


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemRules:
    """How the records of one read become items."""

    version: Version
    selection: Selection
    keep_empty: bool = True
    frames: Frames = "split"
    splitter: Splitter = field(default_factory=Splitter)
    attribute_map: Mapping[str, str] = field(default_factory=dict)


def build_items(
    record: Mapping[str, Any],
    answers: Sequence[Answer],
    decoder: AngoDecoder,
    rules: ItemRules,
    sizes: SizeFinder,
    brushes: BrushReader | None = None,
    category_ids: Mapping[str, int] | None = None,
) -> Iterator[Item]:
    """Turn one selected asset into its items: one, or one per frame/page.

    (``frames="refuse"`` is settled before, by :func:`~.frames.refuse_frames`.) With
    ``brushes``, the asset's brush mask PNG adds one mask per brush class to the
    asset's own item (brush masks are painted over the asset image, not a frame).

    Raises:
        ValueError: Malformed objects, or a shape wholly outside its image.
    """
    key = asset_key(record)
    annotations, classifications = _decode(answers, decoder)
    annotations = [with_renamed_attributes(a, rules.attribute_map) for a in annotations]
    base = _base_attributes(record, key, answers)
    split = rules.splitter.split_of(key, batch_names(record))
    by_page: dict[int | None, list[Annotation]] = {}
    for annotation in annotations:
        page = annotation.attributes.get(ATTR_PAGE)
        by_page.setdefault(page if isinstance(page, int) else None, []).append(annotation)
    paged = sorted(p for p in by_page if p is not None)
    brush_urls = [a.brush_url for a in answers if a.brush_url] if brushes else []
    if brushes is not None:
        for answer in answers:
            brushes.check_medical(key, answer.medical_brush_url)
    if not paged or None in by_page or brush_urls:
        unpaged = by_page.get(None, [])
        width, height = sizes.size(record, key, text_or_none(record.get("asset")))
        check_inside(unpaged, width, height)
        for url in brush_urls:
            assert brushes is not None  # brush_urls is empty without a reader
            unpaged += brushes.masks(key, url, (width, height), category_ids or {})
        if unpaged or rules.keep_empty:
            yield Item(
                id=key,
                file_name=key,
                width=width,
                height=height,
                annotations=tuple(unpaged),
                classifications=classifications,
                split=split,
                attributes=base,
            )
    for page in paged:
        yield _frame_item(record, key, page, by_page[page], classifications, base, split, sizes)


def _frame_item(
    record: Mapping[str, Any],
    key: str,
    page: int,
    annotations: list[Annotation],
    classifications: tuple[Classification, ...],
    base: Mapping[str, JSONValue],
    split: str | None,
    sizes: SizeFinder,
) -> Item:
    dataset = record.get("dataset")
    page_url = dataset[page] if isinstance(dataset, list) and 0 <= page < len(dataset) else None
    page_url = page_url if isinstance(page_url, str) else None
    name = frame_file_name(key, page, page_url)
    width, height = sizes.size(record, name, page_url or text_or_none(record.get("asset")))
    check_inside(annotations, width, height)
    return Item(
        id=f"{key}#frame{page}",
        file_name=name,
        width=width,
        height=height,
        annotations=tuple(annotations),
        classifications=classifications,
        split=split,
        attributes={**base, ATTR_PAGE: page},
    )


def _decode(
    answers: Sequence[Answer], decoder: AngoDecoder
) -> tuple[list[Annotation], tuple[Classification, ...]]:
    annotations: list[Annotation] = []
    classifications: list[Classification] = []
    tag = len(answers) > 1
    for index, answer in enumerate(answers):
        where = f"tasks[{index}]." if tag else ""
        try:
            decoded = decoder.decode_objects(answer.objects, answer.relations)
            classifications += decoder.decode_classifications(answer.classifications)
        except ValueError as exc:
            raise ValueError(f"{where}{exc}") from None
        if tag and answer.task_id is not None:
            # Merged tasks (task=all): each annotation says which task drew it.
            decoded = [_with_task(a, answer.task_id) for a in decoded]
        annotations += decoded
    return annotations, tuple(classifications)


def _with_task(annotation: Annotation, task_id: str) -> Annotation:
    attributes = {**annotation.attributes, ATTR_TASK_ID: task_id}
    return dataclasses.replace(annotation, attributes=attributes)


def _base_attributes(
    record: Mapping[str, Any], key: str, answers: Sequence[Answer]
) -> dict[str, JSONValue]:
    batches = batch_names(record)
    attributes: dict[str, JSONValue] = {ATTR_EXTERNAL_ID: key}
    asset_id = record.get("assetId")
    if isinstance(asset_id, (str, int)):
        attributes[ATTR_ASSET_ID] = str(asset_id)
    if batches:
        attributes[ATTR_BATCHES] = list(batches)
    stages = [a.stage for a in answers if a.stage]
    if stages:
        attributes[ATTR_STAGE] = stages[0]
    task_ids: list[JSONValue] = [a.task_id for a in answers if a.task_id]
    if len(task_ids) == 1:
        attributes[ATTR_TASK_ID] = task_ids[0]
    elif task_ids:
        attributes[ATTR_TASK_IDS] = task_ids
    return attributes
