"""Record-by-record reading of Ango exports: JSON arrays, NDJSON and zips of either.

Memory stays flat however large the export: NDJSON is read line by line, and a JSON
array is cut into its elements by an incremental splitter that parses one element at a
time out of a buffer refilled in chunks (:meth:`json.JSONDecoder.raw_decode` on text
decoded incrementally), never holding more than one record plus one chunk.

Encodings: UTF-8 with or without a BOM, and UTF-16 with a BOM. The shape (array,
NDJSON, a single JSON object) is told from the content, not from the file name. A zip
(what an export link delivers) is read member by member in name order, keeping only
``.json``, ``.ndjson`` and ``.jsonl`` members, so a ``split`` export of several files
reads as one stream.

Each record comes with its place: ``line N`` for NDJSON, ``$[i] (line N)`` for an array
element, prefixed by the zip member when there is one.

Broken input: a JSON array that breaks stops the read (its next element cannot be
found), and so does nesting deeper than the parser's stack allows (a ``ReadError``, not
a ``RecursionError``). An NDJSON line that breaks stops the read too, unless the caller
asks for ``tolerant`` reading: then it comes out as a record whose ``error`` is set, so an
``on_error="skip"`` reader can note it and go on with the next line.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from ango_convert.errors import ReadError

DATA_SUFFIXES = (".json", ".ndjson", ".jsonl")
CHUNK_CHARS = 1 << 20
SNIFF_BYTES = 65536
_WHITESPACE = " \t\r\n"
# A parse error this close to the end of the buffer may just be a record cut by the
# chunk boundary (the longest such token is a \uXXXX escape), so more text is read.
_TAIL = 8
_NUMBER_CHARS = "0123456789.eE+-"


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


def iter_records(path: Path, *, tolerant: bool = False) -> Iterator[RawRecord]:
    """Yield every record of an export file (JSON, NDJSON or zip), one at a time.

    Args:
        path: The export.
        tolerant: Yield an NDJSON line that does not parse as a record with ``error``
            set, instead of raising.

    Raises:
        ReadError: The file is missing, truncated or not JSON; names the record's place.
    """
    if str(path) == "-":
        raise ReadError(path, None, "an export is read twice, so it cannot come from stdin")
    if not path.is_file():
        raise ReadError(path, None, "no such file" if not path.exists() else "is not a file")
    counter = _Counter(tolerant)
    if zipfile.is_zipfile(path):
        yield from _iter_zip(path, counter)
        return
    with path.open("rb") as stream:
        yield from _iter_stream(stream, str(path), counter)


def data_members(archive: zipfile.ZipFile) -> list[str]:
    """The JSON/NDJSON members of an export zip, in name order (macOS metadata left out)."""
    names = [
        info.filename
        for info in archive.infolist()
        if not info.is_dir()
        and info.filename.lower().endswith(DATA_SUFFIXES)
        and not info.filename.startswith("__MACOSX/")
    ]
    return sorted(names)


def sniff(path: Path, size: int = SNIFF_BYTES) -> bytes:
    """The first bytes of an export's data (of the first data member of a zip), BOM and
    leading whitespace removed, as UTF-8; empty when unreadable."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                members = data_members(archive)
                if not members:
                    return b""
                with archive.open(members[0]) as member:
                    head = member.read(size)
        else:
            with path.open("rb") as stream:
                head = stream.read(size)
    except (OSError, zipfile.BadZipFile):
        return b""
    encoding, skip = _encoding_of(head)
    text = head[skip:].decode(encoding, errors="ignore")
    return text.lstrip(_WHITESPACE).encode("utf-8")


def starts_with_key(path: Path, key: bytes) -> bool:
    """True for a JSON/NDJSON file (or zip of them) whose first record shows ``key``.

    Reads the first KB, and 64 KB when the key is not there yet (a multi-image asset's
    URL list can push the task further), never the whole file.
    """
    if not path.is_file() or path.suffix.lower() not in (*DATA_SUFFIXES, ".zip"):
        return False
    head = sniff(path, 1024)
    if not head.startswith((b"[", b"{")):
        return False
    return key in head or key in sniff(path)


class _Counter:
    """Numbers records across the members of a zip (and carries the ``tolerant`` flag)."""

    def __init__(self, tolerant: bool = False) -> None:
        self.next = 0
        self.tolerant = tolerant

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value


