"""COCO JSON plumbing shared by the reader and writer: key sets, typed access with paths.

Every problem raises :class:`Located` with the JSON path of the offending value, so the
file boundary in :mod:`ango_convert.formats.coco` can turn it into one ReadError line.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, MutableMapping
from typing import Any

from ango_convert.model import JSONValue

Where = tuple[str | int, ...]

#: How the source wrote an RLE mask's counts: "compressed" (a string) or "uncompressed".
ATTR_RLE = "coco:rle"
#: The source's ``licenses`` list, kept in ``Dataset.info``.
INFO_LICENSES = "coco:licenses"

CATEGORY_KEYS = frozenset({"id", "name", "supercategory", "keypoints", "skeleton"})
IMAGE_KEYS = frozenset({"id", "file_name", "width", "height"})
ANNOTATION_KEYS = frozenset(
    {
        "id",
        "image_id",
        "category_id",
        "segmentation",
        "area",
        "bbox",
        "iscrowd",
        "keypoints",
        "num_keypoints",
        "attributes",
    }
)
TOP_KEYS = frozenset({"info", "licenses", "images", "annotations", "categories"})


class Located(ValueError):
    """A problem with the value at a JSON path."""

    def __init__(self, where: Where, reason: str) -> None:
        super().__init__(reason)
        self.where = where
        self.reason = reason


# --- typed access -----------------------------------------------------------------------


def kind_of(value: object) -> str:
    """Name a JSON value's type for messages ("a string", "null"...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def as_object(value: object, where: Where) -> dict[str, Any]:
    """The value as a JSON object, or Located."""
    if not isinstance(value, dict):
        raise Located(where, f"expected an object, got {kind_of(value)}")
    return value


def as_list(value: object, where: Where) -> list[Any]:
    """The value as a JSON array, or Located."""
    if not isinstance(value, list):
        raise Located(where, f"expected an array, got {kind_of(value)}")
    return value


def as_str(value: object, where: Where) -> str:
    """The value as a string, or Located."""
    if not isinstance(value, str):
        raise Located(where, f"expected a string, got {kind_of(value)}")
    return value


#: Integral floats from this size on are refused: JSON integers beyond 64 bits arrive as
#: floats (orjson), so two different ids could read as one, or change when written.
_EXACT_FLOAT = 2.0**53


def as_int(value: object, where: Where) -> int:
    """An integer; integral floats (``3.0``, written by some tools) are accepted, up to
    2**53 (beyond it a float is an integer over 64 bits that could not be kept exactly)."""
    if isinstance(value, float) and value.is_integer():
        if abs(value) >= _EXACT_FLOAT:
            raise Located(
                where, "an integer too large to keep exactly (over 64 bits): use a smaller id"
            )
        return int(value)
    if isinstance(value, float) and math.isfinite(value):
        raise Located(where, f"expected an integer, got {value!r}")
    if isinstance(value, bool) or not isinstance(value, int):
        raise Located(where, f"expected an integer, got {kind_of(value)}")
    return value


def as_number(value: object, where: Where) -> float:
    """A finite number (booleans are not numbers here), or Located."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Located(where, f"expected a number, got {kind_of(value)}")
    if not math.isfinite(value):
        raise Located(where, f"expected a finite number, got {value!r}")
    return value


def required(record: Mapping[str, Any], key: str, where: Where) -> Any:
    """``record[key]``, or Located naming the missing key."""
    if key not in record:
        raise Located(where, f"missing key {key!r}")
    return record[key]


def int_field(record: Mapping[str, Any], key: str, where: Where) -> int:
    """The required integer ``record[key]`` (an id), or Located naming the key."""
    return as_int(required(record, key, where), (*where, key))


def positive_or_none(record: Mapping[str, Any], key: str, where: Where) -> int | None:
    """An optional positive integer field (image width or height)."""
    value = record.get(key)
    if value is None:
        return None
    number = as_int(value, (*where, key))
    if number <= 0:
        raise Located((*where, key), f"{key} must be positive, got {number}")
    return number


def section(root: Mapping[str, Any], key: str) -> list[Any]:
    """A top-level array such as ``images``; missing or null reads as empty."""
    value = root.get(key)
    return [] if value is None else as_list(value, (key,))


def extras(record: Mapping[str, Any], known: frozenset[str]) -> dict[str, JSONValue]:
    """Keys the toolkit does not interpret, kept as ``coco:<key>`` attributes."""
    return {f"coco:{key}": value for key, value in record.items() if key not in known}


def claim(seen: MutableMapping[int, int], value: int, table: str, index: int) -> None:
    """Record that ``$.table[index]`` uses id ``value``; a second use is Located."""
    if value in seen:
        first = f"$.{table}[{seen[value]}]"
        raise Located((table, index, "id"), f"duplicate id {value} (also at {first})")
    seen[value] = index
