"""Turning IR annotations into YOLO label lines for one task (see :mod:`.write`)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Collection, Mapping

from ango_convert.errors import ConversionError
from ango_convert.formats.lossy import (
    Unsupported,
    annotation_bounds,
    box_from_bounds,
    points_have_area,
)
from ango_convert.formats.yolo.labels import KptShape, Task, format_value
from ango_convert.geometry import ring_area, rotated_box_corners
from ango_convert.model import (
    ATTR_ISCROWD,
    XY,
    Annotation,
    Box,
    Item,
    Keypoints,
    Polygon,
    RotatedBox,
)

_DETECT_LINE = "%d %.10g %.10g %.10g %.10g"


class Encoder:
    """Turns one item's annotations into label lines for the chosen task."""

    def __init__(
        self,
        *,
        task: Task,
        classes: Mapping[int, int],
        kpt_shape: KptShape | None,
        policy: Unsupported,
        keypoint_classes: Collection[int] = (),
        keep_crowd: bool = False,
    ) -> None:
        self.task = task
        self.keep_crowd = keep_crowd
        self.keypoint_classes = frozenset(keypoint_classes)
        self.classes = classes
        self.kpt_shape = kpt_shape
        self.policy = policy
        self.converted: Counter[str] = Counter()

    def lines(self, item: Item) -> list[str]:
        """The item's label lines; what the task cannot hold goes to the policy."""
        for _ in item.classifications:
            self.policy.drop("classification")
        if not self.keep_crowd:
            item = self._without_crowd(item)
        if self.task == "pose":
            return self._pose_lines(item)
        if self.task == "detect":
            return self._detect_lines(item)
        boxed = _boxed_groups(item)
        lines = []
        for annotation in item.annotations:
            if isinstance(annotation, Keypoints) and annotation.group in boxed:
                self.policy.drop(annotation.kind)
                continue
            values = self._values(annotation)
            if values is None:
                continue
            if not points_have_area(values):
                self.policy.degenerate(annotation.kind)
                continue
            lines.append(self._line(item, annotation, values))
        return lines

    def _without_crowd(self, item: Item) -> Item:
        """The item without crowd regions and difficult objects, each counted: trainers
        leave them out of the loss (Ultralytics' own COCO converter drops crowd)."""
        left_out = None
        for annotation in item.annotations:
            attributes = annotation.attributes
            # cheap truth tests first: most objects carry iscrowd 0 or no flag at all
            if not attributes or not (attributes.get(ATTR_ISCROWD) or attributes.get("difficult")):
                continue
            flag = ignored_flag(attributes)
            if flag:
                self.policy.report.skipped[f"{flag} {annotation.kind}"] += 1
                left_out = (left_out or set()) | {id(annotation)}
        if left_out is None:
            return item
        kept = tuple(a for a in item.annotations if id(a) not in left_out)
        return dataclasses.replace(item, annotations=kept)

    def _detect_lines(self, item: Item) -> list[str]:
        """One ``cls cx cy w h`` line per box, the only place detect lines are printed.

        Boxes (the bulk of most datasets) go straight to the one format call; anything
        else is first made a box, or dropped, by :meth:`_detect_box`.
        """
        if not item.annotations:
            return []  # an image without objects needs no size
        width, height = item.width, item.height
        assert width and height
        classes = self.classes
        boxed: set[str] | None = None  # worked out for the first non-box only
        lines = []
        for annotation in item.annotations:
            if type(annotation) is Box:
                box = annotation
            else:
                if boxed is None:
                    boxed = _boxed_groups(item)
                made = self._detect_box(annotation, boxed)
                if made is None:
                    continue
                box = made
            if box.width <= 0 or box.height <= 0:
                self.policy.degenerate(annotation.kind)
                continue
            cls = classes.get(box.category_id)
            if cls is None:
                cls = self._class_of(item, box)  # raises, naming the item
            # printf-style: measured 40% faster than an f-string with four format specs.
            line = _DETECT_LINE % (
                cls,
                (box.x + box.width / 2) / width,
                (box.y + box.height / 2) / height,
                box.width / width,
                box.height / height,
            )
            if "-0" in line:  # a negative number, maybe a "-0" that format_value writes "0"
                cls_text, *values = line.split(" ")
                line = " ".join([cls_text, *(format_value(float(v)) for v in values)])
            lines.append(line)
        return lines

    def _detect_box(self, annotation: Annotation, boxed: set[str]) -> Box | None:
        """A non-box annotation as the box a detect line holds, or None when the policy
        drops it (keypoints whose group has a box are already written by that box)."""
        kind = annotation.kind
        if isinstance(annotation, Box):
            return annotation
        if isinstance(annotation, Keypoints) and annotation.group in boxed:
            self.policy.drop(kind)
            return None
        bounds = annotation_bounds(annotation)
        if bounds is None:
            self.policy.drop(kind)
            return None
        if bounds[2] <= bounds[0] or bounds[3] <= bounds[1]:
            self.policy.degenerate(kind)
            return None
        if not self.policy.approximate(kind):
            return None
        return box_from_bounds(annotation, bounds)

    def _values(self, annotation: Annotation) -> list[XY] | None:
        """The points to write for segment or obb, in pixels: the corners or ring."""
        kind = annotation.kind
        if isinstance(annotation, Polygon) and self.task == "segment":
            if annotation.is_simple or self.policy.approximate(kind):
                return list(max(annotation.zones, key=lambda z: ring_area(z.outer)).outer)
            return None
        if kind in ("box", "rotated-box"):
            if kind != "rotated-box" or self.task != "obb":
                self.converted[kind] += 1
            return self._shape(annotation)
        bounds = annotation_bounds(annotation)
        if bounds is None:
            self.policy.drop(kind)
            return None
        if bounds[2] <= bounds[0] or bounds[3] <= bounds[1]:
            self.policy.degenerate(kind)
            return None
        if not self.policy.approximate(kind):
            return None
        return self._shape(box_from_bounds(annotation, bounds))

    def _shape(self, annotation: Annotation) -> list[XY]:
        """A box or rotated box as its four corners."""
        if isinstance(annotation, Box):
            x0, y0 = annotation.x, annotation.y
            x1, y1 = x0 + annotation.width, y0 + annotation.height
            return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        assert isinstance(annotation, RotatedBox)
        return list(rotated_box_corners(annotation))

    def _pose_lines(self, item: Item) -> list[str]:
        """Pair each Box with the Keypoints of its group, one line per pair."""
        slots: dict[str, dict[str, Annotation]] = {}
        posed = {a.group for a in item.annotations if isinstance(a, Keypoints) and a.group}
        for index, annotation in enumerate(item.annotations):
            self._check_points(item, annotation)
            if (
                annotation.category_id not in self.keypoint_classes
                and not isinstance(annotation, Keypoints)
                and not (annotation.group and annotation.group in posed)
            ):
                # a pose line needs keypoints: zeros for a class that has none would
                # teach the model points that do not exist
                self.policy.drop(annotation.kind)
                continue
            if not isinstance(annotation, (Box, Keypoints)):
                box = self._pose_fallback(annotation)
                if box is not None:
                    slots[f"#{index}"] = {"box": box, "approximated": box}
                continue
            key = annotation.group or f"#{index}"
            if annotation.kind in slots.get(key, {}):
                key = f"#{index}"  # a second box in one group stands alone
            slots.setdefault(key, {})[annotation.kind] = annotation
        lines = []
        for slot in slots.values():
            found, pose = slot.get("box"), slot.get("keypoints")
            box = found if isinstance(found, Box) else None
            if box is None:
                assert isinstance(pose, Keypoints)
                box = self._box_from_pose(pose)
            elif pose is None and "approximated" not in slot:
                self.converted["box without keypoints"] += 1
            if box is not None and (box.width <= 0 or box.height <= 0):
                self.policy.degenerate("keypoints" if pose is not None else box.kind)
            elif box is not None:
                lines.append(
                    self._pose_line(item, box, pose if isinstance(pose, Keypoints) else None)
                )
        return lines

    def _check_points(self, item: Item, annotation: Annotation) -> None:
        assert self.kpt_shape is not None
        count = self.kpt_shape[0]
        if isinstance(annotation, Keypoints) and len(annotation.points) != count:
            raise ConversionError(
                f"item {item.id!r}: keypoints have {len(annotation.points)} points, "
                f"the dataset's kpt_shape needs {count}"
            )

    def _pose_fallback(self, annotation: Annotation) -> Box | None:
        bounds = annotation_bounds(annotation)
        if bounds is None:
            self.policy.drop(annotation.kind)
            return None
        if bounds[2] <= bounds[0] or bounds[3] <= bounds[1]:
            self.policy.degenerate(annotation.kind)
            return None
        if not self.policy.approximate(annotation.kind):
            return None
        return box_from_bounds(annotation, bounds)

    def _box_from_pose(self, pose: Keypoints) -> Box | None:
        bounds = annotation_bounds(pose)
        if bounds is None:
            self.policy.drop("keypoints")
            return None
        self.converted["keypoints without a box"] += 1
        return box_from_bounds(pose, bounds)

    def _pose_line(self, item: Item, box: Box, pose: Keypoints | None) -> str:
        assert self.kpt_shape is not None and item.width and item.height
        count, dims = self.kpt_shape
        cx, cy = box.x + box.width / 2, box.y + box.height / 2
        values = _normalised([(cx, cy), (box.width, box.height)], item)
        points = pose.points if pose is not None else ((0.0, 0.0, 0),) * count
        for x, y, v in points:
            if v == 0 and dims == 2:
                x = y = 0.0
            values += [format_value(x / item.width), format_value(y / item.height)]
            values += [str(v)] if dims == 3 else []
        return f"{self._class_of(item, box)} {' '.join(values)}"

    def _line(self, item: Item, annotation: Annotation, points: list[XY]) -> str:
        values = _normalised(points, item)
        return f"{self._class_of(item, annotation)} {' '.join(values)}"

    def _class_of(self, item: Item, annotation: Annotation) -> int:
        try:
            return self.classes[annotation.category_id]
        except KeyError:
            raise ConversionError(
                f"item {item.id!r}: annotation has category id {annotation.category_id}, "
                "which the dataset does not define"
            ) from None

    def notes(self) -> list[str]:
        """Warnings for kinds written exactly but in another form."""
        return [
            f"{count} {kind} written in {self.task} form"
            for kind, count in sorted(self.converted.items())
        ]


def ignored_flag(attributes: Mapping[str, object]) -> str:
    """``crowd`` (COCO iscrowd) or ``difficult`` (VOC) when the object has that flag set."""
    if attributes.get(ATTR_ISCROWD) in (1, True):
        return "crowd"
    if attributes.get("difficult") in (1, True):
        return "difficult"
    return ""


def _boxed_groups(item: Item) -> set[str]:
    """The groups that have a box: their keypoints are that box's (pose) and no line of
    their own in the other tasks."""
    return {a.group for a in item.annotations if isinstance(a, Box) and a.group}


def _normalised(points: list[XY], item: Item) -> list[str]:
    assert item.width and item.height
    values = []
    for x, y in points:
        values += [format_value(x / item.width), format_value(y / item.height)]
    return values
