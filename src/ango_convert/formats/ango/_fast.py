"""The usual Ango object decoded at full speed: a bounding box with its ids, no answers.

:class:`PlainBoxes` takes only objects it can take whole and gives exactly the Box that
:class:`.ango_decode.AngoDecoder` would; anything else (other keys or tools, nested
answers, keypoint ids, odd numbers, an unknown class) is left to that decoder, which
also locates the problems. Exports of detection projects are mostly such objects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from math import isfinite
from typing import Any

from ango_convert.model import ATTR_OBJECT_ID, ATTR_SCHEMA_ID, Box, Category, checked_box

_PLAIN_KEYS = frozenset({"bounding-box", "objectId", "schemaId", "title", "classifications"})
_NUMBERS = (int, float)
_NAMES = (str, type(None))


class PlainBoxes:
    """Decodes plain bounding-box objects; the class of each (schemaId, title) once.

    Args:
        category_of: The decoder's own class lookup (raises ValueError when unknown).
    """

    def __init__(self, category_of: Callable[[Mapping[str, Any]], Category]) -> None:
        self._category_of = category_of
        self._category_ids: dict[tuple[str | None, str | None], int | None] = {}

    def box(self, obj: Any) -> Box | None:
        """The Box for ``obj`` when it is a plain bounding box outside any group, else None."""
        if type(obj) is not dict or not obj.keys() <= _PLAIN_KEYS or obj.get("classifications"):
            return None
        sides = _sides(obj.get("bounding-box"))
        if sides is None:
            return None
        object_id, schema_id = obj.get("objectId"), obj.get("schemaId")
        if type(object_id) is str and ":kp:" in object_id:
            return None  # a keypoint's id: the decoder groups it
        category_id = self._category_id(obj, schema_id)
        if category_id is None:
            return None
        x, y, width, height = sides
        if width < 0:  # Ango keeps the corner clicked first: sizes may be negative
            x, width = x + width, -width
        if height < 0:
            y, height = y + height, -height
        attributes: dict[str, Any] = {}
        if type(schema_id) is str:
            attributes[ATTR_SCHEMA_ID] = schema_id
        if type(object_id) is str:
            attributes[ATTR_OBJECT_ID] = object_id
        return checked_box(category_id, x, y, width, height, attributes)

    def _category_id(self, obj: dict[str, Any], schema_id: Any) -> int | None:
        title = obj.get("title")
        if type(title) not in _NAMES or type(schema_id) not in _NAMES:
            return None
        key = (schema_id, title)
        if key not in self._category_ids:
            try:
                self._category_ids[key] = self._category_of(obj).id
            except ValueError:  # no such class: the decoder raises it, located
                self._category_ids[key] = None
        return self._category_ids[key]


def _sides(value: Any) -> tuple[float, float, float, float] | None:
    """``{x, y, width, height}`` as four numbers whose sum (so each) is finite, or None."""
    if type(value) is not dict:
        return None
    x: Any = value.get("x")
    y: Any = value.get("y")
    width: Any = value.get("width")
    height: Any = value.get("height")
    if (
        type(x) in _NUMBERS
        and type(y) in _NUMBERS
        and type(width) in _NUMBERS
        and type(height) in _NUMBERS
        and isfinite(x + y + width + height)  # inf cannot cancel out without a nan
    ):
        return x, y, width, height
    return None
