"""Finding the parts of a large COCO JSON file without parsing it whole.

The file is memory-mapped and walked once: the top-level object member by member, small
values (``info``, ``licenses``, unknown keys) parsed as they come, and the big arrays
(``images``, ``annotations``, ``categories``) cut into :class:`Chunk` spans of whole
elements, a few MB each, which :meth:`Scanner.load` parses later with one
``orjson.loads`` call per chunk.

How an array is cut: a C-speed regex finds candidate cuts, a ``}`` followed by ``,{``
or by ``]``. Starting from a true element boundary, a chunk that ends at a false
candidate (inside a string or a nested object) is never valid JSON, as the element's
own ``{`` (or the string) stays open; so the first candidate past the chunk size whose
chunk parses is a true boundary. After :data:`MAX_TRIES` false candidates the chunk is
cut by :meth:`Scanner._exact_chunk` instead, a bracket-and-string walk element by
element, which also names the element of a truly malformed file.

Pages behind the walk are handed back to the kernel (:meth:`Scanner.release`), so the
mapped file does not count into the process's resident memory as it is read.
"""

from __future__ import annotations

import bisect
import mmap
import re
from dataclasses import dataclass, field
from typing import Any

import orjson

from ango_convert.formats.coco.keys import Where

#: Bytes of JSON per chunk: one ``orjson.loads`` each (about 30,000 boxes).
CHUNK_BYTES = 4 * 2**20
#: False candidate cuts tried before the exact walk cuts the chunk.
MAX_TRIES = 16
#: The members cut into chunks when their value is an array.
ARRAYS = frozenset({"images", "annotations", "categories"})

_BOM = b"\xef\xbb\xbf"
_WS = re.compile(rb"[ \t\r\n]*")
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
# A whole string, a lone quote (a string that never ends), or a bracket.
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|["\[\]{}]', re.DOTALL)
_SCALAR = re.compile(rb"[^ \t\r\n,\]}]+")
_END = re.compile(rb"}[ \t\r\n]*\]")
_CUT = re.compile(rb"}[ \t\r\n]*(?:,[ \t\r\n]*(?=\{)|\])")
_PAGE = mmap.PAGESIZE


class Malformed(ValueError):
    """The file is not valid JSON: the byte offset and the JSON path of the value."""

    def __init__(self, offset: int, where: Where, reason: str) -> None:
        super().__init__(reason)
        self.offset = offset
        self.where = where
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Chunk:
    """Whole elements ``first``.. of an array: the bytes ``start:end`` of the file."""

    start: int
    end: int
    first: int


@dataclass(slots=True)
class Members:
    """The top-level object: small values parsed, big arrays as chunks, in file order."""

    values: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, list[Chunk]] = field(default_factory=dict)
    spans: dict[str, int] = field(default_factory=dict)  # bytes of each chunked array


