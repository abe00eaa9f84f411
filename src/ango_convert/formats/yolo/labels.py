"""YOLO label lines: parsing, deciding the task, and converting to and from IR pixels.

One line per object, class id first, then normalised numbers (0..1 of the image width
for x, of the height for y):

=========  ==========================================================================
detect     ``cls cx cy w h``
segment    ``cls x1 y1 x2 y2 ... xn yn`` (n >= 3; a 4-value line is a box)
obb        ``cls x1 y1 x2 y2 x3 y3 x4 y4`` (four corners in order around the box)
pose       ``cls cx cy w h`` + K points of ``x y`` or ``x y v`` (``kpt_shape`` [K, D])
=========  ==========================================================================
"""

from __future__ import annotations

import math
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ango_convert.errors import ReadError
from ango_convert.geometry import box_outside_image, rotated_box_from_corners
from ango_convert.io.inputs import read_bytes
from ango_convert.model import Annotation, Box, JSONValue, Keypoints, Polygon, Zone

Task = Literal["auto", "detect", "segment", "obb", "pose"]
KptShape = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Row:
    """One parsed label line: its number in the file, class id and the numbers after it."""

    line: int
    cls: int
    values: tuple[float, ...]


def parse_label_file(
    path: str | Path, class_ids: Container[int], notes: list[dict[str, JSONValue]] | None = None
) -> list[Row]:
    """Read a label file into rows; an empty file means an image without objects.

    With ``notes`` (collect-and-continue), a bad line is noted there and left out.

    Raises:
        ReadError: ``file: line N: reason`` for non-numbers, NaN, unknown class ids.
    """
    text = read_bytes(path).decode("utf-8-sig", errors="replace")
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        tokens = line.split()
        if not tokens:
            continue
        try:
            rows.append(_row(number, tokens, class_ids))
        except ValueError as exc:
            error = ReadError(path, f"line {number}", str(exc))
            if notes is None:
                raise error from exc
            notes.append(error.note())
    return rows


def _row(number: int, tokens: list[str], class_ids: Container[int]) -> Row:
    try:  # the common case in bulk; anything odd is redone below, naming the token
        values = tuple(map(float, tokens))
    except ValueError:
        values = ()
    if values and all(map(math.isfinite, values)):
        cls_value = values[0]
        if cls_value >= 0 and cls_value.is_integer() and int(cls_value) in class_ids:
            return Row(number, int(cls_value), values[1:])
    cls_value = _number(tokens[0])
    if cls_value != int(cls_value) or cls_value < 0:
        raise ValueError(f"class id must be a whole number >= 0, got {tokens[0]!r}")
    cls = int(cls_value)
    if cls not in class_ids:
        raise ValueError(f"class id {cls} is not in the dataset's class names")
    return Row(number, cls, tuple(_number(token) for token in tokens[1:]))


def _number(token: str) -> float:
    try:
        value = float(token)
    except ValueError:
        raise ValueError(f"{token!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{token!r} is not a finite number")
    return value


def decide_task(files: Iterable[Sequence[Row]], kpt_shape: KptShape | None) -> Task:
    """Pick the dataset's task from its lines' lengths (``task="auto"``).

    ``kpt_shape`` in the config means pose. Otherwise a polygon line of any length but
    8 values means segment (its 8-value lines are then 4-point polygons); 8-value lines
    alone mean obb; else detect.
    """
    if kpt_shape is not None:
        return "pose"
    lengths = {len(row.values) for rows in files for row in rows}
    if any(n >= 6 and n % 2 == 0 and n != 8 for n in lengths):
        return "segment"
    if 8 in lengths:
        return "obb"
    return "detect"


def expected(task: Task, kpt_shape: KptShape | None) -> str:
    """What a line of the task looks like, for error messages."""
    if task == "pose" and kpt_shape is not None:
        count, dims = kpt_shape
        return f"5 + {count}x{dims} = {5 + count * dims} values (pose, kpt_shape {list(kpt_shape)})"
    return {
        "detect": "5 values: class cx cy w h",
        "segment": "5 values (a box) or a class and 3+ x y pairs (a polygon)",
        "obb": "9 values: class and 4 corners",
    }.get(task, "a class and numbers")


def row_fits(row: Row, task: Task, kpt_shape: KptShape | None) -> bool:
    """True when the row's length matches the task."""
    count = len(row.values)
    if task == "detect":
        return count == 4
    if task == "segment":
        return count == 4 or (count >= 6 and count % 2 == 0)
    if task == "obb":
        return count == 8
    if task == "pose":
        return kpt_shape is not None and count == 4 + kpt_shape[0] * kpt_shape[1]
    return False


def to_annotations(
    row: Row,
    task: Task,
    category_id: int,
    size: tuple[int, int],
    kpt_shape: KptShape | None,
) -> list[Annotation]:
    """Convert one fitting row to IR annotations in pixels.

    Raises:
        ValueError: A negative box size or a bad keypoint visibility (a bare reason).
    """
    width, height = size
    values = row.values
    if task == "obb":
        corners = [(values[i] * width, values[i + 1] * height) for i in range(0, 8, 2)]
        return [rotated_box_from_corners(corners, category_id=category_id)]
    if task == "segment" and len(values) > 4:
        ring = tuple((values[i] * width, values[i + 1] * height) for i in range(0, len(values), 2))
        return [Polygon(category_id=category_id, zones=(Zone(outer=ring),))]
    group = f"yolo-line-{row.line}" if task == "pose" else None
    box = _box(values[:4], category_id, size, group)
    if task != "pose":
        return [box]
    assert kpt_shape is not None
    points = _keypoints(values[4:], kpt_shape[1], size)
    return [box, Keypoints(category_id=category_id, points=points, group=group)]


def _box(
    values: Sequence[float], category_id: int, size: tuple[int, int], group: str | None
) -> Box:
    cx, cy, w, h = values
    if w < 0 or h < 0:
        raise ValueError(f"box width and height must be >= 0, got {w} x {h}")
    width, height = size
    x, y = (cx - w / 2) * width, (cy - h / 2) * height
    outside = box_outside_image(x, y, w * width, h * height, width, height)
    if outside:
        raise ValueError(outside)
    return Box(category_id=category_id, x=x, y=y, width=w * width, height=h * height, group=group)


def _keypoints(
    values: Sequence[float], dims: int, size: tuple[int, int]
) -> tuple[tuple[float, float, int], ...]:
    width, height = size
    points = []
    for index in range(0, len(values), dims):
        x, y = values[index], values[index + 1]
        if dims == 3:
            visibility = values[index + 2]
            if visibility not in (0, 1, 2):
                raise ValueError(f"keypoint visibility must be 0, 1 or 2, got {visibility}")
            v = int(visibility)
        else:  # no visibility column: Ultralytics marks a missing point as 0 0
            v = 0 if x == 0 and y == 0 else 2
        points.append((x * width, y * height, v))
    return tuple(points)


def format_value(value: float) -> str:
    """A normalised number with 10 significant digits: exact enough for a 1e-6 round
    trip, short, and free of float noise (``0.1 + 0.2`` prints ``0.3``)."""
    text = format(value, ".10g")
    return "0" if text == "-0" else text
