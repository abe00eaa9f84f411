"""Keypoints compared by name, not by position in a list.

Two datasets may list a class's keypoints differently: an Ango payload drops the names
of keypoints never labelled, a plain YOLO pose file has no names at all. Before two poses
are compared, each is rewritten onto one list of names per class (A's names, then B's
new ones), a keypoint missing from a side counting as not labelled. Where either side
has no names, keypoints are compared by position.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from ango_convert.model import Category, Item, Keypoints

_UNLABELLED = (0.0, 0.0, 0)


class PoseAligner:
    """Rewrites the poses of one side's items onto the shared keypoint lists."""

    def __init__(self, layouts: dict[int, tuple[int, tuple[int, ...]]]) -> None:
        # category id -> (length of the shared list, slot of each own keypoint in it)
        self._layouts = layouts

    def __call__(self, item: Item) -> Item:
        """The item, its poses rewritten where their category needs it."""
        layouts = self._layouts
        if not layouts or not any(
            type(a) is Keypoints and a.category_id in layouts for a in item.annotations
        ):
            return item
        annotations = tuple(
            self._aligned(a) if type(a) is Keypoints and a.category_id in layouts else a
            for a in item.annotations
        )
        return dataclasses.replace(item, annotations=annotations)

    def _aligned(self, pose: Keypoints) -> Keypoints:
        length, slots = self._layouts[pose.category_id]
        points = [_UNLABELLED] * length
        for slot, point in zip(slots, pose.points, strict=False):  # extra points: no name
            points[slot] = point
        return dataclasses.replace(pose, points=tuple(points))


def pose_aligners(
    first: Sequence[Category], second: Sequence[Category]
) -> tuple[PoseAligner, PoseAligner]:
    """The aligners of A's and of B's items (each does nothing where nothing differs)."""
    named_first = {c.name: c.keypoint_names for c in first if c.keypoint_names}
    named_second = {c.name: c.keypoint_names for c in second if c.keypoint_names}
    shared: dict[str, tuple[str, ...]] = {}
    for name in named_first.keys() & named_second.keys():
        own = named_first[name]
        shared[name] = own + tuple(k for k in named_second[name] if k not in own)
    return _aligner(first, shared), _aligner(second, shared)


def _aligner(categories: Sequence[Category], shared: dict[str, tuple[str, ...]]) -> PoseAligner:
    layouts: dict[int, tuple[int, tuple[int, ...]]] = {}
    for category in categories:
        names = shared.get(category.name)
        if names is None or names == category.keypoint_names:
            continue
        slot_of = {name: slot for slot, name in enumerate(names)}
        layouts[category.id] = (len(names), tuple(slot_of[k] for k in category.keypoint_names))
    return PoseAligner(layouts)
