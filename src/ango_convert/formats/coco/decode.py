"""Parse a COCO document (already loaded JSON) into the IR; problems raise ``Located``."""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ango_convert.formats.coco._fast import plain_box, plain_image
from ango_convert.formats.coco.keys import (
    ANNOTATION_KEYS,
    ATTR_RLE,
    CATEGORY_KEYS,
    IMAGE_KEYS,
    INFO_LICENSES,
    TOP_KEYS,
    Located,
    Where,
    as_int,
    as_list,
    as_number,
    as_object,
    as_str,
    claim,
    extras,
    positive_or_none,
    required,
    section,
)
from ango_convert.geometry import box_outside_image
from ango_convert.model import (
    ATTR_COCO_AREA,
    ATTR_COCO_BBOX,
    ATTR_COCO_ID,
    ATTR_COCO_IMAGE_ID,
    ATTR_ISCROWD,
    Annotation,
    Box,
    Category,
    Dataset,
    Item,
    JSONValue,
    Keypoints,
    Mask,
    Polygon,
    Zone,
)

#: Collect-and-continue callback: told of each unit left out.
Skip = Callable[[Located], None]

# --- document -------------------------------------------------------------------------------


@dataclass
class _Image:
    file_name: str
    width: int | None
    height: int | None
    attributes: dict[str, JSONValue]
    annotations: list[Annotation] = field(default_factory=list)


def parse_document(document: object, skip: Skip | None = None) -> Dataset:
    """Build a Dataset from parsed COCO JSON.

    Args:
        document: The parsed JSON.
        skip: Collect-and-continue: called with each bad category, image or annotation,
            which is then left out (annotations of a left-out image or category follow).
            None raises instead.

    Raises:
        Located: The first problem found, with its JSON path.
    """
    root = as_object(document, ())
    categories = _categories(section(root, "categories"), skip)
    images = _images(section(root, "images"), skip)
    by_category = {category.id: category for category in categories}
    _annotations(section(root, "annotations"), by_category, images, skip)
    items = tuple(
        Item(
            id=str(image_id),
            file_name=image.file_name,
            width=image.width,
            height=image.height,
            annotations=tuple(image.annotations),
            attributes=image.attributes,
        )
        for image_id, image in images.items()
    )
    return Dataset(categories=categories, items=items, info=_info(root))


def _info(root: Mapping[str, Any]) -> dict[str, JSONValue]:
    info = root.get("info")
    result: dict[str, JSONValue] = dict(as_object(info, ("info",))) if info is not None else {}
    if root.get("licenses") is not None:
        result[INFO_LICENSES] = as_list(root["licenses"], ("licenses",))
    result.update(extras(root, TOP_KEYS))
    return result


def _categories(raw_list: list[Any], skip: Skip | None) -> tuple[Category, ...]:
    seen: dict[int, int] = {}
    result: list[Category] = []
    for index, raw in enumerate(raw_list):
        with _unit(skip):
            _category(raw, index, seen, result)
    return tuple(result)


def _category(raw: object, index: int, seen: dict[int, int], result: list[Category]) -> None:
    where: Where = ("categories", index)
    record = as_object(raw, where)
    category_id = as_int(required(record, "id", where), (*where, "id"))
    claim(seen, category_id, "categories", index)
    name = as_str(required(record, "name", where), (*where, "name"))
    if not name.strip():
        raise Located((*where, "name"), "category name is empty")
    supercategory = record.get("supercategory")
    names = _keypoint_names(record.get("keypoints"), (*where, "keypoints"))
    result.append(
        Category(
            id=category_id,
            name=name,
            supercategory=None
            if supercategory is None
            else as_str(supercategory, (*where, "supercategory")),
            keypoint_names=names,
            skeleton=_skeleton(record.get("skeleton"), len(names), (*where, "skeleton")),
            attributes=extras(record, CATEGORY_KEYS),
        )
    )


def _keypoint_names(value: object, where: Where) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(as_str(name, (*where, i)) for i, name in enumerate(as_list(value, where)))


