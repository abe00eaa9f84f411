"""The classes of Ango objects: each object's class title, and the category list they make.

Category order and ids: a reference COCO file's categories when given (ids kept), else
the ontology's tool order, else class names sorted; ids then run from 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ango_convert.formats.ango.keypoints import is_keypoint, keypoint_id, keypoint_name
from ango_convert.model import Category
from ango_convert.ontology import Ontology


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


@dataclass
class NameCollector:
    """First pass: class titles and keypoint names seen in the data."""

    ontology: Ontology
    titles: set[str] = field(default_factory=set)
    keypoints: dict[str, dict[str, int | None]] = field(default_factory=dict)

    def add(self, objects: Iterable[Any]) -> None:
        """Note the titles (and keypoint names) of some Ango objects."""
        for obj in objects:
            if type(obj) is not dict and not isinstance(obj, Mapping):
                continue
            try:
                title = object_title(obj, self.ontology)
            except ValueError:
                continue  # the decoding pass reports it with its place
            self.titles.add(title)
            if is_keypoint(obj):
                name = keypoint_name(obj)
                _, index = keypoint_id(obj.get("objectId", ""))
                seen = self.keypoints.setdefault(title, {})
                if seen.get(name) is None:
                    seen[name] = index

    def merge(self, titles: set[str], keypoints: dict[str, dict[str, int | None]]) -> None:
        """Take in what a collector over later records saw, as if :meth:`add` had seen
        those records after this one's (a shard of the export)."""
        self.titles |= titles
        for title, names in keypoints.items():
            seen = self.keypoints.setdefault(title, {})
            for name, index in names.items():
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
