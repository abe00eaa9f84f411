"""The two passes of the Ango export reader over the file.

Pass 1 (:func:`first_pass`, at read time) checks each record, applies the filters,
refuses duplicates and collects class titles to fix the category list; nothing is
decoded. Pass 2 (:class:`ExportItems`, each time a writer iterates the items) reads the
file again and decodes each kept record into its items, so memory stays flat however
large the export.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ango_convert.errors import ReadError, SchemaValidationError
from ango_convert.formats.ango.decode import AngoDecoder, NameCollector, UnknownTools
from ango_convert.formats.ango.geometry import Pivot
from ango_convert.formats.ango_export.brush import BrushReader
from ango_convert.formats.ango_export.checks import checked, log_left_out, schema_note, where
from ango_convert.formats.ango_export.duplicates import Duplicates, kept_keys
from ango_convert.formats.ango_export.items import ItemRules, build_items
from ango_convert.formats.ango_export.limits import Limits
from ango_convert.formats.ango_export.records import RawRecord, iter_records
from ango_convert.formats.ango_export.selection import asset_key, select, why_left_out
from ango_convert.formats.ango_export.sizes import SizeFinder
from ango_convert.formats.ango_export.skips import Skips
from ango_convert.io.remote import Fetcher
from ango_convert.model import Category, Item
from ango_convert.ontology import Ontology

#: The reader's logger.
logger = logging.getLogger("ango_convert.formats.ango_export")


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """Everything a pass needs besides the file."""

    source: Path
    rules: ItemRules
    ontology: Ontology
    pivot: Pivot
    unknown_tools: UnknownTools
    images_dir: Path | None
    size_fetcher: Fetcher | None
    brushes: BrushReader | None = None
    limits: Limits = field(default_factory=Limits)


def first_pass(plan: Plan, validate: bool, skips: Skips) -> tuple[Category, ...]:
    """Validate, filter, refuse duplicates and collect class names; nothing is decoded."""
    rules = plan.rules
    duplicates = Duplicates(
        lambda: kept_keys(plan.source, rules.version, rules.selection, skips, plan.limits)
    )
    records = iter_records(plan.source, tolerant=skips.active, limits=plan.limits)
    collector, counts = survey_records(plan, validate, skips, records, duplicates)
    duplicates.finish()
    log_left_out(counts, rules)
    return collector.categories()


def survey_records(
    plan: Plan,
    validate: bool,
    skips: Skips,
    records: Iterable[RawRecord],
    duplicates: Duplicates,
) -> tuple[NameCollector, Counter[str]]:
    """Pass 1 over some records: the class names they use and why records were left out."""
    collector = NameCollector(plan.ontology)
    rules = plan.rules
    counts: Counter[str] = Counter()
    for raw in records:
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
            counts[why_left_out(raw.value, rules.version, rules.selection)] += 1
            continue
        if duplicates.check(asset_key(raw.value), raw, skips):
            for answer in answers:
                collector.add(answer.objects)
                if answer.brush_url and plan.brushes is not None:
                    # Which brush classes a PNG holds is known only once it is decoded.
                    collector.titles.update(plan.brushes.colours.values())
    return collector, counts


class ExportItems:
    """The items of an export, re-read from the file on every iteration.

    Records pass 1 left out (``on_error="skip"``) are passed by; a record that fails to
    decode is noted (once, however often the items are read) and left out too.
    """

    def __init__(
        self, plan: Plan, categories: tuple[Category, ...], skips: Skips | None = None
    ) -> None:
        self._plan = plan
        self._categories = categories
        self._skips = skips or Skips()
        self._ids = {c.name: c.id for c in categories}

    def _items_of(self, raw: RawRecord, decoder: AngoDecoder, sizes: SizeFinder) -> list[Item]:
        if raw.error is not None:
            raise raw.error
        rules = self._plan.rules
        try:
            answers = select(raw.value, rules.version, rules.selection)
            if answers is None:
                return []
            return list(
                build_items(
                    raw.value, answers, decoder, rules, sizes, self._plan.brushes, self._ids
                )
            )
        except ValueError as exc:
            raise ReadError(raw.source, where(raw), str(exc)) from None

    def __iter__(self) -> Iterator[Item]:
        plan = self._plan
        return self.items_of(
            iter_records(plan.source, tolerant=self._skips.active, limits=plan.limits)
        )

    def items_of(self, records: Iterable[RawRecord]) -> Iterator[Item]:
        """The items of ``records`` (all of the file's, or one shard's), in order."""
        plan = self._plan
        decoder = AngoDecoder(
            self._categories,
            plan.ontology,
            pivot=plan.pivot,
            unknown_tools=plan.unknown_tools,
        )
        sizes = SizeFinder(plan.images_dir, plan.size_fetcher)
        skips = self._skips
        for raw in records:
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