def _iter_zip(path: Path, counter: _Counter) -> Iterator[RawRecord]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReadError(path, None, f"damaged zip: {exc}") from None
    with archive:
        members = data_members(archive)
        if not members:
            raise ReadError(path, None, "the zip holds no .json, .ndjson or .jsonl file")
        for name in members:
            label = f"{path}!{name}"
            try:
                with archive.open(name) as member:
                    yield from _iter_stream(member, label, counter)
            except (zipfile.BadZipFile, EOFError) as exc:
                raise ReadError(label, None, f"damaged zip member: {exc}") from None


def _encoding_of(head: bytes) -> tuple[str, int]:
    """The text encoding from the byte-order mark, and how many bytes the mark takes."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", 3
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", 2
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", 2
    return "utf-8", 0


def _iter_stream(stream: IO[bytes], label: str, counter: _Counter) -> Iterator[RawRecord]:
    buffered: Any = stream if hasattr(stream, "peek") else io.BufferedReader(stream)
    head = buffered.peek(SNIFF_BYTES)[:SNIFF_BYTES]
    encoding, skip = _encoding_of(head)
    buffered.read(skip)
    first = _first_char(head[skip:].decode(encoding, errors="ignore"))
    if first == "":
        raise ReadError(label, None, "file is empty, expected a JSON array or NDJSON")
    if first == "[":
        with _text_view(buffered, encoding) as text:
            yield from ArraySplitter(text, label).records(counter)
    elif first == "{" and encoding == "utf-8":
        # orjson reads UTF-8 bytes directly, the fast path for large NDJSON files.
        yield from _iter_object_or_lines(buffered, label, counter)
    elif first == "{":
        with _text_view(buffered, encoding) as text:
            yield from _iter_object_or_lines(text, label, counter)
    else:
        raise ReadError(label, "line 1", f"expected a JSON array or NDJSON, found {first!r}")


@contextlib.contextmanager
def _text_view(buffered: Any, encoding: str) -> Iterator[IO[str]]:
    """Decode a binary stream as text; the caller's ``with`` still owns the file."""
    text = io.TextIOWrapper(buffered, encoding=encoding, newline="")
    try:
        yield text
    finally:
        text.detach()


def _first_char(text: str) -> str:
    stripped = text.lstrip(_WHITESPACE)
    return stripped[:1]


def _iter_object_or_lines(text: IO[Any], label: str, counter: _Counter) -> Iterator[RawRecord]:
    """NDJSON, or one JSON object spread over several lines (a one-asset export)."""
    first_line = text.readline()
    try:
        value = orjson.loads(first_line)
    except orjson.JSONDecodeError as exc:
        second = text.readline()
        if not _is_record_line(second):
            # The first line is not a whole object: a pretty-printed single record.
            whole = first_line + second + text.read()
            yield RawRecord(label, "line 1", counter.take(), _loads_whole(whole, label))
            return
        # NDJSON whose first line is broken (the second stands on its own).
        yield _bad_line(label, 1, exc, counter)
        yield RawRecord(label, "line 2", counter.take(), orjson.loads(second))
        yield from _iter_lines(text, label, counter, start=3)
        return
    yield RawRecord(label, "line 1", counter.take(), value)
    yield from _iter_lines(text, label, counter, start=2)


def _is_record_line(line: str | bytes) -> bool:
    try:
        return isinstance(orjson.loads(line), dict)
    except orjson.JSONDecodeError:
        return False


def _bad_line(label: str, number: int, exc: orjson.JSONDecodeError, counter: _Counter) -> RawRecord:
    """A line that does not parse: raised, or (``tolerant``) handed on as an error record."""
    reason = f"invalid NDJSON: {exc.msg} (column {exc.colno})"
    error = ReadError(label, f"line {number}", reason)
    if not counter.tolerant:
        raise error from None
    return RawRecord(label, f"line {number}", counter.take(), None, error)


def _iter_lines(text: IO[Any], label: str, counter: _Counter, start: int) -> Iterator[RawRecord]:
    for number, line in enumerate(text, start=start):
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield _bad_line(label, number, exc, counter)
            continue
        yield RawRecord(label, f"line {number}", counter.take(), value)


