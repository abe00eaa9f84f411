"""The upload journal: an append-only JSON-lines record of what Ango Hub confirmed.

The first line is a header naming the kind of upload, the host and the project; a journal
from another project or host is refused rather than silently mixed. Every later line is
one confirmed batch: its index, a digest of its content and the keys of its records. A
line is written and ``fsync``-ed only after the server answered 200 for that batch, so
after a crash, kill or Ctrl-C the journal holds every batch the client saw confirmed.

Records are keyed by content (a digest of the record plus its occurrence number, so two
identical records stay two), not by batch position: a rerun with another batch size
still skips exactly the records already confirmed.

A line cut short by a kill mid-write can only be the last one; it is ignored with a
warning, which means that batch is sent again.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson

from ango_convert.errors import OutputError, ReadError

logger = logging.getLogger(__name__)

VERSION = 1
_HEADER_KEYS = ("kind", "host", "project")


def record_keys(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """A stable key per record: a digest of its canonical JSON and its occurrence number."""
    seen: Counter[bytes] = Counter()
    keys = []
    for record in records:
        digest = hashlib.sha256(orjson.dumps(record, option=orjson.OPT_SORT_KEYS)).digest()
        seen[digest] += 1
        keys.append(hashlib.sha256(digest + str(seen[digest]).encode()).hexdigest()[:24])
    return keys


def batch_key(index: int, keys: Sequence[str]) -> str:
    """A digest of a batch: its position and its records' keys."""
    text = f"{index}:" + ",".join(keys)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class Journal:
    """What the server confirmed for one upload, kept on disk.

    Use :meth:`open`; then :attr:`confirmed` holds the confirmed record keys and
    :meth:`confirm` appends a batch.
    """

    def __init__(self, path: Path, header: Mapping[str, str], confirmed: set[str]) -> None:
        self.path = path
        self.header = dict(header)
        self.confirmed = confirmed

    @classmethod
    def open(cls, path: str | Path, *, kind: str, host: str, project: str) -> Journal:
        """Read an existing journal, or start a new one.

        Raises:
            ReadError: The journal is damaged or belongs to another upload.
            OutputError: It cannot be created.
        """
        path = Path(path)
        header = {"kind": kind, "host": host, "project": project}
        if path.exists():
            return cls(path, header, _read(path, header))
        _append(path, {"ango_convert_journal": VERSION, **header, "created": _now()}, new=True)
        return cls(path, header, set())

    def confirm(self, index: int, keys: Sequence[str], labelled: int | None = None) -> None:
        """Record a batch the server confirmed; durable when this returns.

        Only what resuming needs is stored, never the server's answer: a Hub or proxy
        that echoes the request would otherwise put the API key on disk. ``labelled`` is
        the count parsed from Hub's answer, kept so a rerun can report the outcome of
        batches it does not send again.
        """
        line: dict[str, object] = {
            "batch": index,
            "key": batch_key(index, keys),
            "count": len(keys),
            "records": list(keys),
            "at": _now(),
        }
        if labelled is not None:
            line["labelled"] = labelled
        _append(self.path, line)
        self.confirmed.update(keys)


def _read(path: Path, header: Mapping[str, str]) -> set[str]:
    try:
        lines = path.read_bytes().splitlines()
    except OSError as exc:
        raise ReadError(path, None, f"cannot read the journal: {exc.strerror or exc}") from exc
    if not lines:
        raise ReadError(path, None, "the journal is empty; delete it or pass another --journal")
    _check_header(path, _parse(path, lines[0], 1, last=False), header)
    confirmed: set[str] = set()
    for number, raw in enumerate(lines[1:], start=2):
        entry = _parse(path, raw, number, last=number == len(lines))
        if entry is None:
            continue
        records = entry.get("records")
        if not isinstance(records, list) or not all(isinstance(k, str) for k in records):
            raise ReadError(path, f"line {number}", "a batch line without its record keys")
        confirmed.update(records)
    return confirmed


def _parse(path: Path, raw: bytes, number: int, *, last: bool) -> dict[str, Any] | None:
    try:
        entry = orjson.loads(raw)
    except orjson.JSONDecodeError:
        entry = None
    if isinstance(entry, dict):
        return entry
    if last and number > 1:
        # A kill during the write leaves a torn last line; that batch is sent again.
        logger.warning("%s: line %d is incomplete and was ignored", path, number)
        return None
    raise ReadError(path, f"line {number}", "not a journal line (JSON object expected)")


def _check_header(path: Path, found: Mapping[str, Any] | None, header: Mapping[str, str]) -> None:
    if found is None or found.get("ango_convert_journal") != VERSION:
        raise ReadError(path, "line 1", "not an ango-convert upload journal")
    for key in _HEADER_KEYS:
        if found.get(key) != header[key]:
            raise ReadError(
                path,
                "line 1",
                f"this journal is for {key} {found.get(key)!r}, not {header[key]!r}; "
                "pass another --journal",
            )


def _append(path: Path, entry: Mapping[str, Any], *, new: bool = False) -> None:
    data = orjson.dumps(entry, option=orjson.OPT_APPEND_NEWLINE)
    try:
        with path.open("xb" if new else "ab") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if new:
            _fsync_dir(path.parent)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the journal: {exc.strerror or exc}") from exc


def _fsync_dir(folder: Path) -> None:
    # Makes the new file's name durable too; not possible on every platform.
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
