"""Write a COCO document from the IR in one pass over the items (see :mod:`._coco_stream`;
the annotation entries come from :mod:`._coco_entries`).

Ids, one pass: an image keeps its source id (``coco:image_id``, else the item id when
it is a whole number) when no earlier image took it, and an annotation its ``coco:id``
likewise; the others are numbered from 1 up, skipping the ids kept so far. Ids that
are all present and distinct are therefore kept, and data without ids is numbered
1..N.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ango_convert.errors import ConversionError, OutputError
from ango_convert.formats.coco.entries import (
    WRITES_KINDS,
    AnnotationWriter,
    OnUnsupported,
    extras,
)
from ango_convert.formats.coco.image_entries import add_items
from ango_convert.formats.coco.json_stream import DocumentWriter, IdAssigner, JsonArray
from ango_convert.formats.coco.keys import (
    CATEGORY_KEYS,
    INFO_LICENSES,
    TOP_KEYS,
)
from ango_convert.formats.coco.shards import Written, write_sharded
from ango_convert.io.inputs import STDIO
from ango_convert.io.outputs import atomic_file
from ango_convert.model import Category, Dataset
from ango_convert.parallel import Jobs, sharded
from ango_convert.report import WriteReport

__all__ = ["WRITES_KINDS", "OnUnsupported", "Options", "write_document"]


@dataclass(frozen=True, slots=True)
class Options:
    """The writer's options that shape the document."""

    on_unsupported: OnUnsupported = "error"
    indent: bool = False


def write_document(
    dataset: Dataset,
    stream: IO[bytes],
    spool: IO[bytes],
    report: WriteReport,
    options: Options,
    jobs: Jobs | None = None,
    spool_dir: Path | None = None,
) -> None:
    """Write the COCO document for a dataset to ``stream`` in one pass over its items,
    counting what was written in ``report``. Annotation entries wait in ``spool`` (an
    empty temporary file) until the images are done. Sharded items (see
    :mod:`ango_convert.parallel`) are written across ``jobs`` when given, their
    fragments kept in ``spool_dir``.

    Problems are collected while streaming and raised at the end, each in full; the
    caller discards what was written.

    Raises:
        ConversionError: Some items have no image size.
        UnsupportedAnnotationError: Kinds COCO cannot hold, unless skipping or
            approximating was asked for.
    """
    document = DocumentWriter(stream, options.indent)
    document.members(
        [
            ("info", {k: v for k, v in dataset.info.items() if ":" not in k}),
            ("licenses", dataset.info.get(INFO_LICENSES, [])),
        ]
    )
    shards = sharded(dataset.items) if jobs is not None else None
    if shards is not None and jobs is not None:
        written = write_sharded(shards, jobs, document, spool, spool_dir, report, options)
    else:
        written = _write_items(dataset, document, spool, report, options)
    _require_sizes(written.unsized, written.unsized_count)
    written.writer.finish()
    document.close_array(written.images)
    document.spooled_array("annotations", spool, written.annotations)
    document.member("categories", [_category(category) for category in dataset.categories])
    document.members(extras(dataset.info, TOP_KEYS).items())
    document.close()


def _write_items(
    dataset: Dataset,
    document: DocumentWriter,
    spool: IO[bytes],
    report: WriteReport,
    options: Options,
) -> Written:
    """The images array and the spooled annotation entries, in this process."""
    images = document.open_array("images")
    annotations = JsonArray(spool, options.indent)
    writer = AnnotationWriter(report, options.on_unsupported, annotations)
    unsized, unsized_count = add_items(dataset.items, report, IdAssigner(), images.add, writer)
    return Written(images, annotations, writer, unsized, unsized_count)


def _require_sizes(shown: Sequence[str], count: int) -> None:
    if not count:
        return
    listed = ", ".join(repr(name) for name in shown)
    more = f" (and {count - len(shown)} more)" if count > len(shown) else ""
    raise ConversionError(
        f"COCO needs every image's width and height; {count} item(s) have none: {listed}{more}",
        "read the source with {images_dir=DIR} to take sizes from the image files",
    )


def _category(category: Category) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": category.id, "name": category.name}
    if category.supercategory is not None:
        entry["supercategory"] = category.supercategory
    if category.keypoint_names:
        entry["keypoints"] = list(category.keypoint_names)
        entry["skeleton"] = [[a + 1, b + 1] for a, b in category.skeleton]  # COCO is 1-based
    entry.update(extras(category.attributes, CATEGORY_KEYS))
    return entry


def write(
    dataset: Dataset,
    target: Path,
    *,
    on_unsupported: OnUnsupported = "error",
    indent: bool = False,
    jobs: Jobs | None = None,
) -> WriteReport:
    """Write a dataset as one COCO annotation file.

    Args:
        dataset: The dataset; every item needs a width and height.
        target: The output file, or ``-`` for stdout.
        on_unsupported: What to do with rotated boxes, polylines and points.
        indent: Indent the JSON by two spaces.
        jobs: Worker processes for sharded items (a service the API supplies for
            ``jobs=N``); the document is the same without them.

    Returns:
        What was written, skipped and approximated.

    Raises:
        ConversionError: Items without sizes, or unsupported kinds with
            ``on_unsupported="error"``.
        OutputError: The file could not be written.
    """
    report = WriteReport(target=str(target))
    options = Options(on_unsupported=on_unsupported, indent=indent)
    try:
        _stream(dataset, Path(target), report, options, jobs)
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"{target}: cannot write: {exc.strerror or exc}") from exc
    report.files.append(str(target))
    return report


def _stream(
    dataset: Dataset, target: Path, report: WriteReport, options: Options, jobs: Jobs | None
) -> None:
    """Write through an atomic file, annotations spooled beside it; stdout gets the
    document only once it is complete, so an error leaves no partial output there."""
    to_stdout = str(target) == STDIO
    spool_dir = None if to_stdout else target.parent
    with (
        atomic_file(target) as out,
        tempfile.TemporaryFile(dir=spool_dir) as spool,
        tempfile.TemporaryFile() if to_stdout else contextlib.nullcontext(out) as stream,
    ):
        write_document(dataset, stream, spool, report, options, jobs, spool_dir)
        if to_stdout:
            stream.seek(0)
            shutil.copyfileobj(stream, out, 1 << 20)
