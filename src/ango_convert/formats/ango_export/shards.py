"""An NDJSON export cut into byte ranges that workers read themselves (``--jobs``).

Pass 1 runs on every range at once; the parent merges the class names, the reasons
records were left out and the asset keys (a key in two ranges is a duplicate, which a
one-process read then reports with its place). Pass 2 is one
:class:`~ango_convert.parallel.ShardedItems` shard per range, numbered as in the whole
file, so items, their ids and splits are those of a one-process read.

Only plain UTF-8 NDJSON files of at least :data:`MIN_SHARDED_BYTES` are cut, and only
for strict reads that fetch nothing (sizes, brush masks) over the network; anything
else reads in one process.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from ango_convert.formats.ango.class_names import NameCollector
from ango_convert.formats.ango_export.checks import log_left_out
from ango_convert.formats.ango_export.duplicates import Duplicates
from ango_convert.formats.ango_export.passes import (
    ExportItems,
    Plan,
    first_pass,
    survey_records,
)
from ango_convert.formats.ango_export.records import RawRecord, RecordNumbers
from ango_convert.formats.ango_export.skips import Skips
from ango_convert.model import Category, Item
from ango_convert.parallel import Jobs, ShardFailed
from ango_convert.parallel.shards import ShardReader

#: Exports smaller than this read in one process: forking costs more than it saves.
MIN_SHARDED_BYTES = 8 << 20
#: The input bytes one shard covers: what a worker holds decoded at a time.
SHARD_BYTES = 16 << 20
#: The read buffer of a shard's stream.
_READ_BYTES = 1 << 20
_PREADV = getattr(os, "preadv", None)


@dataclass(frozen=True)
class _Range:
    start: int
    end: int


@dataclass
class _RangeSurvey:
    titles: set[str]
    keypoints: dict[str, dict[str, int | None]]
    counts: Counter[str]
    keys: set[str]
    records: int
    lines: int


def can_shard(plan: Plan, skips: Skips, jobs: Jobs | None) -> bool:
    """Whether this read can run across ``jobs`` (see the module docs)."""
    brushes = plan.brushes
    return (
        jobs is not None
        and jobs.count > 1
        and not skips.active
        and plan.size_fetcher is None
        and plan.unknown_tools == "error"
        and (brushes is None or (brushes.fetcher is None and brushes.masks_dir is None))
        and _plain_ndjson(plan.source)
    )


def sharded_first_pass(
    plan: Plan, validate: bool, skips: Skips, jobs: Jobs
) -> tuple[tuple[Category, ...], list[ShardReader] | None]:
    """Pass 1 across the workers; the categories, and a reader per shard for pass 2
    (None when the shards disagree in a way only a one-process read can word, such as
    a duplicate asset: the caller then reads in one process)."""
    ranges = _cut(plan.source, max(jobs.count, plan.source.stat().st_size // SHARD_BYTES))

    def survey(k: int) -> _RangeSurvey:
        data = _bytes_of(plan.source, ranges[k])  # whole: its lines are counted too
        records = _records(plan, io.BytesIO(data), first_line=1, first_index=0)
        duplicates = Duplicates(lambda: iter(()))  # a repeat raises: one process words it
        collector, counts = survey_records(plan, validate, Skips(), records, duplicates)
        return _RangeSurvey(
            collector.titles,
            collector.keypoints,
            counts,
            duplicates.seen,
            counts["records"],
            data.count(b"\n"),
        )

    try:
        surveys = jobs.map(survey, len(ranges))
    except ShardFailed:
        return _one_process(plan, validate, skips)
    keys: set[str] = set()
    for found in surveys:
        if not keys.isdisjoint(found.keys):
            return _one_process(plan, validate, skips)
        keys |= found.keys
    del keys
    collector = NameCollector(plan.ontology)
    counts: Counter[str] = Counter()
    for found in surveys:
        collector.merge(found.titles, found.keypoints)
        counts.update(found.counts)
    log_left_out(counts, plan.rules)
    categories = collector.categories()
    items = ExportItems(plan, categories, skips)
    readers: list[ShardReader] = []
    first_line, first_index = 1, 0
    for span, found in zip(ranges, surveys, strict=True):
        readers.append(_shard_reader(items, plan, span, first_line, first_index))
        first_line += found.lines
        first_index += found.records
    return categories, readers


def _one_process(
    plan: Plan, validate: bool, skips: Skips
) -> tuple[tuple[Category, ...], list[ShardReader] | None]:
    return first_pass(plan, validate, skips), None


def _shard_reader(
    items: ExportItems, plan: Plan, span: _Range, first_line: int, first_index: int
) -> ShardReader:
    def read_shard() -> Iterator[Item]:
        with _RangeReader.open(plan.source, span) as lines:
            yield from items.items_of(_records(plan, lines, first_line, first_index))

    return read_shard


class _RangeReader(io.RawIOBase):
    """The bytes ``span`` of a file as a stream of its own, read in place with
    ``pread`` (a shard's 16 MB are never copied into one buffer: allocating that in a
    worker cost more than reading it)."""

    def __init__(self, descriptor: int, span: _Range) -> None:
        super().__init__()
        self._descriptor = descriptor
        self._position = span.start
        self._end = span.end

    @classmethod
    @contextlib.contextmanager
    def open(cls, path: Path, span: _Range) -> Iterator[io.BufferedReader]:
        """A buffered stream of ``span`` of ``path``, closed with the ``with``."""
        descriptor = os.open(path, os.O_RDONLY)
        try:
            yield io.BufferedReader(cls(descriptor, span), buffer_size=_READ_BYTES)
        finally:
            os.close(descriptor)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        want = min(len(buffer), self._end - self._position)
        if want <= 0:
            return 0
        got: int
        if _PREADV is not None:
            got = _PREADV(self._descriptor, [memoryview(buffer)[:want]], self._position)
        else:  # no preadv (older macOS): one copy more
            data = os.pread(self._descriptor, want, self._position)
            got = len(data)
            buffer[:got] = data
        self._position += got
        return got


def _bytes_of(path: Path, span: _Range) -> bytes:
    with path.open("rb") as stream:
        stream.seek(span.start)
        return stream.read(span.end - span.start)


def _records(
    plan: Plan, lines: IO[bytes], first_line: int, first_index: int
) -> Iterator[RawRecord]:
    numbers = RecordNumbers(False, plan.limits)
    numbers.next = first_index
    return numbers.read_lines(lines, str(plan.source), first_line)


def _plain_ndjson(path: Path) -> bool:
    """A UTF-8 NDJSON file (no byte-order mark, not zipped) whose first line is a whole
    record, big enough to be worth cutting."""
    try:
        if not path.is_file() or path.stat().st_size < MIN_SHARDED_BYTES:
            return False
        with path.open("rb") as stream:
            first = stream.readline(1 << 20)
    except OSError:
        return False
    if not first.startswith(b"{"):
        return False
    try:
        return isinstance(orjson.loads(first), dict)
    except orjson.JSONDecodeError:
        return False


def _cut(path: Path, pieces: int) -> list[_Range]:
    """Byte ranges of whole lines, about ``size / pieces`` bytes each."""
    size = path.stat().st_size
    step = max(1, size // max(1, pieces))
    ranges: list[_Range] = []
    start = 0
    with path.open("rb") as stream:
        while start < size:
            stream.seek(min(size, start + step))
            stream.readline()  # to the end of the line the cut falls in
            end = min(size, stream.tell())
            if start + step >= size:
                end = size
            ranges.append(_Range(start, end))
            start = end
    return ranges
