"""IR annotations -> Ango objects (encoding), shared by the import-payload writers.

Mapping per annotation kind (the README has the same table):

=============  ===================================================================
IR kind        Ango object
=============  ===================================================================
box            ``bounding-box {x, y, width, height}``
rotated-box    ``rotated-bounding-box {x, y, width, height, rotation}`` (see
               :mod:`ango_convert.formats.ango.geometry` for the pivot)
polygon        ``polygon [[x, y], ...]`` when one ring without holes, else
               ``segmentation {zones: [{region, holes}]}``
mask           ``segmentation`` zones traced along pixel edges (exact)
polyline       ``polyline [[x, y], ...]``
point          ``point [x, y]``
keypoints      one ``point`` per labelled keypoint (visibility 1 or 2), titled with the
               class, nested ``keypoint`` = name and ``visibility`` = visible|occluded,
               objectId ``<instance>:kp:<index>``, plus a ``group`` relation ``instance``
=============  ===================================================================

Annotations sharing an IR ``group`` (a COCO box and its keypoints) share objectId
prefixes and a ``group`` relation, so the reverse direction rebuilds one instance.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from ango_convert.errors import ConversionError, shown
from ango_convert.formats.ango.geometry import Pivot, rotated_box_to_ango
from ango_convert.model import (
    ATTR_COCO_AREA,
    ATTR_COCO_ID,
    ATTR_ISCROWD,
    ATTR_OBJECT_ID,
    ATTR_PAGE,
    ATTR_SCHEMA_ID,
    Annotation,
    Box,
    Category,
    Classification,
    Item,
    JSONValue,
    Keypoints,
    Mask,
    Point,
    Polygon,
    Polyline,
    Ring,
    RotatedBox,
    Zone,
)
from ango_convert.ontology import (
    INSTANCE_RELATION,
    KEYPOINT_QUESTION,
    VISIBILITY_ANSWERS,
    VISIBILITY_QUESTION,
    Ontology,
)

Json = dict[str, Any]
ISCROWD_QUESTION = "iscrowd"
#: Attributes that change nothing in a box's Ango object (a zero iscrowd sends nothing).
_SILENT_BOX_KEYS = frozenset({ATTR_COCO_ID, ATTR_COCO_AREA, ATTR_ISCROWD})


@dataclass
class EncodeStats:
    """What the encoder could not map, collected over a whole dataset."""

    unmapped: Counter[str] = field(default_factory=Counter)
    unsent_attributes: Counter[str] = field(default_factory=Counter)
    approximated: Counter[str] = field(default_factory=Counter)
    objects: int = 0


class AngoEncoder:
    """Turns IR items into Ango answers ``{objects, classifications, relations}``.

    Args:
        categories: The dataset's categories.
        ontology: Where schemaIds come from; empty means title-only mode.
        title_only: Send titles for anything the ontology does not map, instead of
            collecting it as unmapped.
        pivot: The rotated-box pivot convention.
    """

    def __init__(
        self,
        categories: Sequence[Category],
        ontology: Ontology,
        *,
        title_only: bool = False,
        pivot: Pivot = "corner",
    ) -> None:
        self._categories = {category.id: category for category in categories}
        self._ontology = ontology
        self._lenient = title_only or ontology.is_empty
        self._pivot: Pivot = pivot
        self.stats = EncodeStats()
        self._box_headers: dict[int, Json] = {}

    def encode(self, item: Item) -> Json:
        """Encode one item's annotations and classifications as an Ango answer."""
        objects: list[Json] = []
        groups: dict[str, list[str]] = {}
        for counter, annotation in enumerate(item.annotations, start=1):
            if type(annotation) is Box and annotation.group is None:
                plain = self._plain_box(annotation)
                if plain is not None:
                    objects.append(plain)
                    continue
            prefix = annotation.group or f"{counter}"
            try:
                encoded = self._encode_annotation(annotation, prefix)
            except ConversionError as exc:  # a mask too large to trace: name the item
                raise type(exc)(f"item {shown(item.id)}, annotation {counter}: {exc}") from None
            for obj in encoded:
                objects.append(obj)
                if annotation.group is not None and "objectId" in obj:
                    groups.setdefault(annotation.group, []).append(obj["objectId"])
        self.stats.objects += len(objects)
        return {
            "objects": objects,
            "classifications": [self._classification(c) for c in item.classifications],
            "relations": self._relations(groups),
        }

    # --- objects ---------------------------------------------------------------------

    def _encode_annotation(self, annotation: Annotation, prefix: str) -> list[Json]:
        category = self._category(annotation.category_id)
        if isinstance(annotation, Keypoints):
            return self._keypoint_objects(annotation, category, prefix)
        key, value = self._geometry(annotation)
        obj = self._header(annotation, category, key)
        if annotation.group is not None and "objectId" not in obj:
            obj["objectId"] = annotation.group
        obj[key] = value
        nested = self._nested(annotation.attributes, category.name)
        if nested:
            obj["classifications"] = nested
        return [obj]

    def _plain_box(self, box: Box) -> Json | None:
        """The object of a box with nothing but silent attributes, else None.

        Gives exactly what the general path gives, from a header worked out once per
        category: most datasets are mostly such boxes.
        """
        attributes = box.attributes
        if attributes and (
            not attributes.keys() <= _SILENT_BOX_KEYS or attributes.get(ATTR_ISCROWD) in (1, True)
        ):
            return None
        header = self._box_headers.get(box.category_id)
        if header is None:
            category = self._category(box.category_id)
            header = self._header(box, category, "bounding-box")
            self._box_headers[box.category_id] = header
        elif "schemaId" not in header and not self._lenient:
            self._count_unmapped(self._categories[box.category_id], "bounding-box")
        obj = header.copy()
        obj["bounding-box"] = {"x": box.x, "y": box.y, "width": box.width, "height": box.height}
        return obj

    def _category(self, category_id: int) -> Category:
        try:
            return self._categories[category_id]
        except KeyError:
            # The IR guarantees nothing here; a reader bug must not turn into a KeyError.
            raise ValueError(f"annotation refers to unknown category id {category_id}") from None

    def _header(self, annotation: Annotation, category: Category, tool: str) -> Json:
        obj: Json = {}
        schema_id = annotation.attributes.get(ATTR_SCHEMA_ID) or self._ontology.tool_schema_id(
            category.name, tool
        )
        if schema_id:
            obj["schemaId"] = str(schema_id)
        elif not self._lenient:
            self._count_unmapped(category, tool)
        obj["title"] = category.name
        object_id = annotation.attributes.get(ATTR_OBJECT_ID)
        if object_id is not None:
            obj["objectId"] = str(object_id)
        page = annotation.attributes.get(ATTR_PAGE)
        if isinstance(page, int):
            obj["page"] = page
        return obj

    def _count_unmapped(self, category: Category, tool: str) -> None:
        self.stats.unmapped[f"{category.name} ({tool})"] += 1

    def _geometry(self, annotation: Annotation) -> tuple[str, Any]:
        if isinstance(annotation, Box):
            return "bounding-box", {
                "x": annotation.x,
                "y": annotation.y,
                "width": annotation.width,
                "height": annotation.height,
            }
        if isinstance(annotation, RotatedBox):
            return "rotated-bounding-box", rotated_box_to_ango(annotation, self._pivot)
        if isinstance(annotation, Polygon):
            if annotation.is_simple:
                return "polygon", _points(annotation.zones[0].outer)
            return "segmentation", _zones(annotation.zones)
        if isinstance(annotation, Mask):
            from ango_convert.masks import mask_to_zones

            return "segmentation", _zones(mask_to_zones(annotation))  # MaskTooLarge: exit 5
        if isinstance(annotation, Polyline):
            return "polyline", _points(annotation.points)
        if isinstance(annotation, Point):
            return "point", [annotation.x, annotation.y]
        raise TypeError(f"no Ango geometry for {type(annotation).__name__}")

    def _keypoint_objects(self, pose: Keypoints, category: Category, prefix: str) -> list[Json]:
        names = category.keypoint_names
        objects = []
        for index, (x, y, visibility) in enumerate(pose.points):
            if visibility == 0:
                if x or y:
                    self.stats.approximated["keypoints (unlabelled point with coordinates)"] += 1
                continue
            name = names[index] if index < len(names) else f"kp{index}"
            obj = self._header(pose, category, "point")
            obj["objectId"] = f"{prefix}:kp:{index}"
            obj["point"] = [x, y]
            obj["classifications"] = [
                self._question(category.name, KEYPOINT_QUESTION, name),
                self._question(category.name, VISIBILITY_QUESTION, VISIBILITY_ANSWERS[visibility]),
            ]
            objects.append(obj)
        return objects

    # --- classifications and relations ---------------------------------------------

    def _question(self, tool_title: str, question: str, answer: JSONValue) -> Json:
        entry: Json = {}
        schema_id = self._ontology.nested_schema_id(tool_title, question)
        if schema_id:
            entry["schemaId"] = schema_id
        elif not self._lenient:
            self.stats.unmapped[f"{tool_title}/{question} (nested question)"] += 1
        entry["title"] = question
        entry["answer"] = answer
        return entry

    def _nested(self, attributes: Mapping[str, JSONValue], tool_title: str) -> list[Json]:
        nested = []
        for key, value in attributes.items():
            if key == ATTR_ISCROWD:
                if value in (1, True):
                    key, value = ISCROWD_QUESTION, "yes"
                else:
                    continue
            elif ":" in key or value is None:
                continue  # source extras (ids, schemaIds) are not annotator-facing answers
            schema_id = self._ontology.nested_schema_id(tool_title, key)
            if schema_id is None and not self._lenient:
                self.stats.unsent_attributes[key] += 1
                continue
            entry: Json = {"schemaId": schema_id} if schema_id else {}
            entry["title"] = key
            entry["answer"] = _answer(value)
            nested.append(entry)
        return nested

    def _classification(self, classification: Classification) -> Json:
        entry: Json = {}
        schema_id = self._ontology.classification_schema_id(classification.title)
        if schema_id:
            entry["schemaId"] = schema_id
        elif not self._lenient:
            self.stats.unmapped[f"{classification.title} (classification)"] += 1
        entry["title"] = classification.title
        answer = classification.answer
        entry["answer"] = list(answer) if isinstance(answer, tuple) else answer
        if classification.children:
            entry["classifications"] = [self._classification(c) for c in classification.children]
        return entry

    def _relations(self, groups: Mapping[str, list[str]]) -> list[Json]:
        relations = []
        schema_id = self._ontology.relation_schema_id(INSTANCE_RELATION)
        if schema_id is None and not self._lenient:
            if any(len(ids) > 1 for ids in groups.values()):
                self.stats.unsent_attributes[f"{INSTANCE_RELATION} (relation)"] += 1
            return []
        for ids in groups.values():
            if len(ids) > 1:
                relation: Json = {"schemaId": schema_id} if schema_id else {}
                relation["title"] = INSTANCE_RELATION
                relation["group"] = ids
                relations.append(relation)
        return relations


def _points(ring: Ring) -> list[list[float]]:
    return [[x, y] for x, y in ring]


def _zones(zones: Sequence[Zone]) -> Json:
    return {
        "zones": [
            {"region": _points(zone.outer), "holes": [_points(hole) for hole in zone.holes]}
            for zone in zones
        ]
    }


def _answer(value: JSONValue) -> JSONValue:
    """Ango answers are text or lists of text; structured values travel as JSON text."""
    if isinstance(value, list) and all(_is_scalar(v) for v in value):
        return [str(v) for v in value]
    if isinstance(value, (list, dict)):
        return orjson.dumps(value).decode()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value if isinstance(value, str) else str(value)


def _is_scalar(value: JSONValue) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))
