"""Writing a YOLO dataset from sharded items with several workers (``--jobs``).

Each worker sizes its shard's items, finds their images and says what each label would
be named; the parent settles the task (from every shard's objects when ``auto`` or pose
must be worked out, so then every shard is surveyed first) and the unique names, in
shard order, as a one-process write does item by item. The worker then encodes and
writes its label files and places its images into the folder being built. The files,
names and configs are those a one-process write gives.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ango_convert.formats.lossy import Unsupported
from ango_convert.formats.yolo.item_files import (
    SHOWN,
    LabelRequest,
    Unsized,
    claim_label,
    label_request,
    with_size,
)
from ango_convert.formats.yolo.labels import Task
from ango_convert.formats.yolo.plan import Plan, Stats, exact_plan
from ango_convert.model import Dataset, Item
from ango_convert.parallel import Jobs
from ango_convert.parallel.jobs import Stages
from ango_convert.parallel.shards import ShardedItems
from ango_convert.report import WriteReport

if TYPE_CHECKING:
    from ango_convert.formats.yolo.encode import Encoder
    from ango_convert.formats.yolo.write import _Output, _Settings

_Held = list[tuple[Item, str, Path | None]]  # item, split folder, image found


@dataclass
class _Survey:
    stats: Stats
    requests: list[tuple[str, LabelRequest]]
    unsized: list[str]
    unsized_count: int
    read_facts: object = None  # the reader's, for ShardedItems.vouch


@dataclass
class _Written:
    report: WriteReport
    refused: Counter[str]
    converted: Counter[str]
    missing: list[str]
    missing_count: int
    listed: dict[str, list[str]]


def write_sharded(
    dataset: Dataset,
    items: ShardedItems,
    output: _Output,
    settings: _Settings,
    requested: Task,
    make_encoder: Callable[[Plan, Unsupported], Encoder],
    jobs: Jobs,
) -> tuple[Plan, Counter[str], Counter[str]]:
    """Write every shard's label files (and images) into ``output.temp``, merging what
    they counted into ``output``; returns the plan and the refused and converted kinds."""
    from ango_convert.formats.yolo.write import FORMAT_NAME, write_labelled

    settled = requested not in ("auto", "pose")
    surveys: list[_Survey] = []
    plans: list[Plan] = [Plan(requested)] if settled else []
    unsized = Unsized()
    refused: Counter[str] = Counter()
    converted: Counter[str] = Counter()

    def survey(k: int) -> tuple[_Held, _Survey]:
        held: _Held = []
        found = _Survey(Stats(keep_crowd=settings.keep_crowd), [], [], 0)
        local = _local(output, settings, WriteReport(target=""))  # for split names
        for raw in items.shards[k]():
            item = with_size(raw, settings.finder)
            if item.annotations and (item.width is None or item.height is None):
                found.unsized_count += 1
                if len(found.unsized) < SHOWN:
                    found.unsized.append(item.id)
                continue
            if not settled:
                found.stats.add(item)
            split = local.split_of(item)
            source = settings.finder.find(item) if settings.images != "none" else None
            held.append((item, split, source))
            found.requests.append((split, label_request(item, source)))
        found.read_facts = items.facts(k)
        return held, found

    def settle(k: int, found: _Survey) -> tuple[Plan, list[tuple[str, str]]]:
        items.vouch(k, found.read_facts)
        if not plans:
            stats = Stats(keep_crowd=settings.keep_crowd)
            for each in surveys:
                _merge_stats(stats, each.stats)
            plans.append(exact_plan(requested, stats, dataset, settings.on_unsupported))
        for item_id in found.unsized:
            unsized.add(item_id)
        unsized.count += found.unsized_count - len(found.unsized)
        names = [claim_label(output.names[split], request) for split, request in found.requests]
        return plans[0], names

    def emit(held: _Held, seed: tuple[Plan, list[tuple[str, str]]]) -> _Written:
        plan, names = seed
        local = _local(output, settings, WriteReport(target=""))
        policy = Unsupported(FORMAT_NAME, settings.on_unsupported, local.report)
        encoder = make_encoder(plan, policy)
        for (item, split, source), pair in zip(held, names, strict=True):
            write_labelled(local, encoder, item, split, source, pair)
        return _Written(
            local.report,
            policy.refused,
            encoder.converted,
            local.missing,
            local.missing_count,
            dict(local.listed),
        )

    def take(k: int, written: _Written) -> None:
        output.report.absorb(written.report)
        refused.update(written.refused)
        converted.update(written.converted)
        output.missing += written.missing[: max(0, SHOWN - len(output.missing))]
        output.missing_count += written.missing_count
        for split, paths in written.listed.items():
            output.listed[split] += paths

    jobs.staged(
        len(items.shards),
        Stages(survey, settle, emit, take),
        barrier=not settled,
        summaries=surveys,
    )
    unsized.check()
    return plans[0], refused, converted


def _local(output: _Output, settings: _Settings, report: WriteReport) -> _Output:
    """A worker's own view of the output: the same folder, its own counts."""
    from ango_convert.formats.yolo.write import _output

    return _output(settings, output.temp, output.files, report)


def _merge_stats(into: Stats, other: Stats) -> None:
    into.seen |= other.seen
    into.counts |= other.counts
    into.others.update(other.others)
    into.box_classes.update(other.box_classes)
    into.keypoint_classes |= other.keypoint_classes
