"""Ango Hub exports, V2 (``tasks[].objects``) and V3 (``task.tools``), into the IR.

Input: a JSON array, NDJSON (one asset a line; blank lines are fine) or the zip an export
link delivers (one data file, or several for ``split``, read in name order). Shape and
encoding are told from the content. Records are read one at a time (see
:mod:`~.records`), and the dataset's ``items`` re-read the file on every pass, so memory
stays flat however large the export: pass 1 (at read time) validates records, applies
the filters and collects class titles to fix the category list; pass 2 (when a writer
iterates the items) decodes them (see :mod:`~.passes`).

Modules: :mod:`~.read` (the readers' options), :mod:`~.passes` (the two passes),
:mod:`~.records`, :mod:`~.json_array` and :mod:`~.archive` (records out of the file),
:mod:`~.detection`, :mod:`~.checks`, :mod:`~.skips` and :mod:`~.duplicates` (pass 1),
:mod:`~.selection` (which answer), :mod:`~.items`, :mod:`~.frames`, :mod:`~.sizes`,
:mod:`~.bounds`, :mod:`~.splits` and :mod:`~.attributes` (records into items).

What is converted:
    By default each asset's current answer (V3 ``task``; V2 the first of ``tasks[]``).
    ``stage="Label"`` takes that stage's snapshot from ``stageHistory`` instead (the last
    one when a task passed the stage twice; the task itself when it sits in that stage
    now); assets that never reached it are left out, with a warning and their count.
    V2 ``task="all"`` merges every task's objects into the asset's one item, each
    annotation tagged with ``ango:taskId`` (one item per task would give several label
    files for one image). ``batch``, ``status`` and ``stage_filter`` keep only assets
    whose batch names, asset/task status, or task stage match (case-insensitively).
    Assets without labels stay as empty images unless ``keep_empty=False``. Objects of
    tools with no COCO/VOC/YOLO counterpart (NER, brush, a key no tool has...) are
    refused in pass 1, naming the record, unless ``unknown_tools="skip"`` leaves them out.

Video and multi-page assets:
    Objects with a ``page`` (0-based frame or page) become one item per page, named
    ``<stem>_frame<page:06d><ext>``: ``clip.mp4`` page 12 is ``clip_frame000012.jpg``.
    The extension is the page image's own (multi-image ``dataset`` URLs), else the
    asset's if it is an image, else ``.jpg``. Item ids are ``<externalId>#frame<page>``;
    items carry ``ango:page``. Frames without objects are not listed. Objects without a
    page stay on an item named after the asset. ``frames="refuse"`` refuses such assets.

Image sizes, in order: ``metadata.width/height``; a local image under ``images_dir``
(by file name, then base name); with ``fetch_sizes=True``, the header bytes of the asset
URL, read by the ``fetcher`` service (an HTTP range request, see
:mod:`ango_convert.hub.images`). Assets still without a size are not an error
here: writers that need sizes (COCO, YOLO) refuse them, listing them. A metadata size
that is there but wrong (0, negative, fractional, text) is an error, not "unknown".
Once an item's size is known, a shape wholly outside it is refused (overhangs are kept,
as in the COCO and VOC readers).

Brush masks (:mod:`~.brush`): an answer's ``brushDataUrl`` PNG becomes one mask per
brush class on the asset's own item, told apart by the brush tools' colours in
``ontology``; the PNG is read from ``masks_dir`` (by the URL's last path segment) or, with
``fetch_masks=True``, through the ``fetcher``. Stray colours and unread PNGs are reported
in the ``diagnostics`` warnings; a PNG of another size than the asset is refused like a
broken record. ``medicalBrushDataUrl`` (NRRD) follows ``unknown_tools``: refused, or
reported with ``skip``.

Broken records: errors name the file, the record (``line N`` or ``$[i] (line N)``) and
its externalId. Two records for one externalId are refused in pass 1 (the set of ids
seen is the one thing kept per asset: a few tens of MB for the largest exports), naming
both places. ``on_error="skip"`` leaves each broken asset out instead and lists it in
the ``diagnostics`` service's ``skipped_input`` (pass 1 at read time, pass 2 while the
items are read); a JSON array that stops parsing still ends the read.

Categories: the ontology's order when ``ontology`` is given, else names sorted, ids 1..N.

Splits (item attribute ``split``, read by the YOLO and VOC writers): ``split_by="batch"``
uses batch names (train/val/test, or ``split_map="Batch A=train,Batch B=val"``);
``split_by="ratio"`` hashes ``seed`` and the externalId, so the assignment does not
depend on record order, and every frame of a video lands in the same split.

Validation (``validate=True``): every record is checked against the record schema
(``ango-export-v2-record`` / ``ango-export-v3-record``) during pass 1; a fast validator
does the check, so there is no sampling.
"""

from __future__ import annotations

from ango_convert.formats.ango_export import read
from ango_convert.formats.ango_export.detection import detect_v2, detect_v3
from ango_convert.registry import FormatSpec

__all__ = ["FORMAT_V2", "FORMAT_V3", "detect_v2", "detect_v3"]


FORMAT_V3 = FormatSpec(
    name="ango-v3",
    summary="Ango Hub V3 export (asset -> task -> tools, stageHistory): json, ndjson or zip",
    read=read.read_v3,
    detect=detect_v3,
)

FORMAT_V2 = FormatSpec(
    name="ango-v2",
    summary="Legacy Ango Hub V2 export (asset -> tasks[] -> objects): json, ndjson or zip",
    read=read.read_v2,
    detect=detect_v2,
)
