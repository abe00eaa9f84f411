"""Pairing the objects of one item in dataset A with those of the same item in B.

Objects pair only with objects of the same kind (a polygon and a mask count as one kind,
regions), and only at an IoU of at least the
threshold (:mod:`ango_convert.views.overlap`). Pairs are taken greedily, highest IoU
first: first between objects of the same class, then, among the objects still unpaired,
across classes (those count as relabelled). Objects identical in class and geometry are
paired before anything else: their IoU is 1, the highest there is, so greedy order
would pair them first anyway, and a dictionary finds them without comparing every pair.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

from ango_convert.model import Annotation
from ango_convert.views.changes import largest_change
from ango_convert.views.overlap import comparable_extent, iou_within
from ango_convert.views.shapes import Extent, family, geometry_key


@dataclass(frozen=True, slots=True)
class Pair:
    """An object of A (index ``first``) paired with one of B (``second``)."""

    first: int
    second: int
    iou: float
    change: float


@dataclass(slots=True)
class ItemMatch:
    """How the objects of one item pair up.

    ``same_class`` pairs have equal classes (unchanged or moved, by ``change``);
    ``relabelled`` pairs do not; ``removed`` and ``added`` are indexes of the objects of
    A and of B left unpaired.
    """

    same_class: list[Pair] = field(default_factory=list)
    relabelled: list[Pair] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    added: list[int] = field(default_factory=list)


def match_objects(
    first: Sequence[Annotation],
    second: Sequence[Annotation],
    first_classes: Sequence[str],
    second_classes: Sequence[str],
    threshold: float,
) -> ItemMatch:
    """Pair the objects of one item of A with those of B.

    Args:
        first: The item's annotations in A.
        second: The item's annotations in B.
        first_classes: The class name of each annotation of A.
        second_classes: The class name of each annotation of B.
        threshold: The least IoU at which two objects can pair, in (0, 1].

    Returns:
        The pairs and the unpaired objects.
    """
    result = ItemMatch()
    open_first, open_second = _identical(first, second, first_classes, second_classes, result)
    if open_first and open_second:
        candidates = _candidates(first, second, open_first, open_second, threshold)
        taken_first: set[int] = set()
        taken_second: set[int] = set()
        for same in (True, False):
            chosen = [
                c for c in candidates if (first_classes[c[1]] == second_classes[c[2]]) == same
            ]
            chosen.sort(key=lambda c: (-c[0], c[1], c[2]))
            target = result.same_class if same else result.relabelled
            for overlap, i, j in chosen:
                if i in taken_first or j in taken_second:
                    continue
                taken_first.add(i)
                taken_second.add(j)
                target.append(Pair(i, j, overlap, largest_change(first[i], second[j])))
        open_first = [i for i in open_first if i not in taken_first]
        open_second = [j for j in open_second if j not in taken_second]
    result.removed.extend(open_first)
    result.added.extend(open_second)
    return result


def _identical(
    first: Sequence[Annotation],
    second: Sequence[Annotation],
    first_classes: Sequence[str],
    second_classes: Sequence[str],
    result: ItemMatch,
) -> tuple[list[int], list[int]]:
    """Pair objects equal in class and geometry; returns the indexes left open."""
    waiting: dict[tuple[str, Hashable], list[int]] = defaultdict(list)
    for j, annotation in enumerate(second):
        waiting[second_classes[j], geometry_key(annotation)].append(j)
    open_first: list[int] = []
    for i, annotation in enumerate(first):
        same = waiting.get((first_classes[i], geometry_key(annotation)))
        if same:
            result.same_class.append(Pair(i, same.pop(0), 1.0, 0.0))
        else:
            open_first.append(i)
    open_second = sorted(j for indexes in waiting.values() for j in indexes)
    return open_first, open_second


def _candidates(
    first: Sequence[Annotation],
    second: Sequence[Annotation],
    open_first: list[int],
    open_second: list[int],
    threshold: float,
) -> list[tuple[float, int, int]]:
    """Every (IoU, i, j) of open objects of one kind with an IoU of at least ``threshold``.

    B's objects are sorted by left edge, so each object of A is compared only with those
    whose extent starts before its own ends (extents that do not touch have IoU 0).
    """
    found: list[tuple[float, int, int]] = []
    by_kind: dict[str, list[tuple[float, int, Extent | None]]] = defaultdict(list)
    for j in open_second:
        box = comparable_extent(second[j])
        by_kind[family(second[j].kind)].append((box[0] if box else float("-inf"), j, box))
    for entries in by_kind.values():
        entries.sort(key=lambda entry: (entry[0], entry[1]))
    lefts = {kind: [entry[0] for entry in entries] for kind, entries in by_kind.items()}
    for i in open_first:
        annotation = first[i]
        kind = family(annotation.kind)
        if kind not in by_kind:
            continue
        entries = by_kind[kind]
        box = comparable_extent(annotation)
        stop = bisect_right(lefts[kind], box[2]) if box else len(entries)
        for _, j, other in entries[:stop]:
            if box is not None and other is not None and other[2] < box[0]:
                continue
            overlap = iou_within(annotation, second[j], box, other)
            if overlap >= threshold:
                found.append((overlap, i, j))
    return found
