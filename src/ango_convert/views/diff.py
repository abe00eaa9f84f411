"""What changed between two datasets, object by object, through the IR.

Items are paired by file name, then by id (:mod:`ango_convert.views.pairing`); the
objects of each pair are matched by IoU (:mod:`ango_convert.views.matching`). Classes are
compared by name, so datasets that number their classes differently (COCO and YOLO)
compare as they should, and keypoints by name (:mod:`ango_convert.views.poses`). Each
object of A is then:

* **unchanged**: matched in its class, no coordinate moved more than ``tolerance``;
* **moved**: matched in its class, some coordinate moved more (the largest change is
  reported, see :mod:`ango_convert.views.changes`);
* **relabelled**: matched to an object of another class;
* **removed**: not matched;

and each object of B not matched is **added**. Attributes are not compared.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ango_convert._gc import cyclic_gc_paused
from ango_convert.model import Category, Dataset, Item
from ango_convert.views.matching import ItemMatch, match_objects
from ango_convert.views.pairing import paired_items
from ango_convert.views.poses import pose_aligners

#: Coordinate changes up to this many pixels count as unchanged: far above the rounding
#: of any format written here (YOLO keeps 9 decimals of normalised coordinates) and far
#: below a change anyone draws.
DEFAULT_TOLERANCE = 0.01
DEFAULT_IOU = 0.5
#: Examples kept per outcome.
MAX_EXAMPLES = 20
OUTCOMES = ("unchanged", "moved", "relabelled", "removed", "added")


@dataclass
class ClassDiff:
    """One class's outcome.

    Attributes:
        name: The class name.
        first: Its objects in A.
        second: Its objects in B.
        unchanged: Objects of A matched in this class, within the tolerance.
        moved: Objects of A matched in this class, moved beyond the tolerance.
        relabelled_away: Objects of A of this class that B has under another class.
        relabelled_into: Objects of B of this class that A had under another class.
        removed: Objects of A of this class with no match in B.
        added: Objects of B of this class with no match in A.
        largest_change: The largest coordinate change of a moved object (pixels);
            ``inf`` when a pose gained or lost a labelled keypoint.
        largest_change_item: The file name of the item where it is.
    """

    name: str
    first: int = 0
    second: int = 0
    unchanged: int = 0
    moved: int = 0
    relabelled_away: int = 0
    relabelled_into: int = 0
    removed: int = 0
    added: int = 0
    largest_change: float = 0.0
    largest_change_item: str | None = None

    @property
    def kept(self) -> int:
        """Objects of A matched in their class (unchanged or moved)."""
        return self.unchanged + self.moved

    @property
    def precision(self) -> float | None:
        """Share of A's objects of this class that B kept in it (pre-labels kept)."""
        return self.kept / self.first if self.first else None

    @property
    def recall(self) -> float | None:
        """Share of B's objects of this class that came from A's (labels pre-drawn)."""
        return self.kept / self.second if self.second else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form; an infinite change is written as null."""
        return {
            "first": self.first,
            "second": self.second,
            "unchanged": self.unchanged,
            "moved": self.moved,
            "relabelled_away": self.relabelled_away,
            "relabelled_into": self.relabelled_into,
            "removed": self.removed,
            "added": self.added,
            "precision": self.precision,
            "recall": self.recall,
            "largest_change": _finite(self.largest_change),
            "largest_change_item": self.largest_change_item,
        }


@dataclass
class DiffReport:
    """What changed from dataset A to dataset B.

    Attributes:
        iou: The IoU threshold objects were matched at.
        tolerance: Pixels a coordinate may move and still count as unchanged.
        items_paired: Items found in both.
        items_only_first: Items of A without a partner in B (their objects: removed).
        items_only_second: Items of B without a partner in A (their objects: added).
        classes: Per class name, in A's category order, then B's new ones.
        relabellings: ``(class in A, class in B)`` -> count.
        examples: Up to :data:`MAX_EXAMPLES` entries per outcome (not ``unchanged``), and
            unpaired items, each ``{outcome, item, class, ...}``.
    """

    iou: float
    tolerance: float
    items_paired: int = 0
    items_only_first: int = 0
    items_only_second: int = 0
    classes: dict[str, ClassDiff] = field(default_factory=dict)
    relabellings: Counter[tuple[str, str]] = field(default_factory=Counter)
    examples: list[dict[str, Any]] = field(default_factory=list)

    def total(self, outcome: str) -> int:
        """The count of one outcome (see :data:`OUTCOMES`) over all classes."""
        if outcome == "relabelled":
            return sum(c.relabelled_away for c in self.classes.values())
        return sum(getattr(c, outcome) for c in self.classes.values())

    @property
    def equal(self) -> bool:
        """True when every object is unchanged and every item paired."""
        return not (
            self.items_only_first
            or self.items_only_second
            or any(self.total(outcome) for outcome in OUTCOMES[1:])
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (``ango-convert diff --json``)."""
        return {
            "equal": self.equal,
            "iou": self.iou,
            "tolerance": self.tolerance,
            "items": {
                "paired": self.items_paired,
                "only_first": self.items_only_first,
                "only_second": self.items_only_second,
            },
            "totals": {outcome: self.total(outcome) for outcome in OUTCOMES},
            "classes": {name: row.to_dict() for name, row in self.classes.items()},
            "relabellings": [
                {"first": before, "second": after, "count": count}
                for (before, after), count in sorted(self.relabellings.items())
            ],
            "examples": self.examples,
        }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def diff(
    first: Dataset,
    second: Dataset,
    iou: float = DEFAULT_IOU,
    tolerance: float = DEFAULT_TOLERANCE,
) -> DiffReport:
    """Measure what changed from ``first`` (A) to ``second`` (B).

    Each dataset's items are iterated once; streamed datasets are not held in memory
    (see :mod:`ango_convert.views.pairing` for what waits when their orders differ).

    Args:
        first: Dataset A (the payload sent, the source of a conversion...).
        second: Dataset B (the export after review, the converted output...).
        iou: The least IoU at which two objects match, in (0, 1].
        tolerance: Pixels a coordinate may move and still count as unchanged (>= 0).

    Returns:
        The outcome per class and in total.

    Raises:
        ValueError: ``iou`` or ``tolerance`` out of range.
    """
    if not 0.0 < iou <= 1.0:
        raise ValueError(f"iou must be in (0, 1], got {iou!r}")
    if not tolerance >= 0.0:
        raise ValueError(f"tolerance must be 0 or more, got {tolerance!r}")
    tally = _Tally(DiffReport(iou=iou, tolerance=tolerance), first.categories, second.categories)
    with cyclic_gc_paused():  # streamed datasets are read in here (see ango_convert._gc)
        for item_a, item_b in paired_items(first.items, second.items):
            tally.add(item_a, item_b)
    return tally.report


