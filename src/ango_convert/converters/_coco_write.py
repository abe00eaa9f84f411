"""Write a COCO document from the IR in one pass over the items (see :mod:`._coco_stream`).

Ids, one pass: an image keeps its source id (``coco:image_id``, else the item id when
it is a whole number) when no earlier image took it, and an annotation its ``coco:id``
likewise; the others are numbered from 1 up, skipping the ids kept so far. Ids that
are all present and distinct are therefore kept, and data without ids is numbered
1..N.

IR annotations of one item that share a ``group`` and a category merge back into one COCO
annotation: the bbox from the Box, the segmentation from the Polygon or Mask, and the
keypoints from the Keypoints.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import IO, Any, Literal

from ango_convert.converters._coco_json import (
    ANNOTATION_KEYS,
    ATTR_RLE,
    CATEGORY_KEYS,
    IMAGE_KEYS,
    INFO_LICENSES,
    TOP_KEYS,
)
from ango_convert.converters._coco_stream import DocumentWriter, IdAssigner, JsonArray
from ango_convert.errors import ConversionError, UnsupportedAnnotationError
from ango_convert.geometry import bounds, ring_area, rotated_box_corners
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
    Point,
    Polygon,
    RotatedBox,
    Zone,
)
from ango_convert.report import WriteReport

OnUnsupported = Literal["error", "skip", "approximate"]
WRITES_KINDS = frozenset({"box", "polygon", "mask", "keypoints"})
BBox = list[float]

_MAX_LISTED = 10


@dataclass(frozen=True, slots=True)
class Options:
    """The writer's options that shape the document."""

    on_unsupported: OnUnsupported = "error"
    indent: bool = False


def write_document(
    dataset: Dataset,
    stream: IO[bytes],
    spool: IO[bytes],
    report: WriteReport,
    options: Options,
) -> None:
    """Write the COCO document for a dataset to ``stream`` in one pass over its items,
    counting what was written in ``report``. Annotation entries wait in ``spool`` (an
    empty temporary file) until the images are done.

    Problems are collected while streaming and raised at the end, each in full; the
    caller discards what was written.

    Raises:
        ConversionError: Some items have no image size.
        UnsupportedAnnotationError: Kinds COCO cannot hold, unless skipping or
            approximating was asked for.
    """
    document = DocumentWriter(stream, options.indent)
    document.members(
        [
            ("info", {k: v for k, v in dataset.info.items() if ":" not in k}),
            ("licenses", dataset.info.get(INFO_LICENSES, [])),
        ]
    )
    images = document.open_array("images")
    writer = _AnnotationWriter(report, options.on_unsupported, JsonArray(spool, options.indent))
    image_ids = IdAssigner()
    unsized: list[str] = []  # the first few, for the message
    unsized_count = 0
    for item in dataset.items:
        report.items += 1
        if item.width is None or item.height is None:
            unsized_count += 1
            if len(unsized) < _MAX_LISTED:
                unsized.append(item.id)
            continue
        image_id = image_ids.take(_int_or_none(item.attributes.get(ATTR_COCO_IMAGE_ID, item.id)))
        images.add(_image(item, image_id))
        writer.add_item(item, image_id)
    _require_sizes(unsized, unsized_count)
    writer.finish()
    document.close_array(images)
    document.spooled_array("annotations", spool, writer.entries)
    document.member("categories", [_category(category) for category in dataset.categories])
    document.members(_extras(dataset.info, TOP_KEYS).items())
    document.close()


def _require_sizes(shown: Sequence[str], count: int) -> None:
    if not count:
        return
    listed = ", ".join(repr(name) for name in shown)
    more = f" (and {count - len(shown)} more)" if count > len(shown) else ""
    raise ConversionError(
        f"COCO needs every image's width and height; {count} item(s) have none: "
        f"{listed}{more}; read the source with --images to take sizes from the image files"
    )


