"""One Ango export asset record -> IR items: which answer, which frames, sizes, splits.

This module holds the per-record rules of :mod:`ango_convert.formats.ango_export`; it
reads nothing itself. Every function raises a bare ``ValueError`` with a reason, which
the reader re-raises as a ``ReadError`` naming the file and the record.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from ango_convert.formats.ango.decode import GEOMETRY_KEYS, OTHER_TOOL_KEYS, AngoDecoder
from ango_convert.formats.ango_export.extras import (
    FLAG_ATTRIBUTES,
    SizeFinder,
    Splitter,
    outside_reason,
    rename_attributes,
)
from ango_convert.io.imagesize import IMAGE_SUFFIXES
from ango_convert.model import ATTR_PAGE, Annotation, Classification, Item, JSONValue

Version = Literal["v2", "v3"]
TaskChoice = Literal["first", "all"]
Frames = Literal["split", "refuse"]

ATTR_ASSET_ID = "ango:assetId"
ATTR_EXTERNAL_ID = "ango:externalId"
ATTR_BATCHES = "ango:batches"
ATTR_STAGE = "ango:stage"
ATTR_TASK_ID = "ango:taskId"
ATTR_TASK_IDS = "ango:taskIds"
VIDEO_SUFFIXES = frozenset({".mp4", ".webm", ".mov", ".avi", ".mkv", ".m4v", ".mpg", ".mpeg"})
FRAME_SUFFIX = ".jpg"
_KNOWN_TOOL_KEYS = frozenset(GEOMETRY_KEYS) | frozenset(OTHER_TOOL_KEYS)
_COMMON_OBJECT_KEYS = frozenset(
    {"schemaId", "objectId", "title", "page", "classifications", "metadata", "lock"}
    | {"interpolationStopped", "color", "tool"}
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Selection:
    """Which answer to take from each asset, and which assets to keep.

    Empty filter tuples keep everything; names compare case-insensitively.
    """

    stage: str | None = None
    task: TaskChoice = "first"
    batch: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    stage_filter: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Answer:
    """One task's answer (or its snapshot at an earlier stage)."""

    task_id: str | None
    stage: str | None
    objects: list[Any]
    classifications: list[Any]
    relations: list[Any]


def _folded(values: Sequence[str]) -> set[str]:
    return {value.strip().casefold() for value in values}


def _matches(wanted: Sequence[str], *candidates: Any) -> bool:
    if not wanted:
        return True
    folded = _folded(wanted)
    return any(isinstance(c, str) and c.strip().casefold() in folded for c in candidates)


def asset_key(record: Mapping[str, Any]) -> str:
    """The asset's name: externalId, else assetId, else the base name of its URL.

    Raises:
        ValueError: None of these is present.
    """
    for key in ("externalId", "assetId"):
        value = record.get(key)
        if isinstance(value, (str, int)) and str(value):
            return str(value)
    url = record.get("asset")
    if isinstance(url, str) and url:
        name = PurePosixPath(unquote(urlsplit(url).path)).name
        if name:
            return name
    raise ValueError("asset has no externalId, assetId or asset URL")


def tasks_of(record: Mapping[str, Any], version: Version) -> list[Mapping[str, Any]]:
    """The record's task(s): ``tasks[]`` for V2, ``[task]`` for V3.

    Raises:
        ValueError: The record is not of that version's shape.
    """
    if not isinstance(record, Mapping):
        raise ValueError(f"expected an asset object, got {type(record).__name__}")
    if version == "v3":
        task = record.get("task")
        if not isinstance(task, Mapping):
            hint = " (this looks like a V2 export: use --from ango-v2)" if "tasks" in record else ""
            raise ValueError(f"asset has no 'task' object{hint}")
        return [task]
    tasks = record.get("tasks")
    if not isinstance(tasks, list):
        hint = " (this looks like a V3 export: use --from ango-v3)" if "task" in record else ""
        raise ValueError(f"asset has no 'tasks' list{hint}")
    for index, task in enumerate(tasks):
        if not isinstance(task, Mapping):
            raise ValueError(f"tasks[{index}] is not an object")
    return tasks


def batch_names(record: Mapping[str, Any]) -> tuple[str, ...]:
    """The asset's batch names; exports may list null among them.

    Raises:
        ValueError: ``batches`` is not a list (possible when validation is off).
    """
    batches = record.get("batches")
    if batches is None:
        return ()
    if not isinstance(batches, list):
        raise ValueError(f"batches must be a list of names, got {type(batches).__name__}")
    return tuple(b for b in batches if isinstance(b, str))


def select(record: Mapping[str, Any], version: Version, choice: Selection) -> list[Answer] | None:
    """The answers to convert for one asset, or None when the filters leave it out.

    Raises:
        ValueError: The record is malformed.
    """
    tasks = tasks_of(record, version)
    if not _matches(choice.batch, *batch_names(record)):
        return None
    if version == "v2" and choice.task == "first":
        tasks = tasks[:1]
    answers = []
    for task in tasks:
        if not _matches(choice.status, record.get("status"), task.get("status")):
            continue
        if not _matches(choice.stage_filter, task.get("stage"), task.get("stageId")):
            continue
        answer = _answer_of(task, version, choice.stage)
        if answer is not None:
            answers.append(answer)
    if not answers and (tasks or choice.status or choice.stage_filter or choice.stage):
        return None
    return answers


