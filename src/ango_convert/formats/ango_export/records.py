"""Record-by-record reading of Ango exports: JSON arrays, NDJSON and zips of either.

Memory stays flat however large the export: NDJSON is read line by line, and a JSON
array is cut into its elements by :class:`~.json_array.ArraySplitter`, never holding
more than one record plus one chunk.

Encodings: UTF-8 with or without a BOM, and UTF-16 with a BOM. The shape (array,
NDJSON, a single JSON object) is told from the content, not from the file name. A zip
is read member by member (see :mod:`.archive`), so a ``split`` export of several files
reads as one stream.

Each record comes with its place: ``line N`` for NDJSON, ``$[i] (line N)`` for an array
element, prefixed by the zip member when there is one.

Broken input: a JSON array that breaks stops the read (its next element cannot be
found). An NDJSON line that breaks stops the read too, unless the caller asks for
``tolerant`` reading: then it comes out as a record whose ``error`` is set, so an
``on_error="skip"`` reader can note it and go on with the next line.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from ango_convert.errors import ReadError
from ango_convert.formats.ango_export import archive
from ango_convert.formats.ango_export.json_array import ArraySplitter
from ango_convert.formats.ango_export.limits import Limits, record_too_long

#: Bytes looked at to tell the encoding and the shape.
SNIFF_BYTES = 65536
_WHITESPACE = " \t\r\n"


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One asset record as parsed, with where it came from.

    Attributes:
        source: The file (``export.zip!part-1.json`` for a zip member).
        place: ``line N`` or ``$[i] (line N)``.
        index: 0-based position in the whole stream (all members together).
        value: The parsed JSON value (a dict for a well-formed export).
        error: Set (and ``value`` None) for an NDJSON line that did not parse, when the
            records are read ``tolerant``.
    """

    source: str
    place: str
    index: int
    value: Any
    error: ReadError | None = None


def iter_records(
    path: Path, *, tolerant: bool = False, limits: Limits | None = None
) -> Iterator[RawRecord]:
    """Yield every record of an export file (JSON, NDJSON or zip), one at a time.

    Args:
        path: The export.
        tolerant: Yield an NDJSON line that does not parse as a record with ``error``
            set, instead of raising.
        limits: Caps on one record and on what a zip unpacks to (see :mod:`.limits`).

    Raises:
        ReadError: The file is missing, truncated or not JSON, or a cap is passed; names
            the record's place.
    """
    if str(path) == "-":
        raise ReadError(path, None, "an export is read twice, so it cannot come from stdin")
    if not path.is_file():
        raise ReadError(path, None, "no such file" if not path.exists() else "is not a file")
    limits = limits or Limits()
    numbers = RecordNumbers(tolerant, limits)
    if zipfile.is_zipfile(path):
        yield from archive.read_members(path, numbers.read_stream, limits)
        return
    with path.open("rb") as stream:
        yield from numbers.read_stream(stream, str(path))


