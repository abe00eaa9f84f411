"""Writing a COCO document from sharded items with several workers (``--jobs``).

Each worker builds its shard's image and annotation entries with the writer's own
code (:func:`.image_entries.add_items`, :class:`.entries.AnnotationWriter`), with each id
left as a placeholder; the parent assigns the real ids in shard order with the same
:class:`.json_stream.IdAssigner` a one-process write uses, and the worker writes its
entries into two fragment files that the parent appends in order. The document is
byte for byte the one :func:`.write.write_document` gives.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ango_convert.formats.coco.entries import AnnotationWriter
from ango_convert.formats.coco.image_entries import MAX_LISTED, add_items
from ango_convert.formats.coco.json_stream import (
    DeferredIds,
    DocumentWriter,
    HeldEntries,
    IdAssigner,
    JsonArray,
)
from ango_convert.parallel import Jobs
from ango_convert.parallel.jobs import Stages
from ango_convert.parallel.shards import ShardedItems
from ango_convert.report import WriteReport


@dataclass
class _Share:
    """A worker's entries for one shard, ids still placeholders."""

    images: list[dict[str, Any]]
    annotations: list[dict[str, Any]]
    report: WriteReport
    refused: dict[str, int]
    holed: int


@dataclass
class _Survey:
    """What the parent needs to assign a shard's ids."""

    image_ids: list[int | None]
    annotation_ids: list[int | None]
    unsized: list[str]
    unsized_count: int
    read_facts: object = None  # the reader's, for ShardedItems.vouch


@dataclass
class _Written:
    """A shard's entries, written: two fragment files and what the write counted."""

    images: str
    image_count: int
    annotations: str
    annotation_count: int
    report: WriteReport
    refused: dict[str, int]
    holed: int


@dataclass
class Written:
    """The images array and annotation entries written, the writer whose
    :meth:`~AnnotationWriter.finish` raises or notes what it met, and the items without
    a size (the first few, and how many)."""

    images: JsonArray
    annotations: JsonArray
    writer: AnnotationWriter
    unsized: list[str]
    unsized_count: int


@dataclass
class _Merge:
    """The parent's side: id assigners and what the shards counted."""

    report: WriteReport
    image_ids: IdAssigner = field(default_factory=IdAssigner)
    annotation_ids: IdAssigner = field(default_factory=IdAssigner)
    unsized: list[str] = field(default_factory=list)
    unsized_count: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    holed: int = 0


def write_sharded(
    items: ShardedItems,
    jobs: Jobs,
    document: DocumentWriter,
    spool: IO[bytes],
    fragments_dir: Path | None,
    report: WriteReport,
    options: Any,
) -> Written:
    """Write the images array of ``document`` and the annotation entries into ``spool``
    from ``items`` across ``jobs``, counting in ``report``; fragments wait in a
    temporary folder in ``fragments_dir``."""
    images = document.open_array("images")
    annotations = JsonArray(spool, options.indent)
    merge = _Merge(report)
    fragments = Path(tempfile.mkdtemp(prefix=".ango-convert-shards-", dir=fragments_dir))

    def survey(k: int) -> tuple[_Share, _Survey]:
        report = WriteReport(target="")
        held = HeldEntries()
        image_ids, annotation_ids = DeferredIds(), DeferredIds()
        writer = AnnotationWriter(report, options.on_unsupported, held, annotation_ids)
        entries: list[dict[str, Any]] = []
        unsized, unsized_count = add_items(
            items.shards[k](), report, image_ids, entries.append, writer
        )
        share = _Share(entries, held.entries, report, dict(writer.refused), writer.holed)
        found = _Survey(image_ids.wanted, annotation_ids.wanted, unsized, unsized_count)
        found.read_facts = items.facts(k)
        return share, found

    def settle(k: int, found: _Survey) -> tuple[Sequence[int], Sequence[int]]:
        items.vouch(k, found.read_facts)
        merge.unsized += found.unsized[: max(0, MAX_LISTED - len(merge.unsized))]
        merge.unsized_count += found.unsized_count
        return (
            merge.image_ids.take_all(found.image_ids),
            merge.annotation_ids.take_all(found.annotation_ids),
        )

    def emit(share: _Share, ids: tuple[Sequence[int], Sequence[int]]) -> _Written:
        image_ids, annotation_ids = ids
        for entry in share.images:
            entry["id"] = image_ids[entry["id"]]
        for entry in share.annotations:
            entry["id"] = annotation_ids[entry["id"]]
            entry["image_id"] = image_ids[entry["image_id"]]
        paths = []
        for entries in (share.images, share.annotations):
            with tempfile.NamedTemporaryFile(dir=fragments, delete=False) as fragment:
                array = JsonArray(fragment, options.indent)
                for entry in entries:
                    array.add(entry)
                array.flush()
                paths.append(fragment.name)
        return _Written(
            paths[0],
            len(share.images),
            paths[1],
            len(share.annotations),
            share.report,
            share.refused,
            share.holed,
        )

    def take(k: int, written: _Written) -> None:
        for path, count, array in (
            (written.images, written.image_count, images),
            (written.annotations, written.annotation_count, annotations),
        ):
            with Path(path).open("rb") as fragment:
                array.add_fragment(fragment, count)
            Path(path).unlink()
        _add_counts(merge, written)

    try:
        jobs.staged(len(items.shards), Stages(survey, settle, emit, take))
    finally:
        for leftover in fragments.iterdir():
            leftover.unlink()
        fragments.rmdir()
    closing = AnnotationWriter(report, options.on_unsupported, annotations)
    closing.refused.update(merge.refused)
    closing.holed = merge.holed
    return Written(images, annotations, closing, merge.unsized, merge.unsized_count)


def _add_counts(merge: _Merge, written: _Written) -> None:
    merge.report.absorb(written.report)  # a shard lists no files: COCO is one
    for kind, count in written.refused.items():
        merge.refused[kind] = merge.refused.get(kind, 0) + count
    merge.holed += written.holed