def _int_or_none(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _extras(attributes: Mapping[str, JSONValue], reserved: frozenset[str]) -> dict[str, Any]:
    """``coco:<key>`` attributes, back as the top-level keys they were read from."""
    result = {}
    for key, value in attributes.items():
        prefix, _, name = key.partition(":")
        if prefix == "coco" and name and name not in reserved:
            result[name] = value
    return result


def _image(item: Item, image_id: int) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": image_id,
        "file_name": item.file_name,
        "width": item.width,
        "height": item.height,
    }
    entry.update(_extras(item.attributes, IMAGE_KEYS | {"image_id"}))
    return entry


def _category(category: Category) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": category.id, "name": category.name}
    if category.supercategory is not None:
        entry["supercategory"] = category.supercategory
    if category.keypoint_names:
        entry["keypoints"] = list(category.keypoint_names)
        entry["skeleton"] = [[a + 1, b + 1] for a, b in category.skeleton]  # COCO is 1-based
    entry.update(_extras(category.attributes, CATEGORY_KEYS))
    return entry


# --- annotations ----------------------------------------------------------------------------


@dataclass
class _Parts:
    """The IR annotations that become one COCO annotation."""

    category_id: int
    box: Box | None = None
    shape: Polygon | Mask | None = None
    pose: Keypoints | None = None

    def members(self) -> list[Annotation]:
        return [a for a in (self.shape, self.box, self.pose) if a is not None]

    def attributes(self) -> dict[str, JSONValue]:
        merged: dict[str, JSONValue] = {}
        for member in reversed(self.members()):  # earlier members win
            merged.update(member.attributes)
        return merged

    def slot_free(self, annotation: Annotation) -> bool:
        if isinstance(annotation, Box):
            return self.box is None
        if isinstance(annotation, Keypoints):
            return self.pose is None
        return self.shape is None

    def put(self, annotation: Annotation) -> None:
        if isinstance(annotation, Box):
            self.box = annotation
        elif isinstance(annotation, Keypoints):
            self.pose = annotation
        elif isinstance(annotation, (Polygon, Mask)):
            self.shape = annotation


class _AnnotationWriter:
    """Turns each item's annotations into COCO entries, written to ``entries``."""

    def __init__(self, report: WriteReport, on_unsupported: OnUnsupported, entries: JsonArray):
        self.report = report
        self.on_unsupported = on_unsupported
        self.entries = entries
        self.ids = IdAssigner()
        self.refused: Counter[str] = Counter()
        self.holed = 0

    def add_item(self, item: Item, image_id: int) -> None:
        for parts in self._group(item):
            self._add(parts, item, image_id)

    def finish(self) -> None:
        """Raise the refused kinds, if any, and note the holed polygons."""
        if self.refused:
            raise UnsupportedAnnotationError(
                "coco",
                dict(self.refused),
                "pass on_unsupported='skip' to leave them out, or 'approximate' to write "
                "rotated boxes as polygons and points as zero-size boxes (polylines are "
                "skipped)",
            )
        if self.holed:
            self.report.warnings.append(
                f"{self.holed} polygon(s) with holes written as RLE masks "
                "(COCO polygons cannot hold holes)"
            )

    def _group(self, item: Item) -> list[_Parts]:
        result: list[_Parts] = []
        open_groups: dict[tuple[str, int], _Parts] = {}
        for original in item.annotations:
            annotation = self._supported(original)
            if annotation is None:
                continue
            self.report.annotations += 1
            key = (annotation.group, annotation.category_id) if annotation.group else None
            parts = open_groups.get(key) if key else None
            if parts is None or not parts.slot_free(annotation):
                parts = _Parts(annotation.category_id)
                result.append(parts)
                if key:
                    open_groups[key] = parts
            parts.put(annotation)
        return result

    def _supported(self, annotation: Annotation) -> Annotation | None:
        """The annotation as COCO can hold it, or None when it is left out."""
        kind = annotation.kind
        if kind in WRITES_KINDS:
            return annotation
        if self.on_unsupported == "error":
            self.refused[kind] += 1
            return None
        if self.on_unsupported == "approximate":
            approximated = _approximate(annotation)
            if approximated is not None:
                self.report.approximated[kind] += 1
                return approximated
        self.report.skipped[kind] += 1
        return None

    def _add(self, parts: _Parts, item: Item, image_id: int) -> None:
        attributes = parts.attributes()
        shape = parts.shape
        if isinstance(shape, Polygon) and any(zone.holes for zone in shape.zones):
            self.holed += 1
            from ango_convert import masks  # numpy: imported only when a mask is met

            shape = masks.zones_to_mask(
                shape.zones,
                height=item.height or 0,
                width=item.width or 0,
                category_id=shape.category_id,
            )
        bbox = _bbox(parts, shape, attributes)
        entry: dict[str, Any] = {
            "id": self.ids.take(_int_or_none(attributes.get(ATTR_COCO_ID))),
            "image_id": image_id,
            "category_id": parts.category_id,
            "segmentation": _segmentation(shape, attributes),
            "area": _area(parts, shape, bbox, attributes),
            "bbox": bbox,
            "iscrowd": _iscrowd(attributes.get(ATTR_ISCROWD)),
        }
        if parts.pose is not None:
            entry["keypoints"] = list(chain.from_iterable(parts.pose.points))
            entry["num_keypoints"] = parts.pose.labelled_count
        free = {key: value for key, value in attributes.items() if ":" not in key}
        if free:
            entry["attributes"] = free
        entry.update(_extras(attributes, ANNOTATION_KEYS | {"rle"}))
        self.entries.add(entry)


