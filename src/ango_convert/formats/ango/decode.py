"""Ango objects -> IR annotations (decoding), shared by the payload and export readers.

Decoding takes two passes over the records: :class:`NameCollector` first sees every class
title (and keypoint name) so category ids can be fixed in a stable order, then
:class:`AngoDecoder` turns each record's objects into IR annotations.

Category order and ids: a reference COCO file's categories when given (ids kept), else
the ontology's tool order, else class names sorted; ids then run from 1.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ango_convert.formats.ango._fast import PlainBoxes
from ango_convert.formats.ango.encode import ISCROWD_QUESTION, xy_list
from ango_convert.formats.ango.geometry import (
    Pivot,
    normalise_bounding_box,
    rotated_box_from_ango,
)
from ango_convert.model import (
    ATTR_ISCROWD,
    ATTR_OBJECT_ID,
    ATTR_PAGE,
    ATTR_SCHEMA_ID,
    Annotation,
    Box,
    Category,
    Classification,
    JSONValue,
    Keypoints,
    Point,
    Polygon,
    Polyline,
    Zone,
)
from ango_convert.ontology import (
    INSTANCE_RELATION,
    KEYPOINT_QUESTION,
    VISIBILITY_QUESTION,
    Ontology,
)

GEOMETRY_KEYS = (
    "bounding-box",
    "rotated-bounding-box",
    "polygon",
    "polyline",
    "point",
    "segmentation",
)
#: Ango tools with no COCO/VOC/YOLO counterpart; named in messages when met.
OTHER_TOOL_KEYS = (
    "ner",
    "pdf",
    "brush",
    "spline",
    "pct",
    "entity",
    "message",
    "voxel-brush",
    "cuboid",
)
#: How deep nested classifications may go.
MAX_NESTING = 32
#: Object keys that are not a tool's geometry.
_OBJECT_KEYS = frozenset(
    {"schemaId", "title", "objectId", "classifications", "metadata", "page", "color", "tool"}
)
_KP_OBJECT_ID = re.compile(r"^(?P<prefix>.+):kp:(?P<index>\d+)$")
_VISIBILITY = {"visible": 2, "occluded": 1, "not visible": 1}

UnknownTools = Literal["error", "skip"]


def _is_object(value: object) -> bool:
    """A JSON object: ``dict`` tested first, the ABC check (slow) only for other types."""
    return type(value) is dict or isinstance(value, Mapping)


def object_title(obj: Mapping[str, Any], ontology: Ontology) -> str:
    """The class title of an Ango object: the ontology's title for its schemaId, else its own.

    Raises:
        ValueError: Neither a title nor a schemaId the ontology knows.
    """
    schema_id = obj.get("schemaId")
    if isinstance(schema_id, str) and schema_id:
        known = ontology.title_for(schema_id)
        if known is not None:
            return known[0]
    title = obj.get("title")
    if isinstance(title, str) and title:
        return title
    if isinstance(schema_id, str) and schema_id:
        return schema_id
    raise ValueError("object has neither a title nor a schemaId")


def _nested_answer(obj: Mapping[str, Any], question: str) -> Any:
    nested_list = obj.get("classifications")
    if not isinstance(nested_list, list):  # unvalidated input may hold anything here
        return None
    for nested in nested_list:
        if _is_object(nested) and nested.get("title") == question:
            return nested.get("answer")
    return None


def _keypoint_index(obj: Mapping[str, Any]) -> tuple[str | None, int | None]:
    object_id = str(obj.get("objectId", ""))
    if ":kp:" not in object_id:  # most objects: no regex needed
        return None, None
    match = _KP_OBJECT_ID.match(object_id)
    if match is None:
        return None, None
    return match["prefix"], int(match["index"])


def is_keypoint(obj: Mapping[str, Any]) -> bool:
    """True for a ``point`` object that stands for a keypoint of a pose."""
    return "point" in obj and _nested_answer(obj, KEYPOINT_QUESTION) is not None


@dataclass
class NameCollector:
    """First pass: class titles and keypoint names seen in the data."""

    ontology: Ontology
    titles: set[str] = field(default_factory=set)
    keypoints: dict[str, dict[str, int | None]] = field(default_factory=dict)

    def add(self, objects: Iterable[Any]) -> None:
        """Note the titles (and keypoint names) of some Ango objects."""
        for obj in objects:
            if not _is_object(obj):
                continue
            try:
                title = object_title(obj, self.ontology)
            except ValueError:
                continue  # the decoding pass reports it with its place
            self.titles.add(title)
            if is_keypoint(obj):
                name = str(_nested_answer(obj, KEYPOINT_QUESTION))
                _, index = _keypoint_index(obj)
                seen = self.keypoints.setdefault(title, {})
                if seen.get(name) is None:
                    seen[name] = index

    def categories(self, reference: Sequence[Category] | None = None) -> tuple[Category, ...]:
        """Fix the category list: reference first, else ontology order, else sorted."""
        if reference:
            known = {c.name for c in reference}
            extra = sorted(self.titles - known)
            next_id = max(c.id for c in reference) + 1
            added = [self._category(next_id + i, name) for i, name in enumerate(extra)]
            return (*reference, *added)
        ordered = [t for t in self.ontology.class_order() if t in self.titles]
        ordered += sorted(self.titles - set(ordered))
        return tuple(self._category(index + 1, name) for index, name in enumerate(ordered))

    def _category(self, category_id: int, name: str) -> Category:
        names = self.ontology.keypoint_names(name) or self._keypoint_order(name)
        return Category(id=category_id, name=name, keypoint_names=names)

    def _keypoint_order(self, title: str) -> tuple[str, ...]:
        seen = self.keypoints.get(title, {})
        indexed = sorted((i, n) for n, i in seen.items() if i is not None)
        slots: dict[int, str] = dict(indexed)
        for name, index in seen.items():
            if index is None:
                slots[max(slots, default=-1) + 1] = name
        if not slots:
            return ()
        return tuple(slots.get(i, f"kp{i}") for i in range(max(slots) + 1))


class AngoDecoder:
    """Second pass: Ango answers to IR annotations and classifications.

    Args:
        categories: The fixed category list (from :meth:`NameCollector.categories`).
        ontology: Resolves schemaIds to titles.
        pivot: The rotated-box pivot convention.
        unknown_tools: ``error`` refuses objects of tools the IR cannot hold (NER, PDF,
            brush...), ``skip`` leaves them out and counts them in ``skipped``.
    """

    def __init__(
        self,
        categories: Sequence[Category],
        ontology: Ontology,
        *,
        pivot: Pivot = "corner",
        unknown_tools: UnknownTools = "error",
    ) -> None:
        self._by_name = {c.name: c for c in categories}
        self._ontology = ontology
        self._pivot = pivot
        self._unknown_tools = unknown_tools
        self.skipped: Counter[str] = Counter()
        self._plain = PlainBoxes(self._category)

    def decode_objects(
        self, objects: Sequence[Any], relations: Sequence[Any] = ()
    ) -> list[Annotation]:
        """Decode one answer's objects (raises ValueError naming ``objects[i]``)."""
        groups = _relation_groups(relations)
        prefixes = {p for p in (_keypoint_index(o)[0] for o in objects if _is_object(o)) if p}
        annotations: list[Annotation] = []
        poses: dict[tuple[str | None, str], list[tuple[int, Mapping[str, Any]]]] = {}
        plain = None if groups or prefixes else self._plain  # plain boxes have no group
        for index, obj in enumerate(objects):
            box = plain.box(obj) if plain is not None else None
            if box is not None:
                annotations.append(box)
                continue
            try:
                if not _is_object(obj):
                    raise ValueError(f"expected an object, got {type(obj).__name__}")
                group = _group_of(obj, groups, prefixes)
                if is_keypoint(obj):
                    title = object_title(obj, self._ontology)
                    poses.setdefault((group, title), []).append((index, obj))
                    continue
                annotation = self._decode(obj, group)
            except (ValueError, TypeError) as exc:
                raise ValueError(f"objects[{index}]: {exc}") from None
            if annotation is not None:
                annotations.append(annotation)
        for (group, title), members in poses.items():
            annotations.append(self._pose(title, group, members))
        return annotations

    def _decode(self, obj: Mapping[str, Any], group: str | None) -> Annotation | None:
        key = next((k for k in GEOMETRY_KEYS if k in obj), None)
        if key is None:
            tool = next((k for k in OTHER_TOOL_KEYS if k in obj), None) or _odd_key(obj)
            if self._unknown_tools == "skip":
                self.skipped[tool] += 1
                return None
            raise ValueError(
                f"tool {tool!r} has no COCO/VOC/YOLO counterpart (skip it with unknown_tools=skip)"
            )
        category_id = self._category(obj).id
        common: dict[str, Any] = {
            "category_id": category_id,
            "group": group,
            "attributes": self._attributes(obj),
        }
        value = obj[key]
        if key == "bounding-box":
            x, y, w, h = normalise_bounding_box(value)
            return Box(x=x, y=y, width=w, height=h, **common)
        if key == "rotated-bounding-box":
            box = rotated_box_from_ango(value, category_id=category_id, pivot=self._pivot)
            return type(box)(
                cx=box.cx, cy=box.cy, width=box.width, height=box.height, angle=box.angle, **common
            )
        if key == "polygon":
            return Polygon(zones=(Zone(outer=_ring(value)),), **common)
        if key == "polyline":
            return Polyline(points=_ring(value), **common)
        if key == "point":
            x, y = xy_list(value)
            return Point(x=x, y=y, **common)
        return Polygon(zones=_segmentation(value), **common)

    def _category(self, obj: Mapping[str, Any]) -> Category:
        title = object_title(obj, self._ontology)
        category = self._by_name.get(title)
        if category is None:
            raise ValueError(f"class {title!r} is not in the category list")
        return category

    def _attributes(self, obj: Mapping[str, Any]) -> dict[str, JSONValue]:
        attributes: dict[str, JSONValue] = {}
        for key, target in (("schemaId", ATTR_SCHEMA_ID), ("objectId", ATTR_OBJECT_ID)):
            if isinstance(obj.get(key), str):
                attributes[target] = obj[key]
        if isinstance(obj.get("page"), int):
            attributes[ATTR_PAGE] = obj["page"]
        for title, answer in _flatten(obj.get("classifications") or (), ""):
            if title == ISCROWD_QUESTION:
                attributes[ATTR_ISCROWD] = 1 if answer in ("yes", "1", "true", True, 1) else 0
            elif title not in (KEYPOINT_QUESTION, VISIBILITY_QUESTION):
                attributes[title] = answer
        return attributes

    def _pose(
        self, title: str, group: str | None, members: list[tuple[int, Mapping[str, Any]]]
    ) -> Keypoints:
        category = self._by_name[title]
        names = category.keypoint_names
        points = [(0.0, 0.0, 0)] * len(names)
        for index, obj in members:
            name = str(_nested_answer(obj, KEYPOINT_QUESTION))
            if name not in names:
                raise ValueError(f"objects[{index}]: keypoint {name!r} is not one of {list(names)}")
            visibility = _VISIBILITY.get(
                str(_nested_answer(obj, VISIBILITY_QUESTION) or "visible"), 2
            )
            x, y = xy_list(obj["point"])
            points[names.index(name)] = (x, y, visibility)
        first = members[0][1]
        attributes = {k: v for k, v in self._attributes(first).items() if k != ATTR_OBJECT_ID}
        return Keypoints(
            category_id=category.id, points=tuple(points), group=group, attributes=attributes
        )

    def decode_classifications(self, raw: Sequence[Any]) -> tuple[Classification, ...]:
        """Decode global classifications (raises ValueError naming ``classifications[i]``)."""
        result = []
        for index, entry in enumerate(raw):
            try:
                result.append(self._classification(entry, 0))
            except (ValueError, TypeError) as exc:
                raise ValueError(f"classifications[{index}]: {exc}") from None
        return tuple(result)

    def _classification(self, entry: Any, depth: int) -> Classification:
        _check_depth(depth)
        if not _is_object(entry):
            raise ValueError(f"expected an object, got {type(entry).__name__}")
        title = entry.get("title") or entry.get("schemaId")
        if not isinstance(title, str):
            raise ValueError("classification has neither a title nor a schemaId")
        schema_id = entry.get("schemaId")
        if isinstance(schema_id, str):
            known = self._ontology.title_for(schema_id)
            title = known[0] if known else title
        nested = entry.get("classifications") or ()
        children = tuple(self._classification(c, depth + 1) for c in nested)
        attributes: dict[str, JSONValue] = (
            {ATTR_SCHEMA_ID: schema_id} if isinstance(schema_id, str) else {}
        )
        return Classification(
            title=title,
            answer=_answer(entry.get("answer")),
            children=children,
            attributes=attributes,
        )


