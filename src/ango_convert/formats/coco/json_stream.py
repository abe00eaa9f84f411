"""Writing one COCO document piece by piece, so memory stays flat however many items.

The document is written member by member: ``info`` and ``licenses`` first, then the
``images`` entries as items arrive, while ``annotations`` entries go to a spool file
beside the output and are copied in once the items are done, then ``categories``. The
bytes are the same as one ``orjson.dumps`` of the whole document would give, compact
or indented by two spaces.

Ids are given in the same single pass (:class:`IdAssigner`).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Sequence
from typing import IO, Any

import orjson

from ango_convert.errors import OutputError

_BATCH = 1024


def _dumps(value: Any, indent: bool) -> bytes:
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2 if indent else 0)
    except TypeError as exc:
        raise OutputError(f"cannot serialise output as JSON: {exc}") from exc


def _nest(text: bytes, depth: int) -> bytes:
    """Indent every line but the first by ``depth`` levels of two spaces."""
    return text.replace(b"\n", b"\n" + b"  " * depth)


class IdAssigner:
    """Hands out unique integer ids in one pass.

    A wanted id is kept when no earlier entry took it; an entry without one (or whose
    id is taken) gets the lowest id above the last one handed out this way that no
    entry has kept. So ids that are all present and distinct are kept as they are,
    and entries without ids are numbered 1, 2, 3...

    Only kept ids are remembered: every number from 1 to the last handed-out one is
    taken by construction, so a dataset without ids costs no memory at all.
    """

    def __init__(self) -> None:
        self._kept: set[int] = set()
        self._last = 0

    def take(self, wanted: int | None) -> int:
        """The id for the next entry, given the id it would like (or None)."""
        if wanted is not None and not 0 < wanted <= self._last and wanted not in self._kept:
            self._kept.add(wanted)
            return wanted
        number = self._last + 1
        while number in self._kept:
            number += 1
        self._last = number
        return number

    def take_all(self, wanted: list[int | None]) -> Sequence[int]:
        """:meth:`take` for each of ``wanted`` in turn (a range when none is wanted and
        none was kept: data without ids, the usual export, costs nothing)."""
        if not self._kept and not any(value is not None for value in wanted):
            first = self._last + 1
            self._last += len(wanted)
            return range(first, self._last + 1)
        return [self.take(value) for value in wanted]


class HeldEntries:
    """Entries kept in memory (a worker's share, before its ids are known)."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def add(self, entry: dict[str, Any]) -> None:
        """Keep one entry."""
        self.entries.append(entry)


class DeferredIds:
    """Stands in for an :class:`IdAssigner` in a worker: records each wanted id and
    hands out its position instead, to be swapped for the real id once the parent has
    assigned them in input order (see :mod:`ango_convert.formats.coco.shards`)."""

    def __init__(self) -> None:
        self.wanted: list[int | None] = []

    def take(self, wanted: int | None) -> int:
        """The placeholder for the next entry's id: its position in :attr:`wanted`."""
        self.wanted.append(wanted)
        return len(self.wanted) - 1


class JsonArray:
    """The elements of a JSON array nested in a document's top-level object, written in
    batches (one ``orjson`` call per batch, not per element)."""

    def __init__(self, stream: IO[bytes], indent: bool) -> None:
        self.stream = stream
        self.indent = indent
        self.count = 0
        self._pending: list[Any] = []

    def add(self, entry: Any) -> None:
        """Queue one element; full batches are written out."""
        self._pending.append(entry)
        if len(self._pending) >= _BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the queued elements."""
        if not self._pending:
            return
        body = _dumps(self._pending, self.indent)[1:-1]  # the elements, without [ ]
        if self.indent:  # "\n  {...},\n  {...}\n" -> one level deeper, no outer newlines
            body = b"    " + _nest(body.strip(b"\n"), 1)[2:]
        if self.indent:
            separator = b",\n" if self.count else b"\n"
        else:
            separator = b"," if self.count else b""
        self.stream.write(separator + body)
        self.count += len(self._pending)
        self._pending.clear()

    def add_fragment(self, fragment: IO[bytes], count: int) -> None:
        """Append ``count`` elements that a fresh JsonArray wrote into ``fragment`` (a
        worker's share), giving the bytes :meth:`add` would have given."""
        if not count:
            return
        self.flush()
        if self.count:
            self.stream.write(b",")  # a fragment starts as a first batch does: no comma
        fragment.seek(0)
        shutil.copyfileobj(fragment, self.stream, 1 << 20)
        self.count += count


class DocumentWriter:
    """A top-level JSON object written one member at a time."""

    def __init__(self, stream: IO[bytes], indent: bool) -> None:
        self.stream = stream
        self.indent = indent
        self._members = 0
        stream.write(b"{\n" if indent else b"{")

    def _key(self, key: str) -> None:
        comma = (b",\n" if self.indent else b",") if self._members else b""
        colon = b": " if self.indent else b":"
        self.stream.write(comma + (b"  " if self.indent else b"") + _dumps(key, False) + colon)
        self._members += 1

    def member(self, key: str, value: Any) -> None:
        """Write ``"key": value``."""
        self._key(key)
        text = _dumps(value, self.indent)
        self.stream.write(_nest(text, 1) if self.indent else text)

    def members(self, values: Iterable[tuple[str, Any]]) -> None:
        """Write several members in order."""
        for key, value in values:
            self.member(key, value)

    def open_array(self, key: str) -> JsonArray:
        """Start the array member ``key``; close it with :meth:`close_array`."""
        self._key(key)
        self.stream.write(b"[")
        return JsonArray(self.stream, self.indent)

    def close_array(self, array: JsonArray) -> None:
        """Finish an array that :meth:`open_array` started."""
        array.flush()
        self.stream.write(b"\n  ]" if self.indent and array.count else b"]")

    def spooled_array(self, key: str, spool: IO[bytes], array: JsonArray) -> None:
        """Write the member ``key`` from elements ``array`` wrote into ``spool``."""
        target = self.open_array(key)
        array.flush()
        if array.count:
            spool.seek(0)
            shutil.copyfileobj(spool, self.stream, 1 << 20)
        target.count = array.count
        self.close_array(target)

    def close(self) -> None:
        """End the object (with the newline every JSON output of the toolkit ends in)."""
        self.stream.write(b"\n}\n" if self.indent else b"}\n")
