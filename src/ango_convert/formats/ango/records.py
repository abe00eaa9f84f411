"""The records of an Ango label-import payload, checked and numbered, for the reader.

Every payload shape (seed ``{project, labels}``, SDK ``{project, jsonContent}``, flat list)
becomes a list of ``(index, record)`` with ``key`` (the externalId) and the answer's
``objects``/``classifications``/``relations`` at the top. With collect-and-continue
(``notes`` given) a record that breaks the schema or is a duplicate is noted and left out.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ango_convert.errors import ReadError, SchemaValidationError, shown
from ango_convert.io.inputs import json_path
from ango_convert.model import JSONValue

Record = tuple[int, dict[str, Any]]
_SHAPES = ("ango-import", "ango-import-flat", "ango-import-sdk")
#: The record a schema issue is about: ``$[3]...``, ``$.labels[3]...``, ``$.jsonContent[3]...``.
_RECORD_PATH = re.compile(r"^\$(?:\.labels|\.jsonContent)?\[(\d+)\]")
_LIST_KEYS = ("objects", "classifications", "relations")


def payload_records(
    document: Any, source: Path, validate: bool, notes: list[dict[str, JSONValue]] | None
) -> list[Record]:
    """The payload's label records, numbered as in the file.

    Raises:
        ReadError: Not a label-import payload, or (strict) a record of the wrong shape.
        SchemaValidationError: (strict, ``validate``) the payload breaks its schema.
    """
    from ango_convert import validation

    schema = validation.detect_schema(document)
    if schema not in _SHAPES:
        raise ReadError(
            source,
            "$",
            "not an Ango label-import payload (expected {project, labels}, "
            "{project, jsonContent} or a list of label records)",
        )
    bad = _invalid_records(document, schema, source, notes) if validate else set()
    table = {"ango-import": "labels", "ango-import-sdk": "jsonContent"}.get(schema)
    raw = document[table] if table else document
    records = []
    for index, label in enumerate(raw):
        if index in bad:
            continue
        try:
            records.append((index, _record(label, schema == "ango-import", table, index)))
        except ValueError as exc:
            _fail_or_note(ReadError(source, *exc.args), notes)
    return records


def _invalid_records(
    document: Any, schema: str, source: Path, notes: list[dict[str, JSONValue]] | None
) -> set[int]:
    """Validate; with ``notes``, return the records named by the issues instead of raising."""
    from ango_convert import validation

    try:
        validation.validate(document, schema, source=str(source))
    except SchemaValidationError as exc:
        if notes is None:
            raise
        found = [(_RECORD_PATH.match(issue.json_path), issue) for issue in exc.issues]
        if any(match is None for match, _ in found):
            raise  # a problem outside the records: nothing sound to keep
        for _, issue in found:
            notes.append(ReadError(source, issue.json_path, issue.message).note())
        return {int(match.group(1)) for match, _ in found if match}
    return set()


def _record(label: Any, seed: bool, table: str | None, index: int) -> dict[str, Any]:
    """One record with its answer lifted up; ValueError(place, reason) if ill-shaped."""
    where = json_path(*([table] if table else []), index)
    if not isinstance(label, dict):
        raise ValueError(where, "expected a label record (an object)")
    answer = label.get("answer") if seed else label
    if answer is not None and not isinstance(answer, dict):
        raise ValueError(f"{where}.answer", "expected an object")
    record = {"key": key_of(label), "status": label.get("status")} if seed else {}
    record.update(answer or {})
    record["key"] = key_of(label)
    for name in _LIST_KEYS:
        if record.get(name) is not None and not isinstance(record[name], list):
            raise ValueError(f"{where}.{name}", "expected an array")
    return record


def key_of(record: dict[str, Any]) -> str:
    """The externalId a record labels (else its assetId or data URL)."""
    return str(record.get("externalId") or record.get("assetId") or record.get("data"))


def refuse_duplicates(
    records: list[Record], source: Path, notes: list[dict[str, JSONValue]] | None
) -> list[Record]:
    """The records minus later ones for an externalId already seen (strict: an error).

    Item ids must be unique; a second record for one asset would be ambiguous.
    """
    first: dict[str, int] = {}
    kept = []
    for index, record in records:
        key = record["key"]
        if key in first:
            where = f"record {index} (externalId {shown(key)})"
            error = ReadError(source, where, f"duplicate externalId (also record {first[key]})")
            _fail_or_note(error, notes)
            continue
        first[key] = index
        kept.append((index, record))
    return kept


def _fail_or_note(error: ReadError, notes: list[dict[str, JSONValue]] | None) -> None:
    if notes is None:
        raise error
    notes.append(error.note())