def _loads_whole(text: str | bytes, label: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        place = f"line {exc.lineno} column {exc.colno}"
        raise ReadError(label, place, f"invalid JSON: {exc.msg}") from None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class ArraySplitter:
    """Cuts a JSON array read from a text stream into its elements, one at a time.

    Args:
        text: The stream, positioned at (or before whitespace before) the ``[``.
        label: The file name for messages.
        chunk: How many characters to read at a time.
    """

    def __init__(self, text: IO[str], label: str, chunk: int | None = None) -> None:
        self._text = text
        self._label = label
        self._chunk = chunk or CHUNK_CHARS
        self._buffer = ""
        self._pos = 0
        self._eof = False
        self._line = 1  # line number at self._pos
        self._decoder = json.JSONDecoder(parse_constant=_refuse_constant)

    def records(self, counter: _Counter) -> Iterator[RawRecord]:
        """Yield the array's elements as records."""
        self._expect("[", "expected '[' at the start of a JSON array")
        index = 0
        if self._peek() == "]":
            self._advance(1)
            self._expect_end()
            return
        while True:
            self._peek()  # skip to the element, so its line is where it starts
            line = self._line
            value = self._value(index)
            yield RawRecord(self._label, f"$[{index}] (line {line})", counter.take(), value)
            index += 1
            separator = self._peek()
            if separator == ",":
                self._advance(1)
                continue
            if separator == "]":
                self._advance(1)
                self._expect_end()
                return
            if separator == "":
                self._fail(index, "truncated: the file ends before the array is closed")
            self._fail(index, f"expected ',' or ']' after the element, found {separator!r}")

    def _value(self, index: int) -> Any:
        self._peek()
        size = self._chunk
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer, self._pos)
            except json.JSONDecodeError as exc:
                cut = self._maybe_cut(exc)
                if self._eof and cut:
                    self._fail(index, "truncated: the file ends inside this record", exc.pos)
                if not cut:
                    self._fail(index, f"invalid JSON: {exc.msg}", exc.pos)
                self._fill(size)
                size *= 2  # a record larger than a chunk is re-parsed O(log n) times
                continue
            except ValueError as exc:  # NaN or Infinity
                self._fail(index, str(exc))
            except RecursionError:
                # The parser recurses once per bracket; hostile depth must not escape.
                self._fail(index, "JSON nested too deeply to read (brackets inside brackets)")
            # A number cut by the end of the buffer ("12" of "12.5") may go on in the next chunk.
            if not self._eof and _is_number(value) and not self._buffer[end:].strip(_NUMBER_CHARS):
                self._fill(size)
                continue
            self._advance(end - self._pos)
            return value

    def _maybe_cut(self, exc: json.JSONDecodeError) -> bool:
        if exc.msg.startswith("Unterminated string"):
            return True
        if self._eof:
            return not self._buffer[exc.pos :].strip()
        return exc.pos >= len(self._buffer) - _TAIL

    def _fail(self, index: int, reason: str, at: int | None = None) -> Any:
        line = self._line + (self._buffer.count("\n", self._pos, at) if at is not None else 0)
        raise ReadError(self._label, f"$[{index}] (line {line})", reason)

    def _peek(self) -> str:
        """Skip whitespace and return the next character ('' at the end of the input)."""
        while True:
            while self._pos < len(self._buffer) and self._buffer[self._pos] in _WHITESPACE:
                if self._buffer[self._pos] == "\n":
                    self._line += 1
                self._pos += 1
            if self._pos < len(self._buffer) or self._eof:
                return self._buffer[self._pos : self._pos + 1]
            self._fill()

    def _advance(self, count: int) -> None:
        self._line += self._buffer.count("\n", self._pos, self._pos + count)
        self._pos += count

    def _fill(self, size: int | None = None) -> None:
        # Drop what was consumed so the buffer holds one record plus one chunk at most.
        if self._pos:
            self._buffer = self._buffer[self._pos :]
            self._pos = 0
        try:
            more = self._text.read(size or self._chunk)
        except UnicodeDecodeError as exc:
            raise ReadError(self._label, f"line {self._line}", f"not UTF-8 text: {exc}") from None
        if more:
            self._buffer += more
        else:
            self._eof = True

    def _expect(self, char: str, reason: str) -> None:
        if self._peek() != char:
            raise ReadError(self._label, f"line {self._line}", reason)
        self._advance(1)

    def _expect_end(self) -> None:
        rest = self._peek()
        if rest:
            raise ReadError(self._label, f"line {self._line}", "extra data after the JSON array")
