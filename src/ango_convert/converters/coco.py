"""COCO object-detection / keypoint JSON: reader, writer and detector.

Reading (one JSON file; ``-`` reads stdin):

* Each image becomes an :class:`~ango_convert.model.Item` whose id is the image id as
  text; images without annotations are kept. ``file_name`` is kept exactly as given
  (spaces, several dots, sub-folders). Other image keys (``license``, ``coco_url``,
  ``date_captured``...) travel as ``coco:<key>`` attributes, the image id as
  ``coco:image_id``.
* ``segmentation`` polygons become a Polygon (one zone per part, no holes), RLE in
  either encoding a Mask (the IR holds uncompressed counts; ``coco:rle`` remembers which
  encoding the source used), an empty or missing segmentation a Box from ``bbox``.
  A segmented annotation keeps its ``bbox`` and ``area`` as ``coco:bbox``/``coco:area``.
* ``keypoints`` become a Keypoints annotation. When the annotation also has a bbox or
  segmentation, both IR annotations share ``group = str(annotation id)``.
* ``iscrowd`` (0 when missing), the annotation id and unknown keys are kept as
  ``coco:<key>`` attributes; the entries of an ``attributes`` object as free attributes.
* Skeletons are 1-based in COCO; a skeleton that uses 0 and never the last keypoint's
  number was written 0-based by some other tool and is read as such. The IR is 0-based.
* Coordinates are kept as given, also where a box overhangs the image: COCO's own files
  have boxes that do so by fractions of a pixel, so this is not an error.
* ``info`` becomes ``Dataset.info``; ``licenses`` and unknown top-level keys go there as
  ``coco:licenses`` / ``coco:<key>``.

Writing (one JSON file, atomically; ``-`` writes stdout):

* Annotations of one item that share a group and category merge into one COCO
  annotation; annotation and image ids are kept when no earlier entry took them,
  others are numbered from 1 up past the kept ones (all present and distinct: all kept;
  none: 1..N). Category ids are written as the IR has them. Skeletons are
  written 1-based.
* bbox and area come from ``coco:bbox``/``coco:area`` when present, else they are
  computed (polygon bounds and shoelace area minus holes, mask pixel count and tight box,
  box width x height). A pose with neither box nor segmentation gets the span of its
  labelled points as bbox (COCO consumers expect one), so it reads back as box + pose.
* RLE masks are written in the encoding the source used, else as compressed string
  counts (what pycocotools produces; every COCO loader accepts both). Polygons with
  holes, which COCO polygons cannot express, are written as RLE masks, rasterised
  exactly at pixel centres, with a warning in the report.
* Rotated boxes, polylines and points are not COCO kinds: they raise
  UnsupportedAnnotationError unless ``on_unsupported`` is ``"skip"`` (left out, counted)
  or ``"approximate"``: a rotated box becomes the polygon of its corners and a point a
  zero-size box at its position (both counted as approximated); polylines are skipped,
  as closing them into a polygon would invent an area.
* COCO requires every image's width and height: items without them raise
  ConversionError naming them.
* The items are read once and the file is written as they arrive (annotations wait in
  a temporary file beside the output), so memory stays flat on streamed inputs. Ids are
  kept when free and otherwise numbered from 1 up (see :mod:`._coco_write`).
* Attributes with another format's prefix (``ango:``, ``voc:``...) are not written.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import tempfile
from pathlib import Path

from ango_convert.converters._coco_json import Located
from ango_convert.converters._coco_read import parse_document
from ango_convert.converters._coco_write import (
    WRITES_KINDS,
    OnUnsupported,
    Options,
    write_document,
)
from ango_convert.converters._io import STDIO, atomic_file, json_path, load_json
from ango_convert.errors import INFO_SKIPPED_INPUT, OnError, OutputError, ReadError
from ango_convert.model import Dataset, JSONValue
from ango_convert.registry import FormatSpec
from ango_convert.report import WriteReport

_SNIFF_BYTES = 64 * 1024


def read(source: Path, *, on_error: OnError = "strict") -> Dataset:
    """Read a COCO annotation file.

    Args:
        source: The JSON file, or ``-`` for stdin.
        on_error: ``skip`` leaves out each category, image or annotation that does not
            read and lists it in ``Dataset.info["skipped_input"]``; the JSON itself must
            parse.

    Returns:
        The dataset.

    Raises:
        ReadError: Malformed input; the message names the file and the JSON path.
    """
    document = load_json(source)
    notes: list[JSONValue] = []

    def located(exc: Located) -> ReadError:
        return ReadError(source, json_path(*exc.where), exc.reason)

    skip = (lambda exc: notes.append(located(exc).note())) if on_error == "skip" else None
    try:
        dataset = parse_document(document, skip)
    except Located as exc:
        raise located(exc) from exc
    if on_error == "skip":
        dataset = dataclasses.replace(dataset, info={**dataset.info, INFO_SKIPPED_INPUT: notes})
    return dataset


def write(
    dataset: Dataset,
    target: Path,
    *,
    on_unsupported: OnUnsupported = "error",
    indent: bool = False,
) -> WriteReport:
    """Write a dataset as one COCO annotation file.

    Args:
        dataset: The dataset; every item needs a width and height.
        target: The output file, or ``-`` for stdout.
        on_unsupported: What to do with rotated boxes, polylines and points.
        indent: Indent the JSON by two spaces.

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
        _stream(dataset, Path(target), report, options)
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"{target}: cannot write: {exc.strerror or exc}") from exc
    report.files.append(str(target))
    return report


def _stream(dataset: Dataset, target: Path, report: WriteReport, options: Options) -> None:
    """Write through an atomic file, annotations spooled beside it; stdout gets the
    document only once it is complete, so an error leaves no partial output there."""
    to_stdout = str(target) == STDIO
    spool_dir = None if to_stdout else target.parent
    with (
        atomic_file(target) as out,
        tempfile.TemporaryFile(dir=spool_dir) as spool,
        tempfile.TemporaryFile() if to_stdout else contextlib.nullcontext(out) as stream,
    ):
        write_document(dataset, stream, spool, report, options)
        if to_stdout:
            stream.seek(0)
            shutil.copyfileobj(stream, out, 1 << 20)


def detect(path: Path) -> bool:
    """True for a ``.json`` file whose start has COCO's top-level keys.

    Only the first 64 KB are read: an object with ``"images"`` and one of
    ``"annotations"``, ``"categories"`` or ``"file_name"`` (a long images list can push
    the other top-level keys far past the start).
    """
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    try:
        with path.open("rb") as stream:
            head = stream.read(_SNIFF_BYTES)
    except OSError:
        return False
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return (
        head.startswith(b"{")
        and b'"images"' in head
        and any(key in head for key in (b'"annotations"', b'"categories"', b'"file_name"'))
    )


FORMAT = FormatSpec(
    name="coco",
    summary="COCO JSON: boxes, polygons, RLE masks (both encodings), keypoints",
    read=read,
    write=write,
    detect=detect,
    writes_kinds=WRITES_KINDS,
)
