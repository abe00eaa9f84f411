"""Reading Ango V2 and V3 exports into the IR: the readers' options, checked and planned.

:func:`read_v3` and :func:`read_v2` check their options, build the plan of a read and
run the first pass (:mod:`.passes`); the dataset's items run the second pass each time
they are iterated. The network is reached only through the ``fetcher`` service (a
:class:`~ango_convert.io.remote.Fetcher` the API provides); skip notes go to the
``diagnostics`` service.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ango_convert.errors import ConversionError, OnError
from ango_convert.formats.ango.decode import UnknownTools
from ango_convert.formats.ango.geometry import Pivot
from ango_convert.formats.ango_export.attributes import parse_attribute_map
from ango_convert.formats.ango_export.brush import BrushReader, brush_colours
from ango_convert.formats.ango_export.frames import Frames
from ango_convert.formats.ango_export.items import ItemRules
from ango_convert.formats.ango_export.limits import (
    MAX_RECORD_MB,
    MAX_UNZIPPED_MB,
    MAX_ZIP_RATIO,
    Limits,
)
from ango_convert.formats.ango_export.passes import ExportItems, Plan, first_pass
from ango_convert.formats.ango_export.selection import Selection, TaskChoice, Version
from ango_convert.formats.ango_export.shards import can_shard, sharded_first_pass
from ango_convert.formats.ango_export.skips import Skips
from ango_convert.formats.ango_export.splits import SplitBy, Splitter
from ango_convert.io.remote import Fetcher
from ango_convert.model import Dataset, JSONValue
from ango_convert.ontology import load_ontology
from ango_convert.parallel import Jobs, ShardedItems
from ango_convert.report import Diagnostics

__all__ = ["read_v2", "read_v3"]


def read_v3(
    source: Path,
    *,
    schema_map: Path | None = None,
    ontology: Path | None = None,
    stage: str | None = None,
    batch: tuple[str, ...] = (),
    status: tuple[str, ...] = (),
    stage_filter: tuple[str, ...] = (),
    keep_empty: bool = True,
    images_dir: Path | None = None,
    fetch_sizes: bool = False,
    masks_dir: Path | None = None,
    fetch_masks: bool = False,
    rbox_pivot: Pivot = "corner",
    unknown_tools: UnknownTools = "error",
    frames: Frames = "split",
    split_by: SplitBy = "none",
    ratios: str = "0.8,0.2",
    seed: int = 0,
    split_map: str = "",
    attribute_map: str = "",
    validate: bool = True,
    max_record_mb: float = MAX_RECORD_MB,
    max_zip_ratio: float = MAX_ZIP_RATIO,
    max_unzipped_mb: float = MAX_UNZIPPED_MB,
    on_error: OnError = "strict",
    diagnostics: Diagnostics | None = None,
    fetcher: Fetcher | None = None,
    jobs: Jobs | None = None,
) -> Dataset:
    """Read an Ango V3 export (assets with one ``task`` of ``tools``).

    Args:
        source: The export: ``.json``, ``.ndjson`` or ``.zip``.
        schema_map: ``{"class name": "schemaId"}`` map (names classes by schemaId).
        ontology: A project's categorySchema JSON: class order and keypoint names.
        stage: Take this stage's snapshot from ``stageHistory`` instead of the task.
        batch: Keep only assets in one of these batches (names).
        status: Keep only assets or tasks with one of these statuses.
        stage_filter: Keep only tasks currently in one of these stages.
        keep_empty: Keep assets without labels as empty images.
        images_dir: Local images, for sizes missing from the metadata.
        fetch_sizes: Read missing sizes from the asset URLs' header bytes (network).
        masks_dir: Brush mask PNGs, named as the last path segment of each asset's
            ``brushDataUrl``: split into one mask per brush class by the brush tools'
            colours in ``ontology``.
        fetch_masks: Download brush PNGs ``masks_dir`` does not have (network; the
            command line sets it with ``--download-images``).
        rbox_pivot: Rotated-box pivot convention (see ``ango_geometry``).
        unknown_tools: ``error`` or ``skip`` objects with no COCO/VOC/YOLO counterpart.
        frames: ``split`` video/multi-page assets into frame items, or ``refuse`` them.
        split_by: ``none``, ``batch`` (batch names) or ``ratio`` (seeded hash).
        ratios: train,val[,test] fractions for ``split_by=ratio``.
        seed: Seed of the ratio split.
        split_map: ``Batch A=train,Batch B=val`` for ``split_by=batch``.
        attribute_map: Rename nested classifications, ``Occluded=difficult,Cut=truncated``
            (yes/no answers of difficult/truncated/occluded become VOC's 1/0).
        validate: Check each record against the bundled record schema.
        max_record_mb: Longest NDJSON line or JSON array element, in MB (a longer one is
            refused before it is read whole).
        max_zip_ratio: Largest unpacked-to-compressed size ratio of a zip member (a
            decompression bomb is refused before it is unpacked).
        max_unzipped_mb: Most MB a zip's data members may unpack to, together.
        on_error: ``skip`` leaves out each asset record that does not parse (an NDJSON
            line), breaks the schema, repeats an externalId or does not decode, listing
            it in ``diagnostics.skipped_input``; the decoding pass adds its own while
            the items are read. A broken JSON array still stops the read.
        diagnostics: Service: collects the skip notes (both passes). Without it they go
            to a collector nobody reads.
        fetcher: Service: reads image sizes from asset URLs, needed by ``fetch_sizes``
            (:func:`ango_convert.read` passes one that speaks HTTP).
        jobs: Service: worker processes; a big NDJSON export is then read in shards
            (see :mod:`.shards`), for a writer that writes shards.

    Returns:
        The dataset; its items re-read the export on every pass.

    Raises:
        ConversionError: Bad options, or ``fetch_sizes`` without a ``fetcher``.
        ReadError: A record breaks (strict), or the file cannot be read.
        SchemaValidationError: ``validate`` and a record breaks its schema (strict).
    """
    selection = Selection(stage=stage, batch=batch, status=status, stage_filter=stage_filter)
    return _read(source, "v3", selection, **_common(locals()))


def read_v2(
    source: Path,
    *,
    schema_map: Path | None = None,
    ontology: Path | None = None,
    stage: str | None = None,
    task: TaskChoice = "first",
    batch: tuple[str, ...] = (),
    status: tuple[str, ...] = (),
    stage_filter: tuple[str, ...] = (),
    keep_empty: bool = True,
    images_dir: Path | None = None,
    fetch_sizes: bool = False,
    masks_dir: Path | None = None,
    fetch_masks: bool = False,
    rbox_pivot: Pivot = "corner",
    unknown_tools: UnknownTools = "error",
    frames: Frames = "split",
    split_by: SplitBy = "none",
    ratios: str = "0.8,0.2",
    seed: int = 0,
    split_map: str = "",
    attribute_map: str = "",
    validate: bool = True,
    max_record_mb: float = MAX_RECORD_MB,
    max_zip_ratio: float = MAX_ZIP_RATIO,
    max_unzipped_mb: float = MAX_UNZIPPED_MB,
    on_error: OnError = "strict",
    diagnostics: Diagnostics | None = None,
    fetcher: Fetcher | None = None,
    jobs: Jobs | None = None,
) -> Dataset:
    """Read a legacy Ango V2 export (assets with ``tasks[]`` of ``objects``).

    Args are as for :func:`read_v3`, plus ``task``: ``first`` converts each asset's first
    task, ``all`` merges every task's objects (each tagged with ``ango:taskId``).
    """
    selection = Selection(
        stage=stage, task=task, batch=batch, status=status, stage_filter=stage_filter
    )
    return _read(source, "v2", selection, **_common(locals()))


_SHARED_OPTIONS = (
    "schema_map",
    "ontology",
    "keep_empty",
    "images_dir",
    "fetch_sizes",
    "masks_dir",
    "fetch_masks",
    "rbox_pivot",
    "unknown_tools",
    "frames",
    "split_by",
    "ratios",
    "seed",
    "split_map",
    "attribute_map",
    "validate",
    "max_record_mb",
    "max_zip_ratio",
    "max_unzipped_mb",
    "on_error",
    "diagnostics",
    "fetcher",
    "jobs",
)


def _common(options: dict[str, Any]) -> dict[str, Any]:
    """The options both readers share, picked from a reader's ``locals()``."""
    return {name: options[name] for name in _SHARED_OPTIONS}


def _read(
    source: Path,
    version: Version,
    selection: Selection,
    *,
    schema_map: Path | None,
    ontology: Path | None,
    keep_empty: bool,
    images_dir: Path | None,
    fetch_sizes: bool,
    masks_dir: Path | None,
    fetch_masks: bool,
    rbox_pivot: Pivot,
    unknown_tools: UnknownTools,
    frames: Frames,
    split_by: SplitBy,
    ratios: str,
    seed: int,
    split_map: str,
    attribute_map: str,
    validate: bool,
    max_record_mb: float,
    max_zip_ratio: float,
    max_unzipped_mb: float,
    on_error: OnError,
    diagnostics: Diagnostics | None,
    fetcher: Fetcher | None,
    jobs: Jobs | None,
) -> Dataset:
    """Check the options, plan the read and run pass 1; the items run pass 2."""
    for flag, wanted in (("fetch_sizes", fetch_sizes), ("fetch_masks", fetch_masks)):
        if wanted and fetcher is None:
            raise ConversionError(
                f"{flag} needs a fetcher for the asset URLs: pass fetcher=, or read "
                "through ango_convert.read or the command line, which provide one"
            )
    try:
        splitter = Splitter.build(split_by, ratios, seed, split_map)
        names = parse_attribute_map(attribute_map)
        limits = Limits.from_options(max_record_mb, max_zip_ratio, max_unzipped_mb)
    except ValueError as exc:
        raise ConversionError(str(exc)) from None
    rules = ItemRules(
        version=version,
        selection=selection,
        keep_empty=keep_empty,
        frames=frames,
        splitter=splitter,
        attribute_map=names,
    )
    mapping = load_ontology(schema_map, ontology)
    try:
        colours = brush_colours(mapping)
    except ValueError as exc:
        raise ConversionError(f"{ontology}: {exc}") from None
    noted = diagnostics or Diagnostics()
    brushes = BrushReader(
        colours,
        masks_dir=masks_dir,
        fetcher=fetcher if fetch_masks else None,
        unknown_tools=unknown_tools,
        warnings=noted.warnings,
    )
    plan = Plan(
        source=source,
        rules=rules,
        ontology=mapping,
        pivot=rbox_pivot,
        unknown_tools=unknown_tools,
        images_dir=images_dir,
        size_fetcher=fetcher if fetch_sizes else None,
        brushes=brushes,
        limits=limits,
    )
    skips = Skips(on_error, noted.skipped_input)
    info: dict[str, JSONValue] = {"ango:format": f"ango-{version}", "ango:source": str(source)}
    if jobs is not None and can_shard(plan, skips, jobs):
        categories, shards = sharded_first_pass(plan, validate, skips, jobs)
        if shards is not None:
            return Dataset(categories=categories, items=ShardedItems(shards), info=info)
    else:
        categories = first_pass(plan, validate, skips)
    return Dataset(categories=categories, items=ExportItems(plan, categories, skips), info=info)