def bom_encoding(head: bytes) -> tuple[str, int]:
    """The text encoding from the byte-order mark, and how many bytes the mark takes."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", 3
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", 2
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", 2
    return "utf-8", 0


class RecordNumbers:
    """Reads streams into records numbered across them (the members of a zip), raising
    on a broken NDJSON line or, ``tolerant``, handing it on as an error record."""

    def __init__(self, tolerant: bool = False, limits: Limits | None = None) -> None:
        self.next = 0
        self.tolerant = tolerant
        self.limits = limits or Limits()

    def take(self) -> int:
        """The next record's index."""
        value = self.next
        self.next += 1
        return value

    def read_stream(self, stream: IO[bytes], label: str) -> Iterator[RawRecord]:
        """The records of one file or zip member, its shape told from its first bytes."""
        buffered: Any = stream if hasattr(stream, "peek") else io.BufferedReader(stream)
        head = buffered.peek(SNIFF_BYTES)[:SNIFF_BYTES]
        encoding, skip = bom_encoding(head)
        buffered.read(skip)
        first = head[skip:].decode(encoding, errors="ignore").lstrip(_WHITESPACE)[:1]
        if first == "":
            raise ReadError(label, None, "file is empty, expected a JSON array or NDJSON")
        if first == "[":
            with _text_view(buffered, encoding) as text:
                splitter = ArraySplitter(text, label, max_record=self.limits.record_bytes)
                for place, value in splitter.elements():
                    yield RawRecord(label, place, self.take(), value)
        elif first == "{" and encoding == "utf-8":
            # orjson parses UTF-8 bytes directly: no text decoding for the usual export.
            yield from self._object_or_lines(buffered, label)
        elif first == "{":
            with _text_view(buffered, encoding) as text:
                yield from self._object_or_lines(text, label)
        else:
            raise ReadError(label, "line 1", f"expected a JSON array or NDJSON, found {first!r}")

    def read_lines(self, lines: IO[bytes], label: str, first_line: int) -> Iterator[RawRecord]:
        """The records of NDJSON ``lines`` whose first line is line ``first_line`` of
        ``label`` (one shard of a file, see :mod:`.shards`)."""
        return self._lines(lines, label, start=first_line)

    def _object_or_lines(self, text: IO[Any], label: str) -> Iterator[RawRecord]:
        """NDJSON, or one JSON object spread over several lines (a one-asset export)."""
        number, first_line = 1, self._line(text, label, 1)
        while first_line and not first_line.strip():  # blank lines before the first record
            number += 1
            first_line = self._line(text, label, number)
        try:
            value = orjson.loads(first_line)
        except orjson.JSONDecodeError as exc:
            second = self._line(text, label, number + 1)
            if not _is_record_line(second):
                # The first line is not a whole object: a pretty-printed single record.
                cap = self.limits.record_bytes
                rest = max(cap + 1 - len(first_line) - len(second), 0)  # read(-n) reads all
                whole = first_line + second + text.read(rest)
                if len(whole) > cap:
                    raise ReadError(label, f"line {number}", record_too_long(self.limits)) from None
                value = _loads_whole(whole, label, number - 1)
                yield RawRecord(label, f"line {number}", self.take(), value)
                return
            # NDJSON whose first line is broken (the second stands on its own).
            yield self._bad_line(label, number, exc)
            yield RawRecord(label, f"line {number + 1}", self.take(), orjson.loads(second))
            yield from self._lines(text, label, start=number + 2)
            return
        yield RawRecord(label, f"line {number}", self.take(), value)
        yield from self._lines(text, label, start=number + 1)

    def _line(self, text: IO[Any], label: str, number: int) -> Any:
        """One line, refused when it is longer than the record cap (an NDJSON bomb is
        one endless line: it must not be read whole)."""
        cap = self.limits.record_bytes
        line = text.readline(cap + 1)
        if len(line) > cap:
            raise ReadError(label, f"line {number}", record_too_long(self.limits)) from None
        return line

    def _lines(self, text: IO[Any], label: str, start: int) -> Iterator[RawRecord]:
        number = start - 1
        while True:
            number += 1
            line = self._line(text, label, number)
            if not line:
                return
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                # Blank lines are allowed; telling them apart only here keeps the usual
                # line from being copied by a strip().
                if line.strip():
                    yield self._bad_line(label, number, exc)
                continue
            yield RawRecord(label, f"line {number}", self.take(), value)

    def _bad_line(self, label: str, number: int, exc: orjson.JSONDecodeError) -> RawRecord:
        """A line that does not parse: raised, or (``tolerant``) handed on as an error."""
        reason = f"invalid NDJSON: {exc.msg} (column {exc.colno})"
        error = ReadError(label, f"line {number}", reason)
        if not self.tolerant:
            raise error from None
        return RawRecord(label, f"line {number}", self.take(), None, error)


@contextlib.contextmanager
def _text_view(buffered: Any, encoding: str) -> Iterator[IO[str]]:
    """Decode a binary stream as text; the caller's ``with`` still owns the file."""
    text = io.TextIOWrapper(buffered, encoding=encoding, newline="")
    try:
        yield text
    finally:
        text.detach()


def _is_record_line(line: str | bytes) -> bool:
    try:
        return isinstance(orjson.loads(line), dict)
    except orjson.JSONDecodeError:
        return False


def _loads_whole(text: str | bytes, label: str, lines_before: int) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        place = f"line {exc.lineno + lines_before} column {exc.colno}"
        raise ReadError(label, place, f"invalid JSON: {exc.msg}") from None
