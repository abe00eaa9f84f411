"""Brush mask PNGs of a label payload, uploaded to Hub through the upload-URL flow.

A label whose ``brushDataUrl`` is not an http(s) URL names a PNG the ``ango`` writer
painted (see :mod:`ango_convert.formats.ango.brushes`), relative to the payload's folder.
Before the labels are sent, each such PNG is uploaded as the official SDK's
``upload_brush_array`` does: ``GET /v2/getUploadUrl?name=<name>&project=<id>&type=brushes``
with the API key answers ``{"data": {"uploadUrl": <signed URL>}}``; the bytes go there in
a ``PUT`` **without** the key (the signed URL is a storage bucket, not Hub), and the label
then carries the signed URL without its query, as the SDK returns it.

Names are the PNG's content hash (``<sha256[:32]>.png``), so a rerun after a kill puts
the same object again instead of a new one. Only PNG files inside the payload's folder
are read: a payload naming ``/etc/passwd`` or ``../x`` is refused, not uploaded.
"""

from __future__ import annotations

import hashlib
from collections.abc import MutableMapping, Sequence
from pathlib import Path
from typing import Any

import requests

from ango_convert.errors import HubConnectionError, HubError, ReadError
from ango_convert.hub.client import AngoClient, redact_url
from ango_convert.hub.retry import retryable_exception, retryable_status

UPLOAD_URL_PATH = "/v2/getUploadUrl"
BRUSH_TYPE = "brushes"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Largest brush PNG sent.
MAX_PNG_BYTES = 256 << 20


def local_brushes(records: Sequence[MutableMapping[str, Any]]) -> list[int]:
    """Indices of the records whose ``brushDataUrl`` is a local file, not a URL."""
    found = []
    for index, record in enumerate(records):
        value = record.get("brushDataUrl")
        if isinstance(value, str) and value and not value.startswith(("http://", "https://")):
            found.append(index)
    return found


def brush_file(base: Path, value: str, source: str, index: int) -> Path:
    """The PNG a local ``brushDataUrl`` names, checked to be a PNG inside ``base``.

    Raises:
        ReadError: The path leaves ``base``, is missing, too large or not a PNG.
    """
    where = f"$[{index}].brushDataUrl"
    root = base.resolve()
    path = (root / value).resolve()
    if not path.is_relative_to(root):
        raise ReadError(source, where, f"{value!r} is outside the payload's folder {base}")
    if not path.is_file():
        raise ReadError(source, where, f"brush mask {value!r} not found under {base}")
    if path.stat().st_size > MAX_PNG_BYTES:
        raise ReadError(source, where, f"brush mask {value!r} is larger than {MAX_PNG_BYTES}")
    with path.open("rb") as stream:
        if stream.read(len(PNG_SIGNATURE)) != PNG_SIGNATURE:
            raise ReadError(source, where, f"brush mask {value!r} is not a PNG file")
    return path


def upload_brushes(
    client: AngoClient,
    project: str,
    records: Sequence[MutableMapping[str, Any]],
    base: Path,
    source: str,
) -> int:
    """Upload every local brush PNG and point its label's ``brushDataUrl`` at it.

    Args:
        client: The Hub client (its key goes only to ``/v2/getUploadUrl``).
        project: The project id.
        records: The payload's label records; changed in place.
        base: The payload's folder, which local ``brushDataUrl`` values are relative to.
        source: The payload's name, for messages.

    Returns:
        How many PNGs were uploaded.

    Raises:
        ReadError: A local ``brushDataUrl`` that is not a PNG inside ``base``.
        HubError: Hub or the storage refused.
        HubConnectionError: No answer after every retry.
    """
    todo = [
        (i, brush_file(base, records[i]["brushDataUrl"], source, i)) for i in local_brushes(records)
    ]
    for index, path in todo:
        data = path.read_bytes()
        name = hashlib.sha256(data).hexdigest()[:32] + ".png"
        answer = client.get(UPLOAD_URL_PATH, {"name": name, "project": project, "type": BRUSH_TYPE})
        signed = answer.get("uploadUrl")
        if not isinstance(signed, str) or not signed.startswith(("http://", "https://")):
            raise HubError(f"{UPLOAD_URL_PATH} gave no uploadUrl for brush mask {name}")
        put_signed(client, signed, data)
        records[index]["brushDataUrl"] = signed.split("?", 1)[0]
    return len(todo)


def put_signed(client: AngoClient, url: str, data: bytes) -> None:
    """PUT ``data`` to a signed storage URL, with the client's retries and no API key.

    Raises:
        HubError: The storage answered with an error status.
        HubConnectionError: No answer after every retry.
    """
    shown = redact_url(url)
    tries = max(1, client.retry.attempts)
    for number in range(tries):
        last = number + 1 == tries
        try:
            # No session, no headers: nothing of the Hub client's (the key) goes along.
            response = requests.put(url, data=data, timeout=client.timeout)
        except requests.RequestException as exc:
            if last or not retryable_exception(exc):
                raise HubConnectionError(f"PUT {shown}: no answer ({type(exc).__name__})") from None
            client.retry.pause(client.retry.backoff(number))
            continue
        with response:
            status = response.status_code
            if status < 300:
                return
            if last or not retryable_status(status):
                text = " ".join(response.text.split())[:200]
                raise HubError(f"PUT {shown} failed: HTTP {status} {text}", status)
        client.retry.pause(client.retry.delay(number, None))
    raise AssertionError("unreachable: the last try returns or raises")
