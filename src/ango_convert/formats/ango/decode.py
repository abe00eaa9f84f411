"""Ango objects -> IR annotations (decoding), shared by the payload and export readers.

Decoding takes two passes over the records: :class:`NameCollector` first sees every class
title (and keypoint name) so category ids can be fixed in a stable order, then
:class:`AngoDecoder` turns each record's objects into IR annotations.

There is one object decoder. It meets each value with exact type tests first, so the
usual object (a bounding box with its ids) costs a handful of them; only when a test
fails does the general walk of :mod:`~ango_convert.formats.ango.object_faults` run, to take
what is valid after all or to say where and why the object is refused:
``objects[3].bounding-box.width must be a finite number, got nan``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from ango_convert.formats.ango.class_names import NameCollector, object_title
from ango_convert.formats.ango.classifications import (
    MAX_NESTING,
    decode_classifications,
    nested_answers,
)
from ango_convert.formats.ango.encode import ISCROWD_QUESTION
from ango_convert.formats.ango.geometry import Pivot
from ango_convert.formats.ango.keypoints import (
    group_of,
    is_keypoint,
    keypoint_name,
    keypoint_prefixes,
    relation_groups,
    visibility,
)
from ango_convert.formats.ango.object_faults import ObjectFault, json_kind
from ango_convert.formats.ango.object_geometry import (
    GEOMETRY_KEYS,
    OTHER_TOOL_KEYS,
    UnknownTools,
    box,
    geometry_key,
    other_tool_name,
    shape,
    xy,
)
from ango_convert.model import (
    ATTR_ISCROWD,
    ATTR_OBJECT_ID,
    ATTR_PAGE,
    ATTR_SCHEMA_ID,
    Annotation,
    Category,
    Classification,
    JSONValue,
    Keypoints,
)
from ango_convert.ontology import KEYPOINT_QUESTION, VISIBILITY_QUESTION, Ontology

__all__ = [
    "GEOMETRY_KEYS",
    "MAX_NESTING",
    "OTHER_TOOL_KEYS",
    "AngoDecoder",
    "NameCollector",
    "UnknownTools",
    "is_keypoint",
    "object_title",
]

#: Nested answers that say what a keypoint is, not attributes of the object.
_KEYPOINT_QUESTIONS = (KEYPOINT_QUESTION, VISIBILITY_QUESTION)
#: A pose's member objects, with their index in the answer's objects.
_Members = list[tuple[int, Mapping[str, Any]]]


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
        self._pivot: Pivot = pivot
        self._unknown_tools = unknown_tools
        self.skipped: Counter[str] = Counter()
        # The class of each (schemaId, title) seen: the ontology is asked once per pair.
        self._category_ids: dict[tuple[Any, Any], int] = {}

    def decode_objects(
        self, objects: Sequence[Any], relations: Sequence[Any] = ()
    ) -> list[Annotation]:
        """Decode one answer's objects; keypoint objects become one pose per instance.

        Raises:
            ValueError: An object that cannot be decoded, located from ``objects[i]``
                down to the bad key where there is one.
        """
        groups = relation_groups(relations) if relations else {}
        prefixes = keypoint_prefixes(objects)
        grouped = bool(groups or prefixes)
        annotations: list[Annotation] = []
        poses: dict[tuple[str | None, str], _Members] = {}
        for index, obj in enumerate(objects):
            try:
                if type(obj) is not dict and not isinstance(obj, Mapping):
                    raise ObjectFault("", f"must be an object, got {json_kind(obj)}")
                group = group_of(obj, groups, prefixes) if grouped else None
                if "point" in obj and is_keypoint(obj):
                    title = object_title(obj, self._ontology)
                    poses.setdefault((group, title), []).append((index, obj))
                    continue
                annotation = self._annotation(obj, group)
            except ObjectFault as fault:
                raise ValueError(fault.at(f"objects[{index}]")) from None
            except (ValueError, TypeError) as exc:
                raise ValueError(f"objects[{index}]: {exc}") from None
            if annotation is not None:
                annotations.append(annotation)
        for (group, title), members in poses.items():
            annotations.append(self._pose(title, group, members))
        return annotations

    def decode_classifications(self, raw: Sequence[Any]) -> tuple[Classification, ...]:
        """Decode global classifications (raises ValueError naming ``classifications[i]``)."""
        return decode_classifications(raw, self._ontology)

    def _annotation(self, obj: Mapping[str, Any], group: str | None) -> Annotation | None:
        """The one object decoder: None for a skipped tool the IR cannot hold."""
        if "bounding-box" in obj:  # the usual object: no search for its tool
            return box(obj["bounding-box"], self._category_id(obj), group, self._attributes(obj))
        tool = geometry_key(obj)
        if tool is None:
            tool = other_tool_name(obj)
            if self._unknown_tools == "skip":
                self.skipped[tool] += 1
                return None
            raise ValueError(
                f"tool {tool!r} has no COCO/VOC/YOLO counterpart (skip it with unknown_tools=skip)"
            )
        category_id = self._category_id(obj)
        return shape(tool, obj[tool], category_id, group, self._attributes(obj), self._pivot)

    def _category_id(self, obj: Mapping[str, Any]) -> int:
        key = (obj.get("schemaId"), obj.get("title"))
        try:
            return self._category_ids[key]
        except KeyError:
            category_id = self._category(object_title(obj, self._ontology)).id
            self._category_ids[key] = category_id
            return category_id
        except TypeError:  # an unhashable schemaId or title: the title ignores it, no cache
            return self._category(object_title(obj, self._ontology)).id

    def _category(self, title: str) -> Category:
        category = self._by_name.get(title)
        if category is None:
            raise ValueError(f"class {title!r} is not in the category list")
        return category

    def _attributes(self, obj: Mapping[str, Any]) -> dict[str, JSONValue]:
        attributes: dict[str, JSONValue] = {}
        schema_id = obj.get("schemaId")
        if isinstance(schema_id, str):
            attributes[ATTR_SCHEMA_ID] = schema_id
        object_id = obj.get("objectId")
        if isinstance(object_id, str):
            attributes[ATTR_OBJECT_ID] = object_id
        page = obj.get("page")
        if isinstance(page, int):
            attributes[ATTR_PAGE] = page
        nested = obj.get("classifications")
        if nested:
            for title, answer in nested_answers(nested):
                if title == ISCROWD_QUESTION:
                    attributes[ATTR_ISCROWD] = 1 if answer in ("yes", "1", "true", True, 1) else 0
                elif title not in _KEYPOINT_QUESTIONS:
                    attributes[title] = answer
        return attributes

    def _pose(self, title: str, group: str | None, members: _Members) -> Keypoints:
        """One pose from its keypoint objects; faults name the member's ``objects[i]``."""
        first_index, first = members[0]
        try:
            category = self._category(title)
            attributes = self._attributes(first)
        except ValueError as exc:
            raise ValueError(f"objects[{first_index}]: {exc}") from None
        attributes.pop(ATTR_OBJECT_ID, None)  # each member has its own; the pose has none
        names = category.keypoint_names
        points = [(0.0, 0.0, 0)] * len(names)
        for index, obj in members:
            name = keypoint_name(obj)
            if name not in names:
                raise ValueError(f"objects[{index}]: keypoint {name!r} is not one of {list(names)}")
            try:
                x, y = xy(obj["point"], ".point")
            except ObjectFault as fault:
                raise ValueError(fault.at(f"objects[{index}]")) from None
            points[names.index(name)] = (x, y, visibility(obj))
        return Keypoints(
            category_id=category.id, points=tuple(points), group=group, attributes=attributes
        )
