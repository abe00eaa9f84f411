"""COCO annotation entries from the IR (see :mod:`.write` for the document).

IR annotations of one item that share a ``group`` and a category merge back into one COCO
annotation: the bbox from the Box, the segmentation from the Polygon or Mask, and the
keypoints from the Keypoints. Items whose annotations are all lone boxes (most detection
data) take a direct path that writes the same entries.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import chain
from typing import Any, Literal

from ango_convert.errors import ConversionError, UnsupportedAnnotationError, shown
from ango_convert.formats.coco.json_stream import (
    DeferredIds,
    HeldEntries,
    IdAssigner,
    JsonArray,
)
from ango_convert.formats.coco.keys import ANNOTATION_KEYS, ATTR_RLE
from ango_convert.geometry import bounds, ring_area, rotated_box_corners
from ango_convert.model import (
    ATTR_COCO_AREA,
    ATTR_COCO_BBOX,
    ATTR_COCO_ID,
    ATTR_ISCROWD,
    ATTR_OBJECT_ID,
    ATTR_PAGE,
    ATTR_SCHEMA_ID,
    Annotation,
    Box,
    Item,
    JSONValue,
    Keypoints,
    Mask,
    Polygon,
    RotatedBox,
    Zone,
)
from ango_convert.report import WriteReport

OnUnsupported = Literal["error", "skip", "approximate"]
WRITES_KINDS = frozenset({"box", "polygon", "mask", "keypoints"})
BBox = list[float]

# Annotation keys the writer sets itself, never from ``coco:<key>`` attributes.
_ENTRY_KEYS = ANNOTATION_KEYS | {"rle"}
# Box attributes that add nothing to an entry beyond its own keys (other formats'
# "prefix:" extras are never written, see _add_extras).
_INTEGER = re.compile("-?[0-9]+")
_SILENT_ATTRIBUTES = frozenset(
    {ATTR_COCO_ID, ATTR_COCO_AREA, ATTR_ISCROWD, ATTR_SCHEMA_ID, ATTR_OBJECT_ID, ATTR_PAGE}
)


def int_or_none(value: object) -> int | None:
    """An id the data offers: an int, or a string of ASCII digits with an optional minus
    sign; anything else (``"--5"``, ``"²"``, a file stem) is None, never an error."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value)
    return None


def extras(attributes: Mapping[str, JSONValue], reserved: frozenset[str]) -> dict[str, Any]:
    """``coco:<key>`` attributes, back as the top-level keys they were read from."""
    result = {}
    for key, value in attributes.items():
        prefix, _, name = key.partition(":")
        if prefix == "coco" and name and name not in reserved:
            result[name] = value
    return result


def lone_boxes(item: Item) -> bool:
    """True when every annotation of the item is a Box outside any group."""
    return all(type(a) is Box and a.group is None for a in item.annotations)


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


