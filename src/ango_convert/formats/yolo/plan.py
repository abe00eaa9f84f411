"""Which task and keypoint shape a YOLO write uses, decided in as few passes as possible.

Items held in memory (a tuple or list) are looked at once up front and the plan is
exact. Streamed items (a reader that re-reads its file on every pass) are written as
they arrive under a provisional plan, which the first objects may still change; only
when an item needs a richer task after objects were already written under a poorer
one (a polygon after boxes written as ``detect``), the rest of the items are scanned
and the write starts over with the exact plan: two passes at most.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field

from ango_convert.errors import ConversionError
from ango_convert.formats.yolo.labels import KptShape, Task
from ango_convert.model import Dataset, Item, Keypoints

_RANK: dict[str, int] = {"detect": 0, "obb": 1, "segment": 2, "pose": 3}


def task_of_kinds(kinds: Collection[str]) -> Task:
    """The task ``auto`` picks from the annotation kinds present."""
    if "keypoints" in kinds:
        return "pose"
    if "polygon" in kinds or "mask" in kinds:
        return "segment"
    if "rotated-box" in kinds:
        return "obb"
    return "detect"


@dataclass
class Stats:
    """What the plan depends on: the annotation kinds and keypoint counts seen."""

    kinds: set[str] = field(default_factory=set)
    counts: set[int] = field(default_factory=set)

    def add(self, item: Item) -> None:
        """Take in one item's annotations."""
        for annotation in item.annotations:
            self.kinds.add(annotation.kind)
            if isinstance(annotation, Keypoints):
                self.counts.add(len(annotation.points))

    def add_all(self, items: Iterable[Item]) -> Stats:
        """Take in every item; returns itself."""
        for item in items:
            self.add(item)
        return self


@dataclass(frozen=True)
class Plan:
    """The task (never ``auto``) and, for pose, the keypoint shape; ``settled`` when
    it holds for the whole dataset."""

    task: Task
    kpt_shape: KptShape | None = None
    settled: bool = True


class Restart(Exception):
    """Objects were written under a plan that turned out too poor: start over."""

    def __init__(self, plan: Plan) -> None:
        super().__init__(plan.task)
        self.plan = plan


def exact_plan(requested: Task, stats: Stats, dataset: Dataset) -> Plan:
    """The plan for the whole dataset, from the stats of all its items.

    Raises:
        ConversionError: Pose with no single keypoint count.
    """
    task = requested if requested != "auto" else task_of_kinds(stats.kinds)
    if task != "pose":
        return Plan(task)
    counts = set(stats.counts)
    if not counts:
        counts = {len(c.keypoint_names) for c in dataset.categories if c.keypoint_names}
    if len(counts) != 1:
        raise ConversionError(
            "YOLO pose needs one keypoint count for the whole dataset, found "
            f"{sorted(counts) or 'none'}"
        )
    return Plan("pose", _shape(counts.pop(), dataset))


def _shape(count: int, dataset: Dataset) -> KptShape:
    declared = dataset.info.get("yolo:kpt_shape")
    dims = 2 if isinstance(declared, list) and declared == [count, 2] else 3
    return count, dims


class Planner:
    """Holds the plan while items stream, and says when it changed."""

    def __init__(self, requested: Task, plan: Plan, dataset: Dataset) -> None:
        self.requested = requested
        self.plan = plan
        self.dataset = dataset
        self.stats = Stats()
        self.committed = False  # objects were written under the current plan

    def admit(self, item: Item, rest: Iterator[Item]) -> bool:
        """Check one item against the plan before it is written.

        Returns:
            True when the plan changed (in place: nothing depended on it yet).

        Raises:
            Restart: The plan must change, and objects were already written.
        """
        if self.plan.settled:
            return False
        self.stats.add(item)
        changed = False
        if not self._fits(self.plan):
            changed = True
            if self.committed or not self._fits(self._adjusted()):
                raise Restart(exact_plan(self.requested, self.stats.add_all(rest), self.dataset))
            self.plan = self._adjusted()
        self.committed = self.committed or bool(item.annotations)
        return changed

    def _fits(self, plan: Plan) -> bool:
        needed = self.requested if self.requested != "auto" else task_of_kinds(self.stats.kinds)
        if _RANK[needed] > _RANK[plan.task]:
            return False
        return plan.task != "pose" or plan.kpt_shape is not None or not self.stats.kinds

    def _adjusted(self) -> Plan:
        task = self.requested if self.requested != "auto" else task_of_kinds(self.stats.kinds)
        if task == "pose" and len(self.stats.counts) == 1:
            count = next(iter(self.stats.counts))
            return Plan("pose", _shape(count, self.dataset), settled=False)
        return Plan(task, settled=False)
