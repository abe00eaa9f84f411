"""Where and why an Ango object is refused: the explainer behind the decoder's cheap tests.

The object decoder takes the usual values with exact type tests (``type(v) is float``...)
and nothing else. When one of those tests fails, it hands the raw value to a function
here, which walks it the general way: a value that is valid after all (a tuple for
``[x, y]``, a sum of huge sides that overflowed) is returned, otherwise an
:class:`ObjectFault` names the first bad key inside the object and the reason, so the
reader's message reads ``objects[3].bounding-box.width must be a finite number, got nan``.
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Iterable, Mapping
from typing import Any

from ango_convert.model import XY, Ring


class ObjectFault(ValueError):
    """A value inside an Ango object that cannot be decoded, with where it sits.

    Args:
        field: The path inside the object, such as ``.bounding-box.width`` or
            ``.polygon[3][0]``.
        problem: What is wrong, said of that field (``must be a number, got '10'``).
    """

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field} {problem}")
        self.field = field
        self.problem = problem

    def at(self, place: str) -> str:
        """The one-line message with the object's own place in front (``objects[3]``)."""
        return f"{place}{self.field} {self.problem}"


def shown(value: Any) -> str:
    """A short repr for messages: hostile strings and numbers can be megabytes long."""
    return reprlib.repr(value)


def json_kind(value: Any) -> str:
    """The JSON name of a value's type, for "must be an object, got an array"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "an array"
    return type(value).__name__


def number_at(value: Any, field: str) -> float:
    """``value`` when it is a finite number (not a boolean), else the fault at ``field``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ObjectFault(field, f"must be a number, got {shown(value)}")
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an int past the float range (the json module reads any size)
        finite = False
    if not finite:
        raise ObjectFault(field, f"must be a finite number, got {shown(value)}")
    return value


def numbers_at(value: Any, keys: Iterable[str], field: str) -> tuple[float, ...]:
    """The numbers under ``keys`` of the object ``value``, else the first fault."""
    if not isinstance(value, Mapping):
        raise ObjectFault(field, f"must be an object, got {json_kind(value)}")
    numbers = []
    for key in keys:
        if key not in value:
            raise ObjectFault(f"{field}.{key}", "is missing")
        numbers.append(number_at(value[key], f"{field}.{key}"))
    return tuple(numbers)


def xy_at(raw: Any, field: str) -> XY:
    """``[x, y]`` as two finite numbers, else the fault at ``field`` (or inside it)."""
    if not isinstance(raw, (list, tuple)) or len(raw) != 2:
        raise ObjectFault(field, f"must be [x, y], got {shown(raw)}")
    return number_at(raw[0], f"{field}[0]"), number_at(raw[1], f"{field}[1]")


def ring_at(raw: Any, field: str) -> Ring:
    """A list of ``[x, y]`` points, else the fault at ``field`` or at its first bad point."""
    if not isinstance(raw, list):
        raise ObjectFault(field, f"must be a list of [x, y] points, got {json_kind(raw)}")
    return tuple(xy_at(point, f"{field}[{index}]") for index, point in enumerate(raw))
