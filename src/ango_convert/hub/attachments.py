"""Attachments for ``POST /v2/attachments``: read JSON or CSV, check, and shape the body.

Accepted input:

* the seed body ``{"project", "attachments": [{"externalId"|"assetId"|"data",
  "attachmentUrl", "attachmentType"}]}``, or just its list;
* the SDK body ``{"attachments": [{"externalId"|"assetId"|"data", "attachments": [{"type",
  "value"}]}]}``, or just its list;
* CSV with a header row: ``externalId``, ``assetId`` or ``data``, ``url``, ``type``
  (``attachmentUrl`` and ``attachmentType`` are accepted as column names too).

An asset is named by exactly one key, and that key travels as itself on both wires: an
externalId as ``externalId``, an asset id as ``assetId``, the asset's URL as ``data`` (how
the SDK's documentation keys an asset). Everything becomes seed items. The seed wire
(default) sends them as they are; the SDK wire groups them per asset as ``{key,
"attachments": [{"type", "value"}]}`` with upper-case types, the SDK's spelling (IMAGE,
VIDEO, TEXT).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from ango_convert.errors import ReadError
from ango_convert.io.inputs import json_path, parse_json, read_bytes

ATTACHMENTS_PATH = "/v2/attachments"
ID_KEYS = ("externalId", "assetId", "data")
_URL_COLUMNS = ("url", "attachmentUrl")
_TYPE_COLUMNS = ("type", "attachmentType")
_TEXT_TYPES = {"text"}

Item = dict[str, str]


def load_attachments(path: str | Path) -> tuple[list[Item], str | None]:
    """Read attachments from a JSON or CSV file as seed items.

    Returns:
        The items and the project id the file named, if any.

    Raises:
        ReadError: A malformed file or item, with its line or JSON path.
    """
    data = read_bytes(path)
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        return from_json(parse_json(data, path), str(path))
    return from_csv(data, str(path)), None


def from_json(document: Any, source: str) -> tuple[list[Item], str | None]:
    """Seed items from a parsed seed or SDK attachments document (or a bare list)."""
    project = None
    entries = document
    where: tuple[str, ...] = ()
    if isinstance(document, dict):
        project = document.get("project")
        if project is not None and not isinstance(project, str):
            raise ReadError(source, "$.project", "expected the project id as a string")
        entries, where = document.get("attachments"), ("attachments",)
    if not isinstance(entries, list):
        raise ReadError(source, json_path(*where), "expected a list of attachments")
    items: list[Item] = []
    for index, entry in enumerate(entries):
        place: tuple[str | int, ...] = (*where, index)
        if isinstance(entry, dict) and "attachments" in entry:
            items.extend(_from_sdk_entry(entry, source, place))
        else:
            items.append(check_item(entry, source, json_path(*place)))
    return items, project


def _from_sdk_entry(
    entry: Mapping[str, Any], source: str, place: tuple[str | int, ...]
) -> list[Item]:
    inner = entry["attachments"]
    if not isinstance(inner, list):
        raise ReadError(source, json_path(*place, "attachments"), "expected a list")
    asset = {key: entry[key] for key in ID_KEYS if key in entry}
    items = []
    for index, attachment in enumerate(inner):
        where = json_path(*place, "attachments", index)
        if not isinstance(attachment, dict):
            raise ReadError(source, where, "expected {type, value}")
        raw = {
            **asset,
            "attachmentUrl": attachment.get("value"),
            "attachmentType": attachment.get("type"),
        }
        item = check_item(raw, source, where)
        item["attachmentType"] = item["attachmentType"].lower()
        items.append(item)
    return items


def from_csv(data: bytes, source: str) -> list[Item]:
    """Seed items from CSV bytes with a header row."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReadError(source, None, f"not UTF-8 text: {exc.reason}") from None
    # csv's default cap (131,072 characters a field) would refuse a long signed URL; a
    # field can be no longer than the text, which is already in memory.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    items = []
    try:
        columns = _columns(reader.fieldnames or [], source)
        for row in reader:
            line = f"line {reader.line_num}"
            if not any((value or "").strip() for value in row.values()):
                continue  # blank lines are common at the end of hand-edited CSV
            raw = {target: (row.get(name) or "").strip() for target, name in columns.items()}
            items.append(check_item({k: v for k, v in raw.items() if v}, source, line))
    except csv.Error as exc:
        raise ReadError(source, f"line {reader.line_num}", f"invalid CSV: {exc}") from None
    if not items:
        raise ReadError(source, None, "no attachments in the CSV")
    return items


def _columns(header: Sequence[str], source: str) -> dict[str, str]:
    names = {name.strip(): name for name in header if name}
    columns = {key: names[key] for key in ID_KEYS if key in names}
    if not columns:
        raise ReadError(source, "line 1", "the header needs an externalId, assetId or data column")
    for target, choices in (("attachmentUrl", _URL_COLUMNS), ("attachmentType", _TYPE_COLUMNS)):
        found = next((names[c] for c in choices if c in names), None)
        if found is None:
            raise ReadError(source, "line 1", f"the header needs a {choices[0]} column")
        columns[target] = found
    return columns


def check_item(entry: Any, source: str, where: str) -> Item:
    """Check one seed item and return it with only the fields the seed names.

    Raises:
        ReadError: Not exactly one asset key, or a missing or malformed URL or type.
    """
    if not isinstance(entry, dict):
        raise ReadError(source, where, "expected an attachment object")
    ids = [key for key in ID_KEYS if isinstance(entry.get(key), str) and entry[key].strip()]
    if len(ids) != 1:
        raise ReadError(
            source, where, "an attachment needs exactly one of externalId, assetId or data"
        )
    url, kind = entry.get("attachmentUrl"), entry.get("attachmentType")
    if not isinstance(kind, str) or not kind.strip():
        raise ReadError(source, where, "an attachment needs a type")
    if not isinstance(url, str) or not url.strip():
        raise ReadError(source, where, "an attachment needs a url")
    if kind.strip().lower() not in _TEXT_TYPES and not url.startswith(("https://", "http://")):
        raise ReadError(source, where, f"the url must start with https:// (got {url[:60]!r})")
    return {ids[0]: entry[ids[0]], "attachmentUrl": url, "attachmentType": kind.strip()}


def attachments_body(
    project: str, items: Sequence[Item], wire: Literal["seed", "sdk"]
) -> dict[str, Any]:
    """The request body for seed items on the chosen wire."""
    if wire == "seed":
        return {"project": project, "attachments": list(items)}
    grouped: dict[tuple[str, str], list[dict[str, str]]] = {}
    for item in items:
        key = next((k, item[k]) for k in ID_KEYS if k in item)
        value = {"type": item["attachmentType"].upper(), "value": item["attachmentUrl"]}
        grouped.setdefault(key, []).append(value)
    entries = [{name: value, "attachments": values} for (name, value), values in grouped.items()]
    return {"project": project, "attachments": entries}
