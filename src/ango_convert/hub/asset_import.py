"""Creating assets from URLs: ``POST /v2/project/{id}/cloud``, as the SDK's
``upload_files_cloud`` sends it.

Body: ``{"assets": [{"data": URL, "externalId", "metadata": {"width", "height"},
"batches"}], "uploadLocal": null, "priority": 0}``; batch ids given for the whole run go
in the query as ``?batches=["id", ...]`` (``json.dumps`` of the list, as the SDK writes
it). The seed's API page does not document asset creation, so both wires send this body.

Input rows come from CSV (header: ``data`` or ``url``, optional ``externalId``,
``width``, ``height``, ``batches`` separated by ``;``) or JSON (a list of such objects,
or ``{"assets": [...]}`` with ``metadata`` objects). Batching, retries and the resume
journal are the upload's (:mod:`ango_convert.hub.upload`, :mod:`ango_convert.hub.journal`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ango_convert.errors import ReadError
from ango_convert.io.inputs import json_path, parse_json, read_bytes

Asset = dict[str, Any]
_URL_KEYS = ("data", "url")


def cloud_path(project: str, batches: Sequence[str] = ()) -> str:
    """The endpoint, with the run's batch ids in the query as the SDK puts them."""
    path = f"/v2/project/{project}/cloud"
    return path + (f"?batches={json.dumps(list(batches))}" if batches else "")


def cloud_body(
    assets: Sequence[Asset], *, priority: int = 0, upload_local: str | None = None
) -> dict[str, Any]:
    """The request body for a batch of assets, key for key the SDK's."""
    return {"assets": list(assets), "uploadLocal": upload_local, "priority": priority}


def make_asset(
    url: str,
    external_id: str | None = None,
    width: int | None = None,
    height: int | None = None,
    batches: Sequence[str] = (),
) -> Asset:
    """One asset entry; metadata only when both sizes are known."""
    asset: Asset = {"data": url}
    if external_id:
        asset["externalId"] = external_id
    if width is not None and height is not None:
        asset["metadata"] = {"width": width, "height": height}
    if batches:
        asset["batches"] = list(batches)
    return asset


def is_asset_list(document: Any) -> bool:
    """Whether parsed JSON is an asset list (rather than a dataset to convert)."""
    if isinstance(document, Mapping):
        document = document.get("assets")
    if not isinstance(document, list) or not document:
        return False
    first = document[0]
    return isinstance(first, Mapping) and any(key in first for key in _URL_KEYS)


def load_asset_list(path: str | Path) -> list[Asset]:
    """Read assets from CSV or JSON.

    Raises:
        ReadError: A malformed row, with its line or JSON path.
    """
    data = read_bytes(path)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return from_json(parse_json(data, path), str(path))
    return from_csv(data, str(path))


def from_json(document: Any, source: str) -> list[Asset]:
    """Assets from a parsed list (or ``{"assets": [...]}``)."""
    where: tuple[str, ...] = ()
    if isinstance(document, Mapping):
        document, where = document.get("assets"), ("assets",)
    if not isinstance(document, list):
        raise ReadError(source, json_path(*where), "expected a list of assets")
    assets = []
    for index, entry in enumerate(document):
        place = json_path(*where, index)
        if not isinstance(entry, Mapping):
            raise ReadError(source, place, "expected an asset object")
        metadata = entry.get("metadata") or {}
        if not isinstance(metadata, Mapping):
            raise ReadError(source, place + ".metadata", "expected an object")
        raw = {
            "url": entry.get("data", entry.get("url")),
            "externalId": entry.get("externalId"),
            "width": entry.get("width", metadata.get("width")),
            "height": entry.get("height", metadata.get("height")),
            "batches": entry.get("batches") or [],
        }
        asset = check_asset(raw, source, place)
        extra = {k: v for k, v in entry.items() if k in ("contextData", "attachments")}
        assets.append({**asset, **extra})
    return assets


def from_csv(data: bytes, source: str) -> list[Asset]:
    """Assets from CSV bytes with a header row."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReadError(source, None, f"not UTF-8 text: {exc.reason}") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = {name.strip(): name for name in reader.fieldnames or [] if name}
    url_column = next((header[k] for k in _URL_KEYS if k in header), None)
    if url_column is None:
        raise ReadError(source, "line 1", "the header needs a data (or url) column")
    assets = []
    for row in reader:
        if not any((value or "").strip() for value in row.values()):
            continue

        def cell(name: str, row: Mapping[str, str | None] = row) -> str:
            return (row.get(header.get(name, "")) or "").strip()

        raw = {
            "url": (row.get(url_column) or "").strip(),
            "externalId": cell("externalId") or None,
            "width": cell("width") or None,
            "height": cell("height") or None,
            "batches": [b.strip() for b in cell("batches").split(";") if b.strip()],
        }
        assets.append(check_asset(raw, source, f"line {reader.line_num}"))
    if not assets:
        raise ReadError(source, None, "no assets in the CSV")
    return assets


def check_asset(raw: Mapping[str, Any], source: str, where: str) -> Asset:
    """Check one row (url, externalId, width, height, batches) and build its asset.

    Raises:
        ReadError: No http(s) URL, a size that is not a positive integer, or only one
            of width and height.
    """
    url = raw.get("url")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        shown = url[:60] if isinstance(url, str) else url
        raise ReadError(source, where, f"an asset needs an http(s) URL in data (got {shown!r})")
    external = raw.get("externalId")
    if external is not None and (not isinstance(external, str) or not external):
        raise ReadError(source, where, "externalId must be a non-empty string")
    sizes = [_size(raw.get(name), name, source, where) for name in ("width", "height")]
    if (sizes[0] is None) != (sizes[1] is None):
        raise ReadError(source, where, "give both width and height, or neither")
    batches = raw.get("batches") or []
    if not isinstance(batches, list) or not all(isinstance(b, str) and b for b in batches):
        raise ReadError(source, where, "batches must be a list of batch ids")
    return make_asset(url, external, sizes[0], sizes[1], batches)


def _size(value: Any, name: str, source: str, where: str) -> int | None:
    if value is None:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if isinstance(value, bool) or number <= 0 or str(number) != str(value).strip():
        raise ReadError(source, where, f"{name} must be a positive integer (got {value!r})")
    return number