class _Tally:
    """Folds item pairs into a :class:`DiffReport`."""

    def __init__(
        self,
        report: DiffReport,
        first_categories: tuple[Category, ...],
        second_categories: tuple[Category, ...],
    ) -> None:
        self.report = report
        self.first_names = {c.id: c.name for c in first_categories}
        self.second_names = {c.id: c.name for c in second_categories}
        self.align_first, self.align_second = pose_aligners(first_categories, second_categories)
        for name in (*self.first_names.values(), *self.second_names.values()):
            self._row(name)
        self.example_counts: Counter[str] = Counter()

    def _row(self, name: str) -> ClassDiff:
        row = self.report.classes.get(name)
        if row is None:
            row = self.report.classes[name] = ClassDiff(name=name)
        return row

    def _classes(self, item: Item, names: dict[int, str]) -> list[str]:
        return [
            names.get(annotation.category_id, f"#{annotation.category_id}")
            for annotation in item.annotations
        ]

    def add(self, item_a: Item | None, item_b: Item | None) -> None:
        report = self.report
        classes_a = self._classes(item_a, self.first_names) if item_a else []
        classes_b = self._classes(item_b, self.second_names) if item_b else []
        for name in classes_a:
            self._row(name).first += 1
        for name in classes_b:
            self._row(name).second += 1
        if item_b is None:  # only in A: its objects were removed
            assert item_a is not None
            report.items_only_first += 1
            for name in classes_a:
                self._row(name).removed += 1
            self._example("only_first", item_a, None)
            return
        if item_a is None:  # only in B: its objects were added
            report.items_only_second += 1
            for name in classes_b:
                self._row(name).added += 1
            self._example("only_second", item_b, None)
            return
        report.items_paired += 1
        item_a, item_b = self.align_first(item_a), self.align_second(item_b)
        match = match_objects(
            item_a.annotations, item_b.annotations, classes_a, classes_b, report.iou
        )
        self._fold(match, item_a, item_b, classes_a, classes_b)

    def _fold(
        self,
        match: ItemMatch,
        item_a: Item,
        item_b: Item,
        classes_a: list[str],
        classes_b: list[str],
    ) -> None:
        tolerance = self.report.tolerance
        for pair in match.same_class:
            row = self._row(classes_a[pair.first])
            if pair.change <= tolerance:
                row.unchanged += 1
                continue
            row.moved += 1
            if pair.change > row.largest_change or row.largest_change_item is None:
                row.largest_change = pair.change
                row.largest_change_item = item_a.file_name
            self._example(
                "moved",
                item_a,
                {"class": row.name, "change": _finite(pair.change), "iou": round(pair.iou, 4)},
            )
        for pair in match.relabelled:
            before, after = classes_a[pair.first], classes_b[pair.second]
            self._row(before).relabelled_away += 1
            self._row(after).relabelled_into += 1
            self.report.relabellings[before, after] += 1
            self._example("relabelled", item_a, {"class": before, "to": after})
        for index in match.removed:
            self._row(classes_a[index]).removed += 1
            kind = item_a.annotations[index].kind
            self._example("removed", item_a, {"class": classes_a[index], "kind": kind})
        for index in match.added:
            self._row(classes_b[index]).added += 1
            kind = item_b.annotations[index].kind
            self._example("added", item_b, {"class": classes_b[index], "kind": kind})

    def _example(self, outcome: str, item: Item, detail: dict[str, Any] | None) -> None:
        if self.example_counts[outcome] >= MAX_EXAMPLES:
            return
        self.example_counts[outcome] += 1
        self.report.examples.append({"outcome": outcome, "item": item.file_name, **(detail or {})})