class Scanner:
    """One walk over a mapped (or in-memory) JSON document."""

    def __init__(self, data: mmap.mmap | bytes, chunk_bytes: int | None = None) -> None:
        self.data = data
        self.size = len(data)
        self.chunk_bytes = chunk_bytes or CHUNK_BYTES

    # --- the walk ------------------------------------------------------------------------

    def members(self) -> Members:
        """Walk the top-level object.

        Raises:
            Malformed: The file is not one JSON object (truncated, bad syntax, extra data).
        """
        data = self.data
        pos = self._ws(len(_BOM) if data[: len(_BOM)] == _BOM else 0)
        if pos >= self.size:
            raise Malformed(pos, (), "file is empty, expected JSON")
        if data[pos] != 0x7B:  # {
            raise Malformed(pos, (), "expected a JSON object (the COCO document)")
        found = Members()
        pos = self._ws(pos + 1)
        if self._at(pos, ()) == 0x7D:  # }
            return self._finish(pos + 1, found)
        while True:
            match = _STRING.match(data, pos)
            if match is None:
                raise Malformed(pos, (), "expected a member name in double quotes")
            key = orjson.loads(match.group())
            pos = self._ws(match.end())
            if self._at(pos, (key,)) != 0x3A:  # :
                raise Malformed(pos, (key,), "expected ':' after the member name")
            pos = self._ws(pos + 1)
            if key in ARRAYS and self._at(pos, (key,)) == 0x5B:  # [
                start = pos
                found.arrays[key], pos = self._array(pos, key)
                found.spans[key] = pos - start
                found.values.pop(key, None)  # a repeated key: the last one counts
            else:
                end = self._skip(pos, (key,))
                found.values[key] = self._load(pos, end, (key,))
                found.arrays.pop(key, None)
                pos = end
            pos = self._ws(pos)
            token = self._at(pos, (key,))
            if token == 0x7D:
                return self._finish(pos + 1, found)
            if token != 0x2C:  # ,
                raise Malformed(pos, (key,), "expected ',' or '}' after the member")
            pos = self._ws(pos + 1)

    def load(self, chunk: Chunk) -> list[Any]:
        """The parsed elements of ``chunk`` (valid: the walk parsed it once)."""
        records: list[Any] = orjson.loads(b"[" + self.data[chunk.start : chunk.end] + b"]")
        return records

    def release(self, chunk: Chunk) -> None:
        """Hand the mapped pages of ``chunk`` back to the kernel once it is parsed, so
        the file read so far stops counting as this process's resident memory."""
        if isinstance(self.data, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
            start = -(-chunk.start // _PAGE) * _PAGE
            end = chunk.end - chunk.end % _PAGE
            if end > start:
                self.data.madvise(mmap.MADV_DONTNEED, start, end - start)

    # --- pieces ------------------------------------------------------------------------

    def _finish(self, pos: int, found: Members) -> Members:
        pos = self._ws(pos)
        if pos < self.size:
            raise Malformed(pos, (), "extra data after the JSON object")
        return found

    def _ws(self, pos: int) -> int:
        match = _WS.match(self.data, pos)
        return match.end() if match else pos

    def _at(self, pos: int, where: Where) -> int:
        if pos >= self.size:
            raise Malformed(pos, where, "unexpected end of data: the file is truncated")
        return self.data[pos]

    def _load(self, start: int, end: int, where: Where) -> Any:
        try:
            return orjson.loads(self.data[start:end])
        except orjson.JSONDecodeError as exc:
            raise Malformed(start + exc.pos, where, f"invalid JSON: {exc.msg}") from None

    def _skip(self, pos: int, where: Where) -> int:
        """The end of the value starting at ``pos``, found by brackets and strings only
        (orjson checks the rest when it parses the value)."""
        first = self._at(pos, where)
        if first == 0x22:  # "
            match = _STRING.match(self.data, pos)
            if match is None:
                raise Malformed(pos, where, "a string never ends: the file is truncated")
            return match.end()
        if first in (0x5B, 0x7B):  # [ {
            depth = 0
            for match in _TOKEN.finditer(self.data, pos):
                token = self.data[match.start()]
                if token == 0x22:
                    if match.end() - match.start() == 1:
                        raise Malformed(
                            match.start(), where, "a string never ends: the file is truncated"
                        )
                    continue
                depth += 1 if token in (0x5B, 0x7B) else -1
                if depth == 0:
                    return match.end()
            raise Malformed(self.size, where, "unexpected end of data: the file is truncated")
        match = _SCALAR.match(self.data, pos)
        if match is None:
            raise Malformed(pos, where, "expected a value")
        return match.end()

    def _array(self, pos: int, key: str) -> tuple[list[Chunk], int]:
        """Cut the array at ``pos`` into chunks; returns them and the end of the array."""
        pos = self._ws(pos + 1)
        if self._at(pos, (key,)) == 0x5D:  # ]
            return [], pos + 1
        chunks: list[Chunk] = []
        count = 0
        while True:
            cut = self._fast_chunk(pos) or self._exact_chunk(pos, key, count)
            end, records, after, closed = cut
            chunks.append(Chunk(pos, end, count))
            self.release(chunks[-1])
            count += records
            if closed:
                return chunks, after
            pos = after

    def _candidates(self, pos: int, target: int) -> Any:
        """Candidate cuts in file order: ends of arrays before ``target``, then any."""
        data = self.data
        while (match := _END.search(data, pos, target)) is not None:
            yield match
            pos = match.start() + 1
        pos = max(pos, target)
        while (match := _CUT.search(data, pos)) is not None:
            yield match
            pos = match.start() + 1

    def _fast_chunk(self, pos: int) -> tuple[int, int, int, bool] | None:
        """Cut at the first candidate past the chunk size whose chunk parses: (end of
        the chunk, elements in it, where the next element starts or the array ends,
        whether the array ends); None after :data:`MAX_TRIES` false candidates."""
        data = self.data
        for tries, match in enumerate(self._candidates(pos, pos + self.chunk_bytes)):
            if tries >= MAX_TRIES:
                return None
            end = match.start() + 1
            try:
                records = orjson.loads(b"[" + data[pos:end] + b"]")
            except orjson.JSONDecodeError:
                continue
            closed = data[match.end() - 1] == 0x5D
            return end, len(records), match.end(), closed
        return None

    def _exact_chunk(self, pos: int, key: str, first: int) -> tuple[int, int, int, bool]:
        """Cut element by element (see :meth:`_fast_chunk`); names a malformed element."""
        data = self.data
        starts: list[int] = []
        start = pos
        while True:
            starts.append(start)
            where: Where = (key, first + len(starts) - 1)
            end = self._skip(start, where)
            after = self._ws(end)
            token = self._at(after, where)
            if token == 0x5D:
                closed, after = True, after + 1
                break
            if token != 0x2C:
                raise Malformed(after, where, "expected ',' or ']' after an array element")
            after = self._ws(after + 1)
            if end - pos >= self.chunk_bytes:
                closed = False
                break
            start = after
        try:
            records = orjson.loads(b"[" + data[pos:end] + b"]")
        except orjson.JSONDecodeError as exc:
            offset = pos + exc.pos - 1
            index = first + max(0, bisect.bisect_right(starts, offset) - 1)
            raise Malformed(offset, (key, index), f"invalid JSON: {exc.msg}") from None
        return end, len(records), after, closed
