"""A COCO annotation's shapes beyond its bbox: segmentation (polygons or RLE) and keypoints.

Each decoder takes the value of one annotation key and its JSON path, and gives the IR
shape or raises :class:`Located` naming the first bad element.
"""

from __future__ import annotations

import math
from typing import Any

from ango_convert.formats.coco.keys import (
    ATTR_RLE,
    Located,
    Where,
    as_int,
    as_list,
    as_number,
    required,
)
from ango_convert.model import Category, Keypoints, Mask, Polygon, Zone

_NUMBER_TYPES = frozenset({int, float})


def decode_segmentation(
    value: object,
    category_id: int,
    image_size: tuple[int | None, int | None],
    where: Where,
) -> Polygon | Mask | None:
    """A ``segmentation``: polygon parts, or an RLE mask in either encoding.

    Args:
        value: The segmentation as given.
        category_id: The annotation's category.
        image_size: The image's (height, width), which an RLE mask must match when known.
        where: The JSON path of ``value``.

    Returns:
        The shape, or None for an empty segmentation (also one of empty parts only).
    """
    if value is None or value == []:
        return None
    if isinstance(value, dict):
        return _rle(value, category_id, image_size, where)
    parts = as_list(value, where)
    located: list[tuple[Any, Where]]
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in parts):
        located = [(parts, where)]  # a bare flat list, as some tools write: one ring
    else:
        located = [(part, (*where, i)) for i, part in enumerate(parts)]
    zones = [
        Zone(outer=_ring(part, at))
        for part, at in located
        if as_list(part, at)  # some tools leave empty parts: nothing to keep
    ]
    return Polygon(category_id=category_id, zones=tuple(zones)) if zones else None


def _ring(part: list[Any], where: Where) -> tuple[tuple[float, float], ...]:
    numbers = (
        part if _plain_numbers(part) else [as_number(v, (*where, i)) for i, v in enumerate(part)]
    )
    if len(numbers) % 2:
        raise Located(where, f"polygon has an odd number of coordinates ({len(numbers)})")
    if len(numbers) < 6:
        raise Located(where, f"polygon needs at least 3 points, got {len(numbers) // 2}")
    return tuple(zip(numbers[0::2], numbers[1::2], strict=True))


def _plain_numbers(values: list[Any]) -> bool:
    """The common case, tested at C speed: only finite ints and floats."""
    return set(map(type, values)) <= _NUMBER_TYPES and all(map(math.isfinite, values))


def _rle(
    record: dict[str, Any],
    category_id: int,
    image_size: tuple[int | None, int | None],
    where: Where,
) -> Mask:
    size = as_list(required(record, "size", where), (*where, "size"))
    if len(size) != 2:
        raise Located((*where, "size"), f"expected [height, width], got {len(size)} numbers")
    height, width = (as_int(v, (*where, "size", i)) for i, v in enumerate(size))
    if height <= 0 or width <= 0:
        raise Located((*where, "size"), f"mask size must be positive, got {height} x {width}")
    if image_size not in ((None, None), (height, width)):
        image_height, image_width = image_size
        raise Located(
            (*where, "size"),
            f"mask size {height} x {width} differs from the image's {image_height} x {image_width}",
        )
    counts, encoding = _counts(required(record, "counts", where), (*where, "counts"))
    if sum(counts) != height * width:
        raise Located(
            (*where, "counts"), f"counts add up to {sum(counts)}, expected {height * width}"
        )
    return Mask(
        category_id=category_id,
        height=height,
        width=width,
        counts=counts,
        attributes={ATTR_RLE: encoding},
    )


def _counts(raw: object, where: Where) -> tuple[tuple[int, ...], str]:
    if isinstance(raw, str):
        try:
            from ango_convert import masks  # numpy: imported only when a mask is met

            return masks.decompress_counts(raw), "compressed"
        except ValueError as exc:
            raise Located(where, str(exc)) from exc
    counts = tuple(as_int(v, (*where, i)) for i, v in enumerate(as_list(raw, where)))
    if any(count < 0 for count in counts):
        raise Located(where, "RLE counts must not be negative")
    return counts, "uncompressed"


def decode_keypoints(value: object, category: Category, where: Where) -> Keypoints | None:
    """``keypoints`` as [x, y, v] triples, one per keypoint the category names.

    Returns:
        The pose, or None when ``value`` is null or empty.
    """
    if value is None or value == []:
        return None
    numbers = as_list(value, where)
    if len(numbers) % 3:
        raise Located(where, f"expected [x, y, v] triples, got {len(numbers)} numbers")
    count = len(category.keypoint_names)
    if len(numbers) // 3 != count:
        raise Located(
            where,
            f"{len(numbers) // 3} keypoints given, category {category.name!r} names {count}",
        )
    points = []
    for i in range(0, len(numbers), 3):
        x, y = as_number(numbers[i], (*where, i)), as_number(numbers[i + 1], (*where, i + 1))
        visibility = as_int(numbers[i + 2], (*where, i + 2))
        if visibility not in (0, 1, 2):
            raise Located((*where, i + 2), f"visibility must be 0, 1 or 2, got {visibility}")
        points.append((x, y, visibility))
    return Keypoints(category_id=category.id, points=tuple(points))
