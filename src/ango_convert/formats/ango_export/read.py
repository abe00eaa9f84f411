"""Reading Ango V2 and V3 exports into the IR, streamed in two passes."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ango_convert.errors import (
    ConversionError,
    OnError,
    ReadError,
    SchemaValidationError,
)
from ango_convert.formats.ango.decode import AngoDecoder, NameCollector, UnknownTools
from ango_convert.formats.ango.geometry import Pivot
from ango_convert.formats.ango_export import records as stream
from ango_convert.formats.ango_export.assets import (
    Frames,
    ItemRules,
    Selection,
    TaskChoice,
    Version,
    asset_key,
    build_items,
    select,
)
from ango_convert.formats.ango_export.checks import (
    Duplicates,
    Skips,
    checked,
    kept_keys,
    log_left_out,
    schema_note,
    where,
    why_left_out,
)
from ango_convert.formats.ango_export.extras import (
    SizeFinder,
    SplitBy,
    Splitter,
    parse_attribute_map,
)
from ango_convert.io.remote import Fetcher
from ango_convert.model import Category, Dataset, Item, JSONValue
from ango_convert.ontology import Ontology, load_ontology
from ango_convert.report import Diagnostics

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Plan:
    """Everything a pass needs besides the file."""

    source: Path
    rules: ItemRules
    ontology: Ontology
    pivot: Pivot
    unknown_tools: UnknownTools
    images_dir: Path | None
    size_fetcher: Fetcher | None


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
    rbox_pivot: Pivot = "corner",
    unknown_tools: UnknownTools = "error",
    frames: Frames = "split",
    split_by: SplitBy = "none",
    ratios: str = "0.8,0.2",
    seed: int = 0,
    split_map: str = "",
    attribute_map: str = "",
    validate: bool = True,
    on_error: OnError = "strict",
    diagnostics: Diagnostics | None = None,
    fetcher: Fetcher | None = None,
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
        on_error: ``skip`` leaves out each asset record that does not parse (an NDJSON
            line), breaks the schema, repeats an externalId or does not decode, listing
            it in ``Dataset.info["skipped_input"]``; the decoding pass adds its own while
            the items are read. A broken JSON array still stops the read.

    Returns:
        The dataset; its items re-read the export on every pass.
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
    rbox_pivot: Pivot = "corner",
    unknown_tools: UnknownTools = "error",
    frames: Frames = "split",
    split_by: SplitBy = "none",
    ratios: str = "0.8,0.2",
    seed: int = 0,
    split_map: str = "",
    attribute_map: str = "",
    validate: bool = True,
    on_error: OnError = "strict",
    diagnostics: Diagnostics | None = None,
    fetcher: Fetcher | None = None,
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
    "rbox_pivot",
    "unknown_tools",
    "frames",
    "split_by",
    "ratios",
    "seed",
    "split_map",
    "attribute_map",
    "validate",
    "on_error",
    "diagnostics",
    "fetcher",
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
    rbox_pivot: Pivot,
    unknown_tools: UnknownTools,
    frames: Frames,
    split_by: SplitBy,
    ratios: str,
    seed: int,
    split_map: str,
    attribute_map: str,
    validate: bool,
    on_error: OnError,
    diagnostics: Diagnostics | None,
    fetcher: Fetcher | None,
) -> Dataset:

    if fetch_sizes and fetcher is None:
        raise ConversionError(
            "fetch_sizes needs a fetcher for the asset URLs: read through "
            "ango_convert.read (or the command line), which provides one"
        )
    try:
        splitter = Splitter.build(split_by, ratios, seed, split_map)
        names = parse_attribute_map(attribute_map)
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
    plan = _Plan(
        source=source,
        rules=rules,
        ontology=load_ontology(schema_map, ontology),
        pivot=rbox_pivot,
        unknown_tools=unknown_tools,
        images_dir=images_dir,
        size_fetcher=fetcher if fetch_sizes else None,
    )
    skips = Skips(on_error, (diagnostics or Diagnostics()).skipped_input)
    categories = _first_pass(plan, validate, skips)
    info: dict[str, JSONValue] = {"ango:format": f"ango-{version}", "ango:source": str(source)}
    return Dataset(categories=categories, items=ExportItems(plan, categories, skips), info=info)


def _first_pass(plan: _Plan, validate: bool, skips: Skips) -> tuple[Category, ...]:
    """Validate, filter, refuse duplicates and collect class names; nothing is decoded."""
    collector = NameCollector(plan.ontology)
    rules = plan.rules
    counts: Counter[str] = Counter()
    duplicates = Duplicates(lambda: kept_keys(plan.source, rules, skips))
    for raw in stream.iter_records(plan.source, tolerant=skips.active):
        counts["records"] += 1
        try:
            answers = checked(raw, plan.rules, plan.unknown_tools, validate)
        except ReadError as exc:
            skips.handle(exc, raw.index)
            continue
        except SchemaValidationError as exc:
            skips.handle(exc, raw.index, note=schema_note(raw, exc))
            continue
        if answers is None:
            counts[why_left_out(raw.value, rules)] += 1
            continue
        if duplicates.check(asset_key(raw.value), raw, where(raw), skips):
            for answer in answers:
                collector.add(answer.objects)
    duplicates.finish()
    log_left_out(counts, rules)
    return collector.categories()


class ExportItems:
    """The items of an export, re-read from the file on every iteration.

    Records pass 1 left out (``on_error="skip"``) are passed by; a record that fails to
    decode is noted (once, however often the items are read) and left out too.
    """

    def __init__(
        self, plan: _Plan, categories: tuple[Category, ...], skips: Skips | None = None
    ) -> None:
        self._plan = plan
        self._categories = categories
        self._skips = skips or Skips()

    def _items_of(
        self, raw: stream.RawRecord, decoder: AngoDecoder, sizes: SizeFinder
    ) -> list[Item]:
        if raw.error is not None:
            raise raw.error
        rules = self._plan.rules
        try:
            answers = select(raw.value, rules.version, rules.selection)
            if answers is None:
                return []
            return list(build_items(raw.value, answers, decoder, rules, sizes))
        except ValueError as exc:
            raise ReadError(raw.source, where(raw), str(exc)) from None

    def __iter__(self) -> Iterator[Item]:
        plan = self._plan
        decoder = AngoDecoder(
            self._categories,
            plan.ontology,
            pivot=plan.pivot,
            unknown_tools=plan.unknown_tools,
        )
        sizes = SizeFinder(plan.images_dir, plan.size_fetcher)
        skips = self._skips
        for raw in stream.iter_records(plan.source, tolerant=skips.active):
            if raw.index in skips.indices:
                continue
            try:
                items = self._items_of(raw, decoder, sizes)
            except ReadError as exc:
                skips.handle(exc, raw.index)
                continue
            yield from items
        if decoder.skipped:
            logger.warning(
                "skipped objects of tools with no COCO/VOC/YOLO counterpart: %s",
                ", ".join(f"{n} {tool}" for tool, n in sorted(decoder.skipped.items())),
            )