def _answer_of(task: Mapping[str, Any], version: Version, stage: str | None) -> Answer | None:
    task_id = task.get("taskId")
    source: Mapping[str, Any] = task
    # The task itself is the answer of the stage it sits in now, newer than any snapshot.
    if stage is not None and not _named(task, stage):
        snapshot = _snapshot(task, stage)
        if snapshot is None:
            return None
        source = snapshot
    objects_key, other = ("tools", "objects") if version == "v3" else ("objects", "tools")
    objects = source.get(objects_key, source.get(other)) or []
    return Answer(
        task_id=str(task_id) if task_id is not None else None,
        stage=_text(source.get("stage") or task.get("stage")),
        objects=_list(objects, objects_key),
        classifications=_list(source.get("classifications") or [], "classifications"),
        relations=_list(source.get("relations") or [], "relations"),
    )


def _named(entry: Mapping[str, Any], stage: str) -> bool:
    return _matches((stage,), entry.get("stage"), entry.get("stageId"))


def _snapshot(task: Mapping[str, Any], stage: str) -> Mapping[str, Any] | None:
    # A task can pass a stage more than once (rejected, then relabelled): the last wins.
    found = None
    for entry in task.get("stageHistory") or ():
        if isinstance(entry, Mapping) and _named(entry, stage):
            found = entry
    return found


def _list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"'{name}' must be a list, got {type(value).__name__}")
    return value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def check_tool_keys(answers: Sequence[Answer]) -> None:
    """Refuse objects that carry no tool key anyone knows (a broken or newer export).

    Raises:
        ValueError: Naming the object and the keys it has.
    """
    for answer in answers:
        for index, obj in enumerate(answer.objects):
            if isinstance(obj, Mapping) and not _KNOWN_TOOL_KEYS.intersection(obj):
                keys = sorted(set(obj) - _COMMON_OBJECT_KEYS) or sorted(obj)
                raise ValueError(
                    f"objects[{index}]: no known tool key (has {', '.join(keys) or 'no keys'}); "
                    "skip such objects with unknown_tools=skip"
                )


def pages_of(answers: Sequence[Answer]) -> list[int]:
    """The distinct pages (frames) the answers' objects sit on."""
    pages = {
        obj["page"]
        for answer in answers
        for obj in answer.objects
        if isinstance(obj, Mapping) and isinstance(obj.get("page"), int)
    }
    return sorted(pages)


def frame_file_name(external_id: str, page: int, page_url: str | None = None) -> str:
    """The file name of a frame or page: ``<stem>_frame<page:06d><ext>``.

    The extension is the page image's own (from its URL in ``dataset``) when it is an
    image, else the asset's when it is an image, else ``.jpg`` (video frames).
    """
    path = PurePosixPath(external_id.replace("\\", "/"))
    suffix = _image_suffix(page_url) or (
        path.suffix if path.suffix.lower() in IMAGE_SUFFIXES else FRAME_SUFFIX
    )
    return str(path.with_name(f"{path.stem}_frame{page:06d}{suffix}"))


def _image_suffix(url: str | None) -> str | None:
    if not url:
        return None
    suffix = PurePosixPath(unquote(urlsplit(url).path)).suffix
    return suffix if suffix.lower() in IMAGE_SUFFIXES else None


# --- items ------------------------------------------------------------------------------


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
) -> Iterator[Item]:
    """Turn one selected asset into its items: one, or one per frame/page.

    Raises:
        ValueError: Malformed objects, or frames when ``frames="refuse"``.
    """
    key = asset_key(record)
    annotations, classifications = _decode(answers, decoder)
    annotations = [_renamed(a, rules.attribute_map) for a in annotations]
    base = _base_attributes(record, key, answers)
    split = rules.splitter.split_of(key, batch_names(record))
    by_page: dict[int | None, list[Annotation]] = {}
    for annotation in annotations:
        page = annotation.attributes.get(ATTR_PAGE)
        by_page.setdefault(page if isinstance(page, int) else None, []).append(annotation)
    paged = sorted(p for p in by_page if p is not None)
    if paged and rules.frames == "refuse":
        raise ValueError(
            f"objects sit on {len(paged)} frame(s)/page(s) (first: page {paged[0]}); "
            "this conversion refuses video and multi-page assets (frames=refuse)"
        )
    if not paged or None in by_page:
        unpaged = by_page.get(None, [])
        if unpaged or rules.keep_empty:
            width, height = sizes.size(record, key, _text(record.get("asset")))
            _check_inside(unpaged, width, height)
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
        frame = _frame_item(record, key, page, by_page[page], classifications, base, sizes)
        yield dataclasses.replace(frame, split=split)


def _frame_item(
    record: Mapping[str, Any],
    key: str,
    page: int,
    annotations: list[Annotation],
    classifications: tuple[Classification, ...],
    base: Mapping[str, JSONValue],
    sizes: SizeFinder,
) -> Item:
    dataset = record.get("dataset")
    page_url = dataset[page] if isinstance(dataset, list) and 0 <= page < len(dataset) else None
    page_url = page_url if isinstance(page_url, str) else None
    name = frame_file_name(key, page, page_url)
    width, height = sizes.size(record, name, page_url or _text(record.get("asset")))
    _check_inside(annotations, width, height)
    return Item(
        id=f"{key}#frame{page}",
        file_name=name,
        width=width,
        height=height,
        annotations=tuple(annotations),
        classifications=classifications,
        attributes={**base, ATTR_PAGE: page},
    )


def _check_inside(annotations: Sequence[Annotation], width: int | None, height: int | None) -> None:
    """Refuse a shape wholly outside its image (once the image's size is known)."""
    if width is None or height is None:
        return
    for annotation in annotations:
        reason = outside_reason(annotation, width, height)
        if reason is not None:
            raise ValueError(reason)


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


def _renamed(annotation: Annotation, names: Mapping[str, str]) -> Annotation:
    if not names and not FLAG_ATTRIBUTES.intersection(annotation.attributes):
        return annotation
    attributes = rename_attributes(annotation.attributes, names)
    return dataclasses.replace(annotation, attributes=attributes)


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
