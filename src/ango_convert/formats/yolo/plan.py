"""Which task and keypoint shape a YOLO write uses, decided in as few passes as possible.

Items held in memory (a tuple or list) are looked at once up front and the plan is
exact. Streamed items (a reader that re-reads its file on every pass) are written as
they arrive under a provisional plan, which the first objects may still change; only
when an item needs a richer task after objects were already written under a poorer
one (a polygon after boxes written as ``detect``), the rest of the items are scanned
and the write starts over with the exact plan: two passes at most.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from ango_convert.errors import ConversionError
from ango_convert.formats.yolo.encode import ignored_flag
from ango_convert.formats.yolo.labels import KptShape, Task
from ango_convert.model import ATTR_ISCROWD, Box, Dataset, Item, Keypoints

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


#: The object kinds each task holds exactly ("keypoints" is one object: a pose with or
#: without its box); pose holds boxes too, but only of classes that have keypoints.
HOLDS: dict[Task, tuple[str, ...]] = {
    "detect": ("box",),
    "obb": ("box", "rotated-box"),
    "segment": ("box", "rotated-box", "polygon"),
    "pose": ("keypoints",),
}


@dataclass
class Stats:
    """What the plan depends on: the annotation kinds and keypoint counts seen, and the
    objects per kind (a box and the keypoints of its group are one object).

    Crowd regions and difficult objects, which the writer leaves out unless
    ``keep_crowd``, are left out here too: they do not vote for the task.
    """

    seen: set[str] = field(default_factory=set)  # kinds other than lone boxes
    counts: set[int] = field(default_factory=set)
    others: Counter[str] = field(default_factory=Counter)  # objects other than boxes
    box_classes: Counter[int] = field(default_factory=Counter)  # boxes counted as boxes
    keypoint_classes: set[int] = field(default_factory=set)
    keep_crowd: bool = False

    @property
    def kinds(self) -> set[str]:
        """The annotation kinds seen."""
        return (self.seen | {"box"}) if self.box_classes else self.seen

    @property
    def objects(self) -> Counter[str]:
        """Objects per kind: a box and the keypoints of its group are one ``keypoints``."""
        merged = Counter(self.others)
        if self.box_classes:
            merged["box"] = sum(self.box_classes.values())
        return merged

    def add(self, item: Item) -> None:
        """Take in one item's annotations (boxes, the bulk of most data, cheaply)."""
        boxes = self.box_classes
        posed: set[str] | None = None
        keep = self.keep_crowd
        for annotation in item.annotations:
            attributes = annotation.attributes
            # inline truth tests first (a call per object costs): most objects carry
            # iscrowd 0 or no flag at all
            if (
                not keep
                and attributes
                and (attributes.get(ATTR_ISCROWD) or attributes.get("difficult"))
                and ignored_flag(attributes)
            ):
                continue  # left out by the writer: no vote
            if type(annotation) is Box:
                group = annotation.group
                if group is not None:
                    if posed is None:
                        posed = _posed_groups(item, keep)
                    if group in posed:
                        self.seen.add("box")
                        continue  # counted with its keypoints
                boxes[annotation.category_id] += 1
                continue
            kind = annotation.kind
            self.seen.add(kind)
            if isinstance(annotation, Keypoints):
                self.counts.add(len(annotation.points))
                self.keypoint_classes.add(annotation.category_id)
            self.others[kind] += 1

    def add_all(self, items: Iterable[Item]) -> Stats:
        """Take in every item; returns itself."""
        for item in items:
            self.add(item)
        return self

    def kept(self, task: Task, keypoint_classes: Collection[int]) -> int:
        """How many objects ``task`` holds exactly."""
        objects = self.objects
        count = sum(objects[kind] for kind in HOLDS[task])
        if task == "pose":
            count += sum(n for cls, n in self.box_classes.items() if cls in keypoint_classes)
        return count


def _posed_groups(item: Item, keep_crowd: bool) -> set[str]:
    return {
        a.group
        for a in item.annotations
        if isinstance(a, Keypoints) and a.group and (keep_crowd or not _left_out(a.attributes))
    }


def _left_out(attributes: Mapping[str, object]) -> bool:
    """A crowd region or difficult object, which the writer leaves out by default."""
    # cheap truth tests first: most objects carry iscrowd 0 or no flag at all
    if not attributes or not (attributes.get(ATTR_ISCROWD) or attributes.get("difficult")):
        return False
    return bool(ignored_flag(attributes))


@dataclass(frozen=True)
class Plan:
    """The task (never ``auto``) and, for pose, the keypoint shape; ``settled`` when
    it holds for the whole dataset."""

    task: Task
    kpt_shape: KptShape | None = None
    settled: bool = True
    keypoint_classes: frozenset[int] = frozenset()
    note: str = ""  # why ``auto`` chose this task, for the report


class Restart(Exception):
    """Objects were written under a plan that turned out too poor: start over."""

    def __init__(self, plan: Plan) -> None:
        super().__init__(plan.task)
        self.plan = plan