def _answer(raw: Any) -> str | tuple[str, ...]:
    if isinstance(raw, list):
        return tuple(str(value) for value in raw)
    if raw is None:
        return ""
    return str(raw)


def _flatten(nested: Iterable[Any], prefix: str, depth: int = 0) -> Iterable[tuple[str, JSONValue]]:
    _check_depth(depth)
    for entry in nested:
        if not _is_object(entry):
            continue
        title = str(entry.get("title") or entry.get("schemaId") or "")
        if not title:
            continue
        answer = entry.get("answer")
        yield prefix + title, list(answer) if isinstance(answer, list) else answer
        yield from _flatten(entry.get("classifications") or (), f"{prefix}{title}/", depth + 1)


def _check_depth(depth: int) -> None:
    # Real ontologies nest a few levels; hostile depth would overflow the stack or the
    # JSON writers (orjson stops at 255 levels).
    if depth > MAX_NESTING:
        raise ValueError(f"classifications nested deeper than {MAX_NESTING} levels")


def _relation_groups(relations: Sequence[Any]) -> dict[str, str]:
    member_group: dict[str, str] = {}
    for relation in relations:
        if not _is_object(relation) or not isinstance(relation.get("group"), list):
            continue
        if relation.get("title") not in (None, INSTANCE_RELATION):
            continue
        ids = [str(member) for member in relation["group"]]
        if ids:
            key = _keypoint_index({"objectId": ids[0]})[0] or ids[0]
            for member in ids:
                member_group[member] = key
    return member_group