def _skeleton(value: object, count: int, where: Where) -> tuple[tuple[int, int], ...]:
    """Read skeleton edges, 1-based as COCO defines them, into 0-based pairs.

    Some tools write 0-based edges; a skeleton that uses index 0 and never the last
    keypoint's 1-based number is read as 0-based.
    """
    if value is None:
        return ()
    pairs = []
    for i, edge in enumerate(as_list(value, where)):
        ends = as_list(edge, (*where, i))
        if len(ends) != 2:
            raise Located((*where, i), f"a skeleton edge needs 2 indices, got {len(ends)}")
        pairs.append((as_int(ends[0], (*where, i, 0)), as_int(ends[1], (*where, i, 1))))
    used = {end for pair in pairs for end in pair}
    shift = 0 if 0 in used and count not in used else 1
    for i, (a, b) in enumerate(pairs):
        if not (0 <= a - shift < count and 0 <= b - shift < count):
            raise Located(
                (*where, i), f"skeleton edge [{a}, {b}] is outside 1..{count} (keypoints)"
            )
    return tuple((a - shift, b - shift) for a, b in pairs)


def _images(raw_list: list[Any], skip: Skip | None) -> dict[int, _Image]:
    images: dict[int, _Image] = {}
    seen: dict[int, int] = {}
    for index, raw in enumerate(raw_list):
        plain = plain_image(raw, index, seen)
        if plain is not None:  # the common case, taken whole; all else below
            image_id, file_name, width, height, attributes = plain
            images[image_id] = _Image(file_name, width, height, attributes)
            continue
        with _unit(skip):
            _image(raw, index, seen, images)
    return images


def _image(raw: object, index: int, seen: dict[int, int], images: dict[int, _Image]) -> None:
    where: Where = ("images", index)
    record = as_object(raw, where)
    image_id = as_int(required(record, "id", where), (*where, "id"))
    claim(seen, image_id, "images", index)
    file_name = as_str(required(record, "file_name", where), (*where, "file_name"))
    attributes: dict[str, JSONValue] = {ATTR_COCO_IMAGE_ID: image_id}
    attributes.update(extras(record, IMAGE_KEYS))
    images[image_id] = _Image(
        file_name=file_name,
        width=positive_or_none(record, "width", where),
        height=positive_or_none(record, "height", where),
        attributes=attributes,
    )


# --- annotations ----------------------------------------------------------------------------


def _annotations(
    raw_list: list[Any],
    categories: Mapping[int, Category],
    images: Mapping[int, _Image],
    skip: Skip | None,
) -> None:
    seen: dict[int, int] = {}
    for index, raw in enumerate(raw_list):
        if plain_box(raw, index, seen, categories, images):
            continue  # the common case, taken whole; all else below
        where: Where = ("annotations", index)
        with _unit(skip):
            try:
                _annotation(raw, index, seen, categories, images)
            except Located:
                raise
            except ValueError as exc:  # an IR invariant the checks above did not foresee
                raise Located(where, str(exc)) from exc


@contextlib.contextmanager
def _unit(skip: Skip | None) -> Iterator[None]:
    """One category, image or annotation: with ``skip``, a problem leaves it out."""
    try:
        yield
    except Located as exc:
        if skip is None:
            raise
        skip(exc)


def _annotation(
    raw: object,
    index: int,
    seen: dict[int, int],
    categories: Mapping[int, Category],
    images: Mapping[int, _Image],
) -> None:
    where: Where = ("annotations", index)
    record = as_object(raw, where)
    annotation_id = as_int(required(record, "id", where), (*where, "id"))
    claim(seen, annotation_id, "annotations", index)
    image_id = as_int(required(record, "image_id", where), (*where, "image_id"))
    if image_id not in images:
        raise Located((*where, "image_id"), f"image id {image_id} is not in $.images")
    category_id = as_int(required(record, "category_id", where), (*where, "category_id"))
    if category_id not in categories:
        raise Located((*where, "category_id"), f"category id {category_id} is not in $.categories")
    image = images[image_id]
    attributes = _annotation_attributes(record, annotation_id, where)
    bbox = _bbox(record.get("bbox"), (*where, "bbox"))
    shape = _segmentation(record.get("segmentation"), category_id, image, (*where, "segmentation"))
    pose = _keypoints(record.get("keypoints"), categories[category_id], (*where, "keypoints"))
    if shape is None:  # a plain box: it must touch its image
        _check_inside(bbox, image, (*where, "bbox"))
    if bbox is None and shape is None and pose is None:
        raise Located(where, "annotation has no bbox, segmentation or keypoints")
    image.annotations.extend(_assemble(category_id, annotation_id, attributes, bbox, shape, pose))