def exact_plan(
    requested: Task, stats: Stats, dataset: Dataset, on_unsupported: str = "error"
) -> Plan:
    """The plan for the whole dataset, from the stats of all its items.

    ``auto`` picks the task that holds the most objects exactly (the simplest of equals)
    and says why in ``note``; when none holds them all and ``on_unsupported`` is
    ``error``, it refuses, naming the count of each kind and what each task keeps.

    Raises:
        ConversionError: Pose with no single keypoint count, or no task holding every
            object under ``on_unsupported="error"``.
    """
    keypoint_classes = frozenset(
        {c.id for c in dataset.categories if c.keypoint_names} | stats.keypoint_classes
    )
    note = ""
    task = requested
    if requested == "auto":
        task, note = choose(stats, keypoint_classes, on_unsupported)
    if task != "pose":
        return Plan(task, note=note)
    counts = set(stats.counts)
    if not counts:
        counts = {len(c.keypoint_names) for c in dataset.categories if c.keypoint_names}
    if len(counts) != 1:
        raise ConversionError(
            "YOLO pose needs one keypoint count for the whole dataset, found "
            f"{sorted(counts) or 'none'}"
        )
    return Plan("pose", _shape(counts.pop(), dataset), True, keypoint_classes, note)


def choose(
    stats: Stats, keypoint_classes: Collection[int], on_unsupported: str = "error"
) -> tuple[Task, str]:
    """The task that holds the most objects exactly, and one line saying why.

    Raises:
        ConversionError: No task holds every object and ``on_unsupported`` is ``error``.
    """
    objects = stats.objects
    total = sum(objects.values())
    kept = {task: stats.kept(task, keypoint_classes) for task in HOLDS}
    best: Task = "detect"
    for task in HOLDS:  # simplest first: an equal count keeps the simpler task
        if kept[task] > kept[best]:
            best = task
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(objects.items()))
    if kept[best] == total:
        return best, f"task {best}: it holds all {total} object(s) ({kinds or 'none'})"
    others = ", ".join(f"{task} {kept[task]}" for task in HOLDS if task != best)
    if on_unsupported == "error":
        raise ConversionError(
            f"YOLO holds one task per dataset and none holds all {total} objects "
            f"({kinds}): detect keeps {kept['detect']}, obb {kept['obb']}, segment "
            f"{kept['segment']}, pose {kept['pose']}",
            f"choose the task with {{task={best}}} (or another), and pass "
            "{on_unsupported=skip} or {on_unsupported=approximate} for the rest",
        )
    return best, (
        f"task {best}: it holds the most objects exactly, {kept[best]} of {total} ({kinds}); "
        f"the others would keep {others}; the rest follows on_unsupported={on_unsupported}"
    )


def _shape(count: int, dataset: Dataset) -> KptShape:
    declared = dataset.info.get("yolo:kpt_shape")
    dims = 2 if isinstance(declared, list) and declared == [count, 2] else 3
    return count, dims


class Planner:
    """Holds the plan while items stream, and says when it changed."""

    def __init__(
        self,
        requested: Task,
        plan: Plan,
        dataset: Dataset,
        on_unsupported: str = "error",
        keep_crowd: bool = False,
    ) -> None:
        self.requested = requested
        self.on_unsupported = on_unsupported
        self.plan = plan
        self.dataset = dataset
        self.stats = Stats(keep_crowd=keep_crowd)
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
                raise Restart(self.final(rest))
            self.plan = self._adjusted()
        self.committed = self.committed or bool(item.annotations)
        return changed

    def final(self, rest: Iterable[Item] = ()) -> Plan:
        """The exact plan, from the items seen and ``rest``."""
        self.stats.add_all(rest)
        return exact_plan(self.requested, self.stats, self.dataset, self.on_unsupported)

    def check_final(self) -> None:
        """After a streamed pass under a provisional plan: start over if the whole
        dataset calls for another (or refuse, as :func:`exact_plan` does).

        Raises:
            Restart: The exact plan differs from the one written.
        """
        if self.plan.settled:
            return
        exact = self.final()
        if (exact.task, exact.kpt_shape, exact.keypoint_classes) != (
            self.plan.task,
            self.plan.kpt_shape,
            self.plan.keypoint_classes,
        ):
            raise Restart(exact)
        self.plan = exact

    def _fits(self, plan: Plan) -> bool:
        needed = self.requested if self.requested != "auto" else task_of_kinds(self.stats.kinds)
        if _RANK[needed] > _RANK[plan.task]:
            return False
        return plan.task != "pose" or plan.kpt_shape is not None or not self.stats.kinds

    def _adjusted(self) -> Plan:
        task = self.requested if self.requested != "auto" else task_of_kinds(self.stats.kinds)
        if task == "pose" and len(self.stats.counts) == 1:
            count = next(iter(self.stats.counts))
            declared = {c.id for c in self.dataset.categories if c.keypoint_names}
            classes = frozenset(declared | self.stats.keypoint_classes)
            return Plan("pose", _shape(count, self.dataset), False, classes)
        return Plan(task, settled=False)
