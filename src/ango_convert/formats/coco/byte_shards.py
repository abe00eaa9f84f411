"""A big COCO file whose annotations the workers parse themselves (``--jobs``).

Parsing the whole file in the parent before the workers start was the part of a
``--jobs`` run that no number of cores made faster. When the annotations come grouped
by image, in the order of the images array (as most tools write them), the array is
cut between images into byte ranges instead: the parent parses the rest of the file
(images, categories, info; a tenth of a typical one) and each worker parses its range
and reads it onto its run of images with the decoders a one-process read uses.

Finding the array without parsing it: ``"annotations": [`` is searched as bytes, and
its closing ``]`` among the ``}]`` followed by another member or the end of the file,
nearest the end first. The rest of the file is then parsed with a string made for this
run in the array's place: the bytes are the array a whole parse would use only if that
string comes back as the top-level ``annotations``. Cuts are the ``},{`` nearest equal
byte offsets, moved on to the first record of another image by parsing a few records.

Nothing found that way is trusted further than the workers prove it. A range that
starts at a true record boundary and ends at a false one (inside a string or a nested
object) never parses, so every range parsing proves every cut; an annotation whose
image is not in its range fails its shard; the annotation ids of all shards are checked
for repeats in the parent before anything of a shard is written (:class:`_UniqueIds`).
Any of these failing runs the conversion again in one process
(:class:`~ango_convert.parallel.ShardFailed`), which words what is wrong. A file in
another order (by category, say) is seen in the parent and read as before.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy
import orjson

from ango_convert.formats.coco.document import decode_categories, info_of
from ango_convert.formats.coco.document_shards import SHARDS_PER_WORKER, decode_shard, repeats
from ango_convert.formats.coco.keys import Located
from ango_convert.io.inputs import UTF8_BOM
from ango_convert.model import Category, Dataset, Item
from ango_convert.parallel import Jobs, ShardedItems, ShardFailed
from ango_convert.parallel.shards import ShardReader

#: Files smaller than this are parsed whole: cutting them saves less than it costs.
MIN_CUT_BYTES = 4 << 20
#: Places tried as the array's closing bracket before the file is parsed whole.
MAX_END_TRIES = 3
#: Records parsed past a cut to find the next image before the file is parsed whole.
MAX_RECORDS_PER_CUT = 10_000
#: Places tried as a record's start or end (a ``},{`` may be inside a string).
MAX_TRIES = 16
#: Bytes of annotations a worker parses at a time.
PIECE_BYTES = 1 << 20
#: A record longer than this is not parsed in the parent: the file is parsed whole.
MAX_RECORD_BYTES = 1 << 20
#: Bytes the parent may parse placing all the cuts before it parses the file whole.
PROBE_BUDGET = 16 << 20

_WS = rb"[ \t\r\n]*"
_KEY = re.compile(rb'"annotations"' + _WS + rb":" + _WS + rb"\[")
_END = re.compile(rb"\}" + _WS + rb"\]" + _WS + rb"(?:,|\}" + _WS + rb"\Z)")
_CUT = re.compile(rb"\}" + _WS + rb"," + _WS + rb"(?=\{)")
_FIRST_WINDOW = 1 << 20


@dataclass(frozen=True)
class _Span:
    """The annotations array: its elements are the bytes ``start:end``."""

    start: int
    end: int


@dataclass(frozen=True)
class _Range:
    """A shard: the annotation bytes ``start:end`` and the image positions they go on."""

    start: int
    end: int
    images: range


def cut_document(
    data: bytes, source: Path, jobs: Jobs, warnings: list[str] | None
) -> Dataset | None:
    """The dataset with its items in shards the workers parse, or None to parse the
    file whole (see the module docs)."""
    if len(data) < MIN_CUT_BYTES or jobs.count < 2:
        return None
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    found = _locate(data)
    if found is None:
        return None
    rest, span = found
    if span.end - span.start < MIN_CUT_BYTES // 2:
        return None  # mostly images: nothing worth cutting
    images = rest.get("images")
    if type(images) is not list or not images:
        return None
    positions = _image_positions(images)
    if positions is None:
        return None
    ranges = _ranges(data, span, positions, len(images), jobs.count * SHARDS_PER_WORKER)
    if ranges is None:
        return None
    noted: list[str] = []  # kept only if the shards are used: else the read notes again
    try:
        categories = decode_categories(rest, None, noted)
        info = info_of(rest)
    except Located:
        return None
    if warnings is not None:
        warnings += noted
    by_id = {category.id: category for category in categories}
    check = _UniqueIds()
    readers = [
        _reader(data, source, images, part, by_id, k, check) for k, part in enumerate(ranges)
    ]
    items = ShardedItems(readers, in_memory=True, check=check)
    return Dataset(categories=tuple(categories), items=items, info=info)


def _locate(data: bytes) -> tuple[dict[str, Any], _Span] | None:
    """The rest of the document parsed, and the annotations array, or None."""
    first = data.find(b'"annotations"')
    key = _KEY.match(data, first) if first >= 0 else None
    if key is None:
        return None
    marker = f"ango-convert-annotations-{uuid.uuid4().hex}"
    placeholder = orjson.dumps(marker)
    start = key.end()
    for end in _ends(data, start):
        try:
            rest = orjson.loads(data[: start - 1] + placeholder + data[end + 1 :])
        except orjson.JSONDecodeError:
            continue
        if type(rest) is dict and rest.get("annotations") == marker:
            return rest, _Span(start, end)
        return None  # another "annotations" key won: the whole parse words it
    return None


def _ends(data: bytes, start: int) -> Iterator[int]:
    """Up to :data:`MAX_END_TRIES` places of a ``]`` that may close the array opened
    before ``start``, searched in windows from the end of the file."""
    tried: set[int] = set()
    window = _FIRST_WINDOW
    while len(tried) < MAX_END_TRIES:
        low = max(start, len(data) - window)
        for match in _END.finditer(data, low):
            place = data.index(b"]", match.start())
            if place not in tried:
                tried.add(place)
                yield place
                if len(tried) == MAX_END_TRIES:
                    return
        if low == start:
            return
        window *= 8


def _image_positions(images: Sequence[Any]) -> dict[int, int] | None:
    """Each image id's place in the images array, or None when the ids are not distinct
    whole numbers (the one-process read words that)."""
    try:
        ids = numpy.array([record["id"] for record in images])
    except (TypeError, KeyError, ValueError, OverflowError):
        return None
    if ids.dtype.kind != "i" or repeats(ids):
        return None
    return {int(image_id): position for position, image_id in enumerate(ids.tolist())}


def _ranges(
    data: bytes, span: _Span, positions: Mapping[int, int], image_count: int, shards: int
) -> list[_Range] | None:
    """The shards' byte ranges, each starting at the first record of an image, with
    their runs of images; None when the records are not in the images' order."""
    starts = [span.start]
    firsts = [0]
    step = (span.end - span.start) // shards
    prober = _Prober(data, span.end)
    for k in range(1, shards):
        found = prober.next_image_after(max(span.start + k * step, starts[-1]))
        if found is None:
            return None
        begin, image_id = found
        if begin >= span.end:
            break  # the last image runs to the end
        position = positions.get(image_id)
        if position is None or position <= firsts[-1]:
            return None
        starts.append(begin)
        firsts.append(position)
    if len(starts) < 2:
        return None
    # each range ends before the comma that separates it from the next
    ends = [*(data.rindex(b",", 0, start) for start in starts[1:]), span.end]
    runs = [*firsts[1:], image_count]
    return [
        _Range(start, end, range(first, run))
        for start, end, first, run in zip(starts, ends, firsts, runs, strict=True)
    ]


