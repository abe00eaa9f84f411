"""Which answer of an Ango export asset to convert, and which assets to keep.

An asset holds one task (V3 ``task``) or several (V2 ``tasks[]``); each task is the
current answer and, in ``stageHistory``, snapshots of earlier stages. The filters
(batches, statuses, stages) and the stage choice decide what is taken. Functions raise a
bare ``ValueError`` with a reason; the reader adds the file and the record.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

Version = Literal["v2", "v3"]
TaskChoice = Literal["first", "all"]


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
    #: The brush mask PNG (``brushDataUrl``) and NRRD medical mask of this answer.
    brush_url: str | None = None
    medical_brush_url: str | None = None


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


def _tasks_of(record: Mapping[str, Any], version: Version) -> list[Mapping[str, Any]]:
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
    tasks = _tasks_of(record, version)
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
        stage=text_or_none(source.get("stage") or task.get("stage")),
        objects=_list(objects, objects_key),
        classifications=_list(source.get("classifications") or [], "classifications"),
        relations=_list(source.get("relations") or [], "relations"),
        brush_url=text_or_none(source.get("brushDataUrl")),
        medical_brush_url=text_or_none(source.get("medicalBrushDataUrl")),
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


def text_or_none(value: Any) -> str | None:
    """A non-empty string, else None (exports carry nulls and empty strings alike)."""
    return value if isinstance(value, str) and value else None


def why_left_out(record: Mapping[str, Any], version: Version, choice: Selection) -> str:
    """Why :func:`select` left an asset out: ``filtered`` (batch, status, stage filters)
    or ``no snapshot`` (the task never reached ``choice.stage``)."""
    if choice.stage is None:
        return "filtered"
    without_stage = dataclasses.replace(choice, stage=None)
    return "filtered" if select(record, version, without_stage) is None else "no snapshot"