def _annotation_attributes(
    record: Mapping[str, Any], annotation_id: int, where: Where
) -> dict[str, JSONValue]:
    attributes: dict[str, JSONValue] = {ATTR_COCO_ID: annotation_id}
    crowd = record.get("iscrowd", 0)
    if crowd is None:
        crowd = 0
    if isinstance(crowd, bool):
        crowd = int(crowd)
    if as_int(crowd, (*where, "iscrowd")) not in (0, 1):
        raise Located((*where, "iscrowd"), f"iscrowd must be 0 or 1, got {crowd!r}")
    attributes[ATTR_ISCROWD] = int(crowd)
    if record.get("area") is not None:
        attributes[ATTR_COCO_AREA] = as_number(record["area"], (*where, "area"))
    attributes.update(extras(record, ANNOTATION_KEYS))
    free = record.get("attributes")
    if free is not None:
        attributes.update(as_object(free, (*where, "attributes")))
    return attributes


def _assemble(
    category_id: int,
    annotation_id: int,
    attributes: dict[str, JSONValue],
    bbox: tuple[float, float, float, float] | None,
    shape: Polygon | Mask | None,
    pose: Keypoints | None,
) -> list[Annotation]:
    """One IR annotation per geometry; a pose beside a geometry shares its group."""
    has_geometry = shape is not None or bbox is not None
    group = str(annotation_id) if pose is not None and has_geometry else None
    result: list[Annotation] = []
    if shape is not None:
        if bbox is not None:
            attributes[ATTR_COCO_BBOX] = list(bbox)
        merged = {**attributes, **shape.attributes}
        result.append(dataclasses.replace(shape, group=group, attributes=merged))
    elif bbox is not None:
        x, y, width, height = bbox
        result.append(
            Box(
                category_id=category_id,
                x=x,
                y=y,
                width=width,
                height=height,
                group=group,
                attributes=attributes,
            )
        )
    if pose is not None:
        pose_attributes = {ATTR_COCO_ID: annotation_id} if result else attributes
        result.append(
            Keypoints(
                category_id=category_id,
                points=pose.points,
                group=group,
                attributes=pose_attributes,
            )
        )
    return result


def _bbox(value: object, where: Where) -> tuple[float, float, float, float] | None:
    if value is None or value == []:
        return None
    numbers = as_list(value, where)
    if len(numbers) != 4:
        raise Located(where, f"expected 4 numbers [x, y, width, height], got {len(numbers)}")
    x, y, width, height = (as_number(v, (*where, i)) for i, v in enumerate(numbers))
    if width < 0 or height < 0:
        raise Located(where, f"bbox has a negative size {width!r} x {height!r}")
    return (x, y, width, height)


def _check_inside(
    bbox: tuple[float, float, float, float] | None, image: _Image, where: Where
) -> None:
    if bbox is None or image.width is None or image.height is None:
        return
    reason = box_outside_image(*bbox, image.width, image.height)
    if reason:
        raise Located(where, reason)


def _segmentation(
    value: object, category_id: int, image: _Image, where: Where
) -> Polygon | Mask | None:
    if value is None or value == []:
        return None
    if isinstance(value, dict):
        return _rle(value, category_id, image, where)
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
    """Fast check, at C speed, for the common case: only finite ints and floats."""
    return set(map(type, values)) <= _NUMBER_TYPES and all(map(math.isfinite, values))


_NUMBER_TYPES = frozenset({int, float})


def _rle(record: dict[str, Any], category_id: int, image: _Image, where: Where) -> Mask:
    size = as_list(required(record, "size", where), (*where, "size"))
    if len(size) != 2:
        raise Located((*where, "size"), f"expected [height, width], got {len(size)} numbers")
    height, width = (as_int(v, (*where, "size", i)) for i, v in enumerate(size))
    if height <= 0 or width <= 0:
        raise Located((*where, "size"), f"mask size must be positive, got {height} x {width}")
    if (image.height, image.width) not in ((None, None), (height, width)):
        raise Located(
            (*where, "size"),
            f"mask size {height} x {width} differs from the image's {image.height} x {image.width}",
        )
    raw = required(record, "counts", where)
    counts, encoding = _counts(raw, (*where, "counts"))
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


def _keypoints(value: object, category: Category, where: Where) -> Keypoints | None:
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