class _Prober:
    """Parses a few records around each cut, within a budget of bytes for the whole
    file (a hostile file could otherwise make every ``},{`` a near miss)."""

    def __init__(self, data: bytes, end: int) -> None:
        self.data = data
        self.end = end
        self.budget = PROBE_BUDGET

    def next_image_after(self, offset: int) -> tuple[int, int] | None:
        """:meth:`next_image` from the first record boundary after ``offset`` (the end
        when there is none), trying the next ``},{`` when one is inside a string."""
        tried = 0
        for cut in itertools.islice(_CUT.finditer(self.data, offset, self.end), MAX_TRIES):
            tried += 1
            found = self.next_image(cut.end())
            if found is not None:
                return found
        return (self.end, -1) if not tried else None

    def next_image(self, begin: int) -> tuple[int, int] | None:
        """From the record at ``begin``: where the first record of another image starts
        (the end when none does) and that image's id; None when a record does not parse
        as an annotation with a whole-number image id within the limits."""
        first: int | None = None
        for _ in range(MAX_RECORDS_PER_CUT):
            if begin >= self.end:
                return self.end, -1
            parsed = self.record_at(begin)
            if parsed is None:
                return None
            record, after = parsed
            image_id = record.get("image_id") if type(record) is dict else None
            if type(image_id) is not int:
                return None
            if first is None:
                first = image_id
            elif image_id != first:
                return begin, image_id
            begin = after
        return None

    def record_at(self, begin: int) -> tuple[Any, int] | None:
        """The record starting at ``begin`` and where the next one starts (the end after
        the last), trying each ``},{`` in turn as its end (a few are inside strings)."""
        data, end = self.data, self.end
        cuts = itertools.islice(_CUT.finditer(data, begin, end), MAX_TRIES)
        for stop, after in [*((cut.start() + 1, cut.end()) for cut in cuts), (end, end)]:
            self.budget -= stop - begin
            if stop - begin > MAX_RECORD_BYTES or self.budget < 0:
                return None
            try:
                return orjson.loads(data[begin:stop]), after
            except orjson.JSONDecodeError:
                continue
        return None


