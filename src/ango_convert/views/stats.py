"""Dataset statistics in one pass over the items, in bounded memory.

``stats(dataset)`` iterates ``dataset.items`` once (an Ango export is read as it goes)
and keeps only aggregates, so a dataset of any size is summed up in flat memory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from ango_convert._gc import cyclic_gc_paused
from ango_convert.model import Category, Classification, Dataset, Item, JSONValue
from ango_convert.views.shapes import AREA_KINDS, Extent, degenerate_reason, extent
from ango_convert.views.tallies import Histogram, Spread, ValueCounts, spread_of_counts

#: How close to the image's border (in pixels) an object counts as on the edge.
EDGE_PX = 0.5
#: COCO's area ranges: small below 32², medium below 96², large above.
SMALL_AREA = 32.0**2
LARGE_AREA = 96.0**2
POSITIONS = ("outside", "overhanging", "on_edge")


@dataclass(frozen=True, slots=True)
class ClassStats:
    """One class: its objects, the items that have one, and its objects by kind."""

    name: str
    objects: int
    items: int
    kinds: dict[str, int]


@dataclass(frozen=True)
class Stats:
    """What a dataset holds.

    Attributes:
        items: Items (images, frames, pages).
        items_without_objects: Items with no annotation.
        objects: Annotations.
        objects_per_item: Spread of annotations per item (exact).
        classes: Per class name, in the dataset's category order (unknown ids last, as
            ``#<id>``).
        kinds: Annotations per kind.
        relative_width: Spread of each area object's width over its image's width
            (boxes, rotated boxes, polygons, masks, by their extent; median to 0.001).
        relative_height: The same for heights.
        area_sizes: Area objects by COCO size: ``small`` (< 32²), ``medium``,
            ``large`` (> 96²), by the area of their extent in pixels.
        without_image_size: Objects on items whose size the source does not give (left
            out of the relative sizes and the position counts).
        position: Objects ``outside`` the image (not even touching it), ``overhanging``
            (partly out), ``on_edge`` (inside, within half a pixel of the border).
        degenerate: Objects without usable geometry, by reason.
        attributes: Free attributes (keys without a ``prefix:``): value counts per key.
        classifications: Whole-item answers: counts per question title.
    """

    items: int
    items_without_objects: int
    objects: int
    objects_per_item: Spread | None
    classes: dict[str, ClassStats]
    kinds: dict[str, int]
    relative_width: Spread | None
    relative_height: Spread | None
    area_sizes: dict[str, int]
    without_image_size: int
    position: dict[str, int]
    degenerate: dict[str, int]
    attributes: dict[str, dict[str, int]] = field(default_factory=dict)
    classifications: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (``ango-convert stats --json``)."""
        return {
            "items": self.items,
            "items_without_objects": self.items_without_objects,
            "objects": self.objects,
            "objects_per_item": _spread(self.objects_per_item),
            "classes": {
                name: {"objects": c.objects, "items": c.items, "kinds": c.kinds}
                for name, c in self.classes.items()
            },
            "kinds": self.kinds,
            "relative_width": _spread(self.relative_width),
            "relative_height": _spread(self.relative_height),
            "area_sizes": self.area_sizes,
            "without_image_size": self.without_image_size,
            "position": self.position,
            "degenerate": self.degenerate,
            "attributes": self.attributes,
            "classifications": self.classifications,
        }


def _spread(spread: Spread | None) -> dict[str, float] | None:
    return None if spread is None else spread.to_dict()


def stats(dataset: Dataset) -> Stats:
    """Count what a dataset holds, iterating its items once.

    Args:
        dataset: Any dataset; lazy item streams are read once and not kept.

    Returns:
        The figures, see :class:`Stats`.
    """
    collector = StatsCollector(dataset.categories)
    with cyclic_gc_paused():  # a streamed dataset is read in here (see ango_convert._gc)
        collector.add_all(dataset.items)
    return collector.result()


