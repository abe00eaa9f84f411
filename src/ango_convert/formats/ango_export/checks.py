"""The checks the Ango export reader's first pass makes on each record, before any item.

A record is checked against its schema (``validate``), its answers are selected, and
what would stop the decoding pass anyway is refused now, naming the record: objects of
tools the IR cannot hold (unless ``unknown_tools="skip"``), frames under
``frames="refuse"``, batches naming no split, and broken metadata sizes. Nothing is
decoded here.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence

from ango_convert.errors import Issue, ReadError, SchemaValidationError, shown
from ango_convert.formats.ango.decode import GEOMETRY_KEYS, OTHER_TOOL_KEYS, UnknownTools
from ango_convert.formats.ango_export.frames import refuse_frames
from ango_convert.formats.ango_export.items import ItemRules
from ango_convert.formats.ango_export.records import RawRecord
from ango_convert.formats.ango_export.selection import Answer, asset_key, batch_names, select
from ango_convert.formats.ango_export.sizes import metadata_size

#: The reader's logger (these checks are part of it).
logger = logging.getLogger("ango_convert.formats.ango_export")
#: Issues listed from one invalid record; the rest are counted.
MAX_ISSUES = 20
_GEOMETRY_KEYS = frozenset(GEOMETRY_KEYS)
#: Object keys that name no tool, passed by when naming an object's tool.
_COMMON_OBJECT_KEYS = frozenset(
    {"schemaId", "objectId", "title", "page", "classifications", "metadata", "lock"}
    | {"interpolationStopped", "color", "tool"}
)


def where(raw: RawRecord) -> str:
    """A record's place with its asset name: ``line 3 (externalId 'a.jpg')``."""
    try:
        return f"{raw.place} (externalId {shown(asset_key(raw.value))})"
    except (ValueError, AttributeError):
        return raw.place


def checked(
    raw: RawRecord, rules: ItemRules, unknown_tools: UnknownTools, validate: bool
) -> list[Answer] | None:
    """The answers of a sound record (None when filtered out); errors name the record.

    Raises:
        ReadError: The record does not parse, or breaks a rule (sizes, tools, frames).
        SchemaValidationError: ``validate`` and the record breaks its schema.
    """
    if raw.error is not None:
        raise raw.error
    if validate:
        check_schema(raw, f"ango-export-{rules.version}-record")
    try:
        answers = select(raw.value, rules.version, rules.selection)
        if answers is None:
            return None
        if unknown_tools == "error":
            check_tools(answers)
        if rules.frames == "refuse":
            refuse_frames(answers)
        rules.splitter.split_of(asset_key(raw.value), batch_names(raw.value))
        metadata_size(raw.value)
    except ValueError as exc:
        raise ReadError(raw.source, where(raw), str(exc)) from None
    return answers


def check_tools(answers: Sequence[Answer]) -> None:
    """Refuse objects the decoder cannot convert: those without a geometry (a tool such
    as NER or brush, or a key no tool has, from a broken or newer export).

    Raises:
        ValueError: Naming the object and its tool.
    """
    for answer in answers:
        for index, obj in enumerate(answer.objects):
            if isinstance(obj, Mapping) and _GEOMETRY_KEYS.isdisjoint(obj):
                raise ValueError(
                    f"objects[{index}]: tool {_tool_name(obj)!r} has no COCO/VOC/YOLO "
                    "counterpart (skip such objects with unknown_tools=skip)"
                )


def _tool_name(obj: Mapping[str, object]) -> str:
    known = next((key for key in OTHER_TOOL_KEYS if key in obj), None)
    if known is not None:
        return known
    return next((str(key) for key in obj if key not in _COMMON_OBJECT_KEYS), "no tool key")


def check_schema(raw: RawRecord, schema: str) -> None:
    """Check one record against its schema (``ango-export-v3-record``...).

    Raises:
        SchemaValidationError: Naming the record and up to :data:`MAX_ISSUES` problems.
    """
    from ango_convert import validation

    prefix = f"$[{raw.index}]"
    issues = validation.definition_issues(
        raw.value, schema.removesuffix("-record"), "record", prefix
    )
    if issues:
        more = len(issues) - MAX_ISSUES
        listed: list[Issue] = issues[:MAX_ISSUES]
        if more > 0:
            listed.append(Issue(prefix, f"and {more} more"))
        raise SchemaValidationError(f"{raw.source}: {where(raw)}", schema, listed)


def schema_note(raw: RawRecord, error: SchemaValidationError) -> ReadError:
    """A schema failure as a skip note: the record, its first problem and the count."""
    first = error.issues[0] if error.issues else "invalid"
    more = f" (and {len(error.issues) - 1} more)" if len(error.issues) > 1 else ""
    return ReadError(raw.source, where(raw), f"breaks schema {error.schema}: {first}{more}")


def log_left_out(counts: Counter[str], rules: ItemRules) -> None:
    """Log how many assets the filters and the stage choice left out."""
    if counts["filtered"]:
        logger.info(
            "%d of %d asset(s) left out by the filters", counts["filtered"], counts["records"]
        )
    if counts["no snapshot"]:
        logger.warning(
            "%d of %d asset(s) never reached stage %r (no stageHistory entry) and are left out",
            counts["no snapshot"],
            counts["records"],
            rules.selection.stage,
        )