def _reader(
    data: bytes,
    source: Path,
    images: Sequence[Any],
    part: _Range,
    categories: Mapping[int, Category],
    k: int,
    check: _UniqueIds,
) -> ShardReader:
    def read_shard() -> list[Item]:
        ids: dict[int, int] = {}
        # the indices are the shard's own (a one-process rerun words any error)
        records = enumerate(_pieces(data, part.start, part.end))
        items = decode_shard(source, images, part.images, categories, records, ids)
        check.found[k] = ids.keys()
        return items

    return read_shard


def _pieces(data: bytes, start: int, end: int) -> Iterator[Any]:
    """The records of ``data[start:end]``, parsed a piece of about
    :data:`PIECE_BYTES` at a time (each decoded while its records are still in cache).

    A piece that ends at a ``},{`` inside a string does not parse; it then runs on to
    the next one, and after :data:`MAX_TRIES` of them (or for the last piece) to ``end``.
    """
    while start < end:
        stop = end
        candidates = _CUT.finditer(data, min(start + PIECE_BYTES, end), end)
        for cut in itertools.islice(candidates, MAX_TRIES):
            try:
                records = orjson.loads(b"[" + data[start : cut.start() + 1] + b"]")
            except orjson.JSONDecodeError:
                continue
            stop = cut.end()
            break
        else:
            records = orjson.loads(b"[" + data[start:end] + b"]")
        yield from records
        start = stop


@dataclass
class _UniqueIds:
    """Annotation ids must not repeat across shards, as within one (a ShardCheck)."""

    found: dict[int, Any] = field(default_factory=dict)  # in a worker: its shards' ids
    taken: list[Any] = field(default_factory=list)  # in the parent: the earlier shards'
    highest: int | None = None

    def facts(self, k: int) -> object:
        ids = self.found.pop(k)
        return numpy.fromiter(ids, dtype=numpy.int64, count=len(ids))

    def vouch(self, k: int, facts: object) -> None:
        ids = numpy.asarray(facts)
        if not len(ids):
            return
        lowest, highest = int(ids.min()), int(ids.max())
        # ids that rise from shard to shard (the usual file) cannot repeat: no sort
        rising = self.highest is None or lowest > self.highest
        if not rising and repeats(numpy.concatenate([*self.taken, ids])):
            raise ShardFailed(f"shard {k}: an annotation id of an earlier shard repeats")
        self.taken.append(ids)
        self.highest = highest if self.highest is None else max(self.highest, highest)