def _approximate(annotation: Annotation) -> Annotation | None:
    """Rotated box -> polygon of its corners; point -> zero-size box; else None."""
    if isinstance(annotation, RotatedBox):
        return Polygon(
            category_id=annotation.category_id,
            zones=(Zone(outer=rotated_box_corners(annotation)),),
            group=annotation.group,
            attributes=annotation.attributes,
        )
    if isinstance(annotation, Point):
        return Box(
            category_id=annotation.category_id,
            x=annotation.x,
            y=annotation.y,
            width=0,
            height=0,
            group=annotation.group,
            attributes=annotation.attributes,
        )
    return None


def _segmentation(shape: Polygon | Mask | None, attributes: Mapping[str, JSONValue]) -> Any:
    if isinstance(shape, Polygon):
        return [list(chain.from_iterable(zone.outer)) for zone in shape.zones]
    if isinstance(shape, Mask):
        counts: Any = list(shape.counts)
        if attributes.get(ATTR_RLE, "compressed") != "uncompressed":
            from ango_convert import masks

            counts = masks.compress_counts(shape.counts)
        return {"size": [shape.height, shape.width], "counts": counts}
    return []


def _bbox(parts: _Parts, shape: Polygon | Mask | None, attributes: Mapping[str, JSONValue]) -> BBox:
    if parts.box is not None:
        box = parts.box
        return [box.x, box.y, box.width, box.height]
    kept = attributes.get(ATTR_COCO_BBOX)
    if isinstance(kept, list) and len(kept) == 4 and all(_is_number(v) for v in kept):
        return [v for v in kept if isinstance(v, (int, float))]
    if isinstance(shape, Mask):
        from ango_convert import masks

        return list(masks.mask_bbox(shape))
    if isinstance(shape, Polygon):
        return _span(point for zone in shape.zones for point in zone.outer)
    assert parts.pose is not None  # a group always has at least one member
    return _span((x, y) for x, y, v in parts.pose.points if v > 0)


def _span(points: Iterable[tuple[float, float]]) -> BBox:
    listed = list(points)
    if not listed:
        return [0, 0, 0, 0]
    x0, y0, x1, y1 = bounds(listed)
    return [x0, y0, x1 - x0, y1 - y0]


def _area(
    parts: _Parts, shape: Polygon | Mask | None, bbox: BBox, attributes: Mapping[str, JSONValue]
) -> float:
    kept = attributes.get(ATTR_COCO_AREA)
    if _is_number(kept) and isinstance(kept, (int, float)):
        return kept
    if isinstance(shape, Mask):
        from ango_convert import masks

        return masks.mask_area(shape)
    if isinstance(shape, Polygon):
        return sum(_zone_area(zone) for zone in shape.zones)
    return bbox[2] * bbox[3]


def _zone_area(zone: Zone) -> float:
    return ring_area(zone.outer) - sum(ring_area(hole) for hole in zone.holes)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _iscrowd(value: object) -> int:
    return 1 if value in (1, True) else 0