class AnnotationWriter:
    """Turns each item's annotations into COCO entries, written to ``entries``."""

    def __init__(
        self,
        report: WriteReport,
        on_unsupported: OnUnsupported,
        entries: JsonArray | HeldEntries,
        ids: IdAssigner | DeferredIds | None = None,
    ):
        self.report = report
        self.on_unsupported = on_unsupported
        self.entries = entries
        self.ids = ids or IdAssigner()
        self.refused: Counter[str] = Counter()
        self.holed = 0

    def add_item(self, item: Item, image_id: int) -> None:
        if lone_boxes(item):  # the common case: one entry per box, in order
            try:
                self._add_boxes(item.annotations, image_id)  # type: ignore[arg-type]
            except OverflowError as exc:
                raise ConversionError(f"item {shown(item.id)}: {exc}") from None
            return
        for parts in self._group(item):
            self._add(parts, item, image_id)

    def _add_boxes(self, boxes: Iterable[Box], image_id: int) -> None:
        """The entries :meth:`_add` would write for lone boxes, built directly."""
        take, add = self.ids.take, self.entries.add
        count = 0
        for box in boxes:
            if box.width <= 0 or box.height <= 0:
                self.report.skipped["zero-area box"] += 1
                continue
            count += 1
            attributes = box.attributes
            wanted, area = attributes.get(ATTR_COCO_ID), attributes.get(ATTR_COCO_AREA)
            if not _is_number(area):
                area = box.width * box.height
                if area - area:  # inf or NaN, from a box too large: JSON would say null
                    raise OverflowError(_overflow(area, [box.x, box.y, box.width, box.height]))
            entry: dict[str, Any] = {
                "id": take(
                    wanted if wanted is None or type(wanted) is int else int_or_none(wanted)
                ),
                "image_id": image_id,
                "category_id": box.category_id,
                "segmentation": [],
                "area": area,
                "bbox": [box.x, box.y, box.width, box.height],
                "iscrowd": 1 if attributes.get(ATTR_ISCROWD) in (1, True) else 0,
            }
            if attributes and not attributes.keys() <= _SILENT_ATTRIBUTES:
                _add_extras(entry, attributes)
            add(entry)
        self.report.annotations += count

    def finish(self) -> None:
        """Raise the refused kinds, if any, and note the holed polygons."""
        if self.refused:
            raise UnsupportedAnnotationError(
                "coco",
                dict(self.refused),
                "pass {on_unsupported=skip} to leave them out, or {on_unsupported=approximate} "
                "to write rotated boxes as polygons (points and polylines are skipped: COCO "
                "has no zero-area box)",
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
        crowd = _iscrowd(attributes.get(ATTR_ISCROWD)) == 1
        holed = isinstance(shape, Polygon) and any(zone.holes for zone in shape.zones)
        if isinstance(shape, Polygon) and (holed or crowd):  # COCO keeps crowd as RLE
            self.holed += holed
            from ango_convert import masks  # numpy: imported only when a mask is met

            try:
                shape = masks.zones_to_mask(
                    shape.zones,
                    height=item.height or 0,
                    width=item.width or 0,
                    category_id=shape.category_id,
                )
            except ConversionError as exc:  # a zone too large to rasterise: name the item
                raise type(exc)(f"item {shown(item.id)}: {exc}") from None
        bbox = _bbox(parts, shape, attributes)
        if not (bbox[2] > 0 and bbox[3] > 0):  # COCOeval and torchvision need an area
            self.report.skipped[f"zero-area {parts.members()[0].kind}"] += 1
            return
        area = _area(parts, shape, bbox, attributes)
        if not math.isfinite(area):  # a box of 1.7e308 squared: JSON would say null
            raise ConversionError(f"item {shown(item.id)}: {_overflow(area, bbox)}")
        self.report.annotations += 1  # one object per entry, as every writer counts
        entry: dict[str, Any] = {
            "id": self.ids.take(int_or_none(attributes.get(ATTR_COCO_ID))),
            "image_id": image_id,
            "category_id": parts.category_id,
            "segmentation": _segmentation(shape, attributes),
            "area": area,
            "bbox": bbox,
            "iscrowd": _iscrowd(attributes.get(ATTR_ISCROWD)),
        }
        if parts.pose is not None:
            entry["keypoints"] = list(chain.from_iterable(parts.pose.points))
            entry["num_keypoints"] = parts.pose.labelled_count
        free = {key: value for key, value in attributes.items() if ":" not in key}
        if free:
            entry["attributes"] = free
        entry.update(extras(attributes, _ENTRY_KEYS))
        self.entries.add(entry)


def _approximate(annotation: Annotation) -> Annotation | None:
    """Rotated box -> polygon of its corners; else None (a lone point has no box: a
    zero-size one would stop torchvision training and skew COCOeval)."""
    if isinstance(annotation, RotatedBox):
        return Polygon(
            category_id=annotation.category_id,
            zones=(Zone(outer=rotated_box_corners(annotation)),),
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
    return _padded(_span((x, y) for x, y, v in parts.pose.points if v > 0))


def _padded(bbox: BBox) -> BBox:
    """A pose's box at least one pixel each way: points in a line (or one labelled point)
    span no area, and COCOeval's OKS and torchvision divide by it."""
    x, y, width, height = bbox
    if width < 1:
        x, width = x - (1 - width) / 2, 1
    if height < 1:
        y, height = y - (1 - height) / 2, 1
    return [x, y, width, height]


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


def _add_extras(entry: dict[str, Any], attributes: Mapping[str, JSONValue]) -> None:
    """Free attributes, then ``coco:<key>`` extras, in the order ``_add`` writes them."""
    free: dict[str, Any] = {}
    kept: dict[str, Any] = {}
    for key, value in attributes.items():
        if ":" not in key:
            free[key] = value
        elif key.startswith("coco:") and key[5:] and key[5:] not in _ENTRY_KEYS:
            kept[key[5:]] = value
    if free:
        entry["attributes"] = free
    entry.update(kept)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _iscrowd(value: object) -> int:
    return 1 if value in (1, True) else 0


def _overflow(area: float, bbox: BBox) -> str:
    return (
        f"an annotation's area is not a finite number ({area}): its box {shown(bbox)} is too large"
    )