class StatsCollector:
    """Folds items into the figures of :class:`Stats`, one item at a time."""

    def __init__(self, categories: Iterable[Category]) -> None:
        self._names = {category.id: category.name for category in categories}
        self._order = list(self._names)
        self.items = 0
        self.empty_items = 0
        self.per_item: Counter[int] = Counter()
        self.by_class_kind: Counter[tuple[int, str]] = Counter()
        self.items_by_class: Counter[int] = Counter()
        self.widths = Histogram()
        self.heights = Histogram()
        self.area_sizes = [0, 0, 0]  # small, medium, large
        self.without_size = 0
        self.position: Counter[str] = Counter()
        self.degenerate: Counter[str] = Counter()
        self.attributes = ValueCounts()
        self.classifications = ValueCounts()

    def add_all(self, items: Iterable[Item]) -> None:
        """Fold in every item."""
        for item in items:
            self.add(item)

    def add(self, item: Item) -> None:
        """Fold in one item."""
        self.items += 1
        annotations = item.annotations
        self.per_item[len(annotations)] += 1
        if not annotations:
            self.empty_items += 1
        size = (item.width, item.height) if item.width and item.height else None
        keys = [(annotation.category_id, annotation.kind) for annotation in annotations]
        self.by_class_kind.update(keys)  # counted in C
        self.items_by_class.update({category_id for category_id, _ in keys})
        for annotation, (_, kind) in zip(annotations, keys, strict=True):
            reason = degenerate_reason(annotation)
            if reason is not None:
                self.degenerate[reason] += 1
            for key, value in annotation.attributes.items():
                if ":" not in key:
                    self.attributes.add(key, _text(value))
            box = extent(annotation)
            if box is None:
                continue
            if size is not None:
                self._place(box, size[0], size[1], kind in AREA_KINDS)
            else:
                self.without_size += 1
        self._answers(item.classifications, "")

    def _place(self, box: Extent, width: int, height: int, has_area: bool) -> None:
        """Count where an object lies on its image and, for area kinds, its size."""
        x0, y0, x1, y1 = box
        if x0 > width or y0 > height or x1 < 0 or y1 < 0:
            self.position["outside"] += 1
        elif x0 < 0 or y0 < 0 or x1 > width or y1 > height:
            self.position["overhanging"] += 1
        elif x0 <= EDGE_PX or y0 <= EDGE_PX or x1 >= width - EDGE_PX or y1 >= height - EDGE_PX:
            self.position["on_edge"] += 1
        if not has_area:
            return
        box_width, box_height = x1 - x0, y1 - y0
        self.widths.add(box_width / width)
        self.heights.add(box_height / height)
        area = box_width * box_height
        self.area_sizes[0 if area < SMALL_AREA else 2 if area > LARGE_AREA else 1] += 1

    def _answers(self, classifications: Iterable[Classification], prefix: str) -> None:
        for classification in classifications:
            title = prefix + classification.title
            answers = classification.answer
            for answer in (answers,) if isinstance(answers, str) else answers:
                self.classifications.add(title, answer)
            self._answers(classification.children, title + "/")

    def result(self) -> Stats:
        """The figures so far."""
        names = self._names
        order = self._order + sorted({cid for cid, _ in self.by_class_kind if cid not in names})
        classes: dict[str, ClassStats] = {}
        kinds: Counter[str] = Counter()
        for category_id in order:
            name = names.get(category_id, f"#{category_id}")
            per_kind = {
                kind: count
                for (cid, kind), count in sorted(self.by_class_kind.items(), key=_kind_order)
                if cid == category_id
            }
            kinds.update(per_kind)
            previous = classes.get(name)
            if previous is not None:  # two ids of one name (rare): one row
                merged = Counter(previous.kinds)
                merged.update(per_kind)
                per_kind = dict(merged)
            classes[name] = ClassStats(
                name=name,
                objects=sum(per_kind.values()),
                items=self.items_by_class[category_id] + (previous.items if previous else 0),
                kinds=per_kind,
            )
        return Stats(
            items=self.items,
            items_without_objects=self.empty_items,
            objects=sum(self.by_class_kind.values()),
            objects_per_item=spread_of_counts(self.per_item),
            classes=classes,
            kinds=dict(sorted(kinds.items())),
            relative_width=self.widths.spread(),
            relative_height=self.heights.spread(),
            area_sizes=dict(zip(("small", "medium", "large"), self.area_sizes, strict=True)),
            without_image_size=self.without_size,
            position={where: self.position[where] for where in POSITIONS},
            degenerate=dict(sorted(self.degenerate.items())),
            attributes=self.attributes.to_dict(),
            classifications=self.classifications.to_dict(),
        )


def _kind_order(entry: tuple[tuple[int, str], int]) -> str:
    return entry[0][1]


def _text(value: JSONValue) -> str:
    """An attribute value as table text: strings as they are, the rest as JSON."""
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()