def _group_of(obj: Mapping[str, Any], groups: Mapping[str, str], prefixes: set[str]) -> str | None:
    object_id = str(obj.get("objectId", ""))
    if object_id in groups:
        return groups[object_id]
    prefix, _ = _keypoint_index(obj)
    if prefix is not None:
        return prefix
    return object_id if object_id in prefixes else None


def _ring(raw: Any) -> tuple[tuple[float, float], ...]:
    if not isinstance(raw, list):
        raise ValueError(f"expected a list of [x, y] points, got {type(raw).__name__}")
    return tuple(xy_list(point) for point in raw)


def _segmentation(raw: Any) -> tuple[Zone, ...]:
    zones = raw.get("zones") if _is_object(raw) else None
    if not isinstance(zones, list) or not zones:
        raise ValueError("segmentation has no zones (export with 'Segmentation Points' on)")
    result = []
    for zone in zones:
        if not _is_object(zone):
            raise ValueError("segmentation zone is not an object")
        holes = zone.get("holes") or []
        # One documented export variant flattens holes to a single ring.
        if holes and isinstance(holes[0], list) and holes[0] and not isinstance(holes[0][0], list):
            holes = [holes]
        result.append(Zone(outer=_ring(zone.get("region")), holes=tuple(_ring(h) for h in holes)))
    return tuple(result)


def _odd_key(obj: Mapping[str, Any]) -> str:
    """Name an object's unrecognised tool by its first key that is not a common field."""
    return next((str(k) for k in obj if k not in _OBJECT_KEYS), "unknown")
