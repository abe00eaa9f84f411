"""YOLO label lines: parsing, deciding the task, and decoding rows to IR pixels.

One line per object, class id first, then normalised numbers (0..1 of the image width
for x, of the height for y):

=========  ==========================================================================
detect     ``cls cx cy w h``
segment    ``cls x1 y1 x2 y2 ... xn yn`` (n >= 3; a 4-value line is a box)
obb        ``cls x1 y1 x2 y2 x3 y3 x4 y4`` (four corners in order around the box)
pose       ``cls cx cy w h`` + K points of ``x y`` or ``x y v`` (``kpt_shape`` [K, D])
=========  ==========================================================================

Reading is two steps, because the task is decided from every file's lines before any
line is decoded: :func:`parse_label_file` turns lines into :class:`Row` (class id and
numbers), and :func:`decode_row` turns one row into annotations for the task. Each step
refuses a line with its reason; :func:`line_error` puts the file and line in front.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from math import isfinite
from pathlib import Path
from typing import Literal, NamedTuple

from ango_convert.errors import ReadError
from ango_convert.geometry import box_outside_image, rotated_box_from_corners
from ango_convert.io.inputs import read_bytes
from ango_convert.model import (
    Annotation,
    Box,
    JSONValue,
    Keypoints,
    Polygon,
    Zone,
    checked_box,
)

Task = Literal["auto", "detect", "segment", "obb", "pose"]
KptShape = tuple[int, int]


class Row(NamedTuple):
    """One parsed label line: its number in the file, class id and the numbers after it.

    A named tuple: built once per object line, at a fraction of a frozen dataclass's cost.
    """

    line: int
    cls: int
    values: tuple[float, ...]


def line_error(path: str | Path, line: int, reason: str) -> ReadError:
    """The error for a refused label line: ``file: line N: reason``."""
    return ReadError(path, f"line {line}", reason)


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
        row = _row(number, tokens, class_ids)
        if row is not None:
            rows.append(row)
            continue
        error = line_error(path, number, _token_refusal(tokens, class_ids))
        if notes is None:
            raise error
        notes.append(error.note())
    return rows


def _row(number: int, tokens: list[str], class_ids: Container[int]) -> Row | None:
    """The line's row, or None when a token is not a finite number or the class id is
    not one of the dataset's (:func:`_token_refusal` says which)."""
    try:
        values = tuple(map(float, tokens))
    except ValueError:
        return None
    if not all(map(isfinite, values)):
        return None
    cls_value = values[0]
    if cls_value >= 0 and cls_value.is_integer() and int(cls_value) in class_ids:
        return Row(number, int(cls_value), values[1:])
    return None


def _token_refusal(tokens: list[str], class_ids: Container[int]) -> str:
    """Why :func:`_row` refused a line: its first bad token, class id first."""
    try:
        cls_value = _finite(tokens[0])
        if cls_value < 0 or not cls_value.is_integer():
            return f"class id must be a whole number >= 0, got {tokens[0]!r}"
        if int(cls_value) not in class_ids:
            return f"class id {int(cls_value)} is not in the dataset's class names"
        for token in tokens[1:]:
            _finite(token)
    except ValueError as exc:
        return str(exc)
    return "not a label line"  # unreachable while _row and this agree; still one line


def _finite(token: str) -> float:
    try:
        value = float(token)
    except ValueError:
        raise ValueError(f"{token!r} is not a number") from None
    if not isfinite(value):
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


def decode_row(
    row: Row,
    task: Task,
    category_id: int,
    size: tuple[int, int],
    kpt_shape: KptShape | None,
) -> tuple[Annotation, ...]:
    """The row's annotations in pixels, for any task.

    A detect row (the bulk of most datasets) is tested first and costs a few float
    operations and one box; a pose row's box goes through the same checks.

    Raises:
        ValueError: The bare reason the row is refused: a length that does not fit the
            task, a negative box size, a box outside the image, a bad keypoint
            visibility. :func:`line_error` locates it.
    """
    values = row.values
    count = len(values)
    width, height = size
    if (count == 4 and (task == "detect" or task == "segment")) or (
        task == "pose" and kpt_shape is not None and count == 4 + kpt_shape[0] * kpt_shape[1]
    ):
        cx, cy, w, h = values if count == 4 else values[:4]
        box_width, box_height = w * width, h * height
        x, y = (cx - w / 2) * width, (cy - h / 2) * height
        if w < 0 or h < 0:
            raise ValueError(f"box width and height must be >= 0, got {w} x {h}")
        outside = box_outside_image(x, y, box_width, box_height, width, height)
        if outside:
            raise ValueError(outside)
        if not isfinite(x + y + box_width + box_height):  # huge values overflow to inf
            raise ValueError(f"box ({x:g}, {y:g}, {box_width:g} x {box_height:g}) is not finite")
        if task != "pose":  # all checked above: the quick constructor
            return (checked_box(category_id, x, y, box_width, box_height, {}),)
        assert kpt_shape is not None  # for mypy: the pose test above
        group = f"yolo-line-{row.line}"
        points = _keypoints(values[4:], kpt_shape[1], size)
        return (
            Box(category_id=category_id, x=x, y=y, width=box_width, height=box_height, group=group),
            Keypoints(category_id=category_id, points=points, group=group),
        )
    if task == "segment" and count >= 6 and count % 2 == 0:
        ring = tuple((values[i] * width, values[i + 1] * height) for i in range(0, count, 2))
        return (Polygon(category_id=category_id, zones=(Zone(outer=ring),)),)
    if task == "obb" and count == 8:
        corners = [(values[i] * width, values[i + 1] * height) for i in range(0, 8, 2)]
        return (rotated_box_from_corners(corners, category_id=category_id),)
    raise ValueError(f"expected {expected(task, kpt_shape)}, got {count + 1} values")


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
