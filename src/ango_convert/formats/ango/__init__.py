"""Ango Hub label-import payloads, in two shapes.

``ango`` (the default) is the seed's request body for ``POST /v2/import/labels``::

    {"project": "<id>", "labels": [{"externalId": "a.jpg",
        "answer": {"objects": [...], "classifications": [...], "relations": [...]}}]}

``ango-flat`` is the flat "Ango Import Format" of the UI import and the SDK's
``jsonContent``: a list of ``{"externalId", "objects", "classifications", "relations"}``.

Both readers accept any of the three bodies (seed, flat, SDK ``{project, jsonContent}``).
Payloads carry no image sizes and no category ids: give ``reference`` (a COCO file of the
same images) or ``images_dir`` to get them back.
"""

from __future__ import annotations

from pathlib import Path

from ango_convert.formats.ango import read, write
from ango_convert.model import ANNOTATION_KINDS
from ango_convert.registry import FormatSpec

__all__ = ["FORMAT", "FORMAT_FLAT", "detect", "detect_flat"]


def detect(path: Path) -> bool:
    """A JSON file whose start looks like a label-import body (seed or SDK shape)."""
    head = _head(path)
    return head.startswith(b"{") and (b'"labels"' in head or b'"jsonContent"' in head)


def detect_flat(path: Path) -> bool:
    """A JSON array whose first record has ``objects`` and no export ``task``."""
    head = _head(path)
    return (
        head.startswith(b"[")
        and b'"objects"' in head
        and b'"task"' not in head
        and b'"tasks"' not in head
    )


def _head(path: Path, size: int = 65536) -> bytes:
    if not path.is_file() or path.suffix.lower() != ".json":
        return b""
    try:
        with path.open("rb") as stream:
            return stream.read(size).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:  # unreadable: not claimed; reading it names the reason
        return b""


_KINDS = frozenset(ANNOTATION_KINDS)

FORMAT = FormatSpec(
    name="ango",
    summary="Ango Hub label-import body {project, labels: [{externalId, answer}]} (seed shape)",
    read=read.read,
    write=write.write,
    detect=detect,
    writes_kinds=_KINDS,
)

FORMAT_FLAT = FormatSpec(
    name="ango-flat",
    summary="Flat Ango Import Format [{externalId, objects, classifications, relations}]",
    read=read.read,
    write=write.write_flat,
    detect=detect_flat,
    writes_kinds=_KINDS,
)
