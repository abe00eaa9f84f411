"""Cutting a JSON array read from a text stream into its elements, one at a time.

Memory stays flat however long the array: elements are parsed one at a time out of a
buffer refilled in chunks (:meth:`json.JSONDecoder.raw_decode`, which says where an
element ends), so the buffer holds one element plus one chunk. ``orjson``, which parses
NDJSON lines, cannot say where a value ends, hence the standard library here; an element
with an escaped surrogate is also held to orjson's rules, so an array refuses the lone
surrogates an NDJSON file refuses.

Broken input is a :class:`~ango_convert.errors.ReadError` naming the element
(``$[i] (line N)``): a truncated or malformed element, NaN/Infinity, nesting deeper than
the parser's stack (not a ``RecursionError``), or data after the closing ``]``. A break
stops the read, since the next element cannot be found.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import IO, Any

import orjson

from ango_convert.errors import ReadError
from ango_convert.formats.ango_export.limits import Limits, record_too_long

#: Characters read at a time.
CHUNK_CHARS = 1 << 20
# A parse error this close to the end of the buffer may just be an element cut by the
# chunk boundary (the longest such token is a \uXXXX escape), so more text is read.
_TAIL = 8
_NUMBER_CHARS = "0123456789.eE+-"
# Whitespace is skipped a run at a time: one character at a time in Python, 200 MB of
# padding cost 30 s.
_SPACES = re.compile(r"[ \t\r\n]+")


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
        max_record: Longest element (characters, whitespace inside it included).
    """

    def __init__(
        self, text: IO[str], label: str, chunk: int | None = None, max_record: int | None = None
    ) -> None:
        self._text = text
        self._max_record = max_record or Limits().record_bytes
        self._label = label
        self._chunk = chunk or CHUNK_CHARS
        self._buffer = ""
        self._pos = 0
        self._eof = False
        self._line = 1  # line number at self._pos
        self._decoder = json.JSONDecoder(parse_constant=_refuse_constant)

    def elements(self) -> Iterator[tuple[str, Any]]:
        """Yield ``(place, value)`` of each element; the place is ``$[i] (line N)``."""
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
            yield f"$[{index}] (line {line})", value
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
                if len(self._buffer) - self._pos > self._max_record:
                    self._fail(index, record_too_long(Limits(record_bytes=self._max_record)))
                # Never read past the cap: a refused record costs no more than the cap.
                self._fill(min(size, self._max_record + 1 - (len(self._buffer) - self._pos)))
                size *= 2  # a record larger than a chunk is re-parsed O(log n) times
                continue
            except ValueError as exc:  # NaN or Infinity
                self._fail(index, str(exc))
            except RecursionError:
                # The parser recurses once per bracket; hostile depth must not escape.
                self._fail(index, "JSON nested too deeply to read (brackets inside brackets)")
            if end - self._pos > self._max_record:
                self._fail(index, record_too_long(Limits(record_bytes=self._max_record)))
            # A number cut by the end of the buffer ("12" of "12.5") may go on in the next chunk.
            if not self._eof and _is_number(value) and not self._buffer[end:].strip(_NUMBER_CHARS):
                self._fill(size)
                continue
            if self._has_surrogate_escape(end):
                self._hold_to_ndjson_rules(index, end)
            self._advance(end - self._pos)
            return value

    def _has_surrogate_escape(self, end: int) -> bool:
        """A ``\\uD800``-``\\uDFFF`` escape in the element (an emoji's pair, or a lone one)."""
        find = self._buffer.find
        return find("\\ud", self._pos, end) != -1 or find("\\uD", self._pos, end) != -1

    def _hold_to_ndjson_rules(self, index: int, end: int) -> None:
        """Refuse an element that orjson, which parses NDJSON lines, refuses: one with a
        lone surrogate (``"\\ud800"``), which the standard library lets through to fail
        only when an output is encoded."""
        try:
            orjson.loads(self._buffer[self._pos : end])
        except orjson.JSONDecodeError as exc:
            place = f"$[{index}] (line {self._line + exc.lineno - 1})"
            raise ReadError(self._label, place, f"invalid JSON: {exc.msg}") from None

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
            run = _SPACES.match(self._buffer, self._pos)
            if run is not None:
                self._line += self._buffer.count("\n", self._pos, run.end())
                self._pos = run.end()
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
