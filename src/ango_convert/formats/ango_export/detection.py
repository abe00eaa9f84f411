"""Telling an Ango export (V2 or V3) from other JSON by its first bytes, never the whole file."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ango_convert.formats.ango_export import archive
from ango_convert.formats.ango_export.records import SNIFF_BYTES, bom_encoding

_WHITESPACE = " \t\r\n"


def detect_v3(path: Path) -> bool:
    """A JSON/NDJSON file (or zip of them) whose first asset has a ``"task"`` key."""
    return starts_with_key(path, b'"task"')


def detect_v2(path: Path) -> bool:
    """A JSON/NDJSON file (or zip of them) whose first asset has a ``"tasks"`` key."""
    return starts_with_key(path, b'"tasks"')


def starts_with_key(path: Path, key: bytes) -> bool:
    """True for a JSON/NDJSON file (or zip of them) whose first record shows ``key``.

    Reads the first KB, and 64 KB when the key is not there yet (a multi-image asset's
    URL list can push the task further).
    """
    if not path.is_file() or path.suffix.lower() not in (*archive.DATA_SUFFIXES, ".zip"):
        return False
    head = sniff(path, 1024)
    if not head.startswith((b"[", b"{")):
        return False
    return key in head or key in sniff(path)


def sniff(path: Path, size: int = SNIFF_BYTES) -> bytes:
    """The first bytes of an export's data (of the first data member of a zip), BOM and
    leading whitespace removed, as UTF-8; empty when unreadable."""
    try:
        if zipfile.is_zipfile(path):
            head = archive.first_member_head(path, size)
        else:
            with path.open("rb") as stream:
                head = stream.read(size)
    except (OSError, zipfile.BadZipFile):
        return b""
    encoding, skip = bom_encoding(head)
    text = head[skip:].decode(encoding, errors="ignore")
    return text.lstrip(_WHITESPACE).encode("utf-8")
