"""Mapping class names to Ango schemaIds, and building an Ango ontology from a dataset.

Three sources, in order of precision:

(a) a schema map file, JSON or YAML, ``{"class name": "schemaId"}``. A key may name the
    tool type too, ``"car:polygon"``, when one class is drawn with several tools (each
    Ango tool has its own schemaId). Nested attributes, global classifications and
    relations are mapped by title the same way;
(b) a project's ``categorySchema`` as Ango Hub returns it (the bare ``categorySchema``, or
    the whole ``GET /v2/project/{id}`` response), matched on tool title and tool type;
(c) nothing: objects are sent by title only, which Ango Hub resolves itself (and picks at
    random when two tools share a title), with a warning.

Keypoints are Ango ``point`` objects: the point tool is titled with the class name and
carries two nested radio questions, ``keypoint`` (options: the keypoint names, in order)
and ``visibility`` (``visible``/``occluded``). Each instance's points share an objectId
prefix and a ``group`` relation titled ``instance``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ango_convert.errors import ReadError, shown
from ango_convert.io.inputs import json_path, load_json, load_yaml
from ango_convert.model import Annotation, Category, Polygon

KEYPOINT_QUESTION = "keypoint"
VISIBILITY_QUESTION = "visibility"
VISIBILITY_ANSWERS = {1: "occluded", 2: "visible"}
INSTANCE_RELATION = "instance"

#: Ango tool type used for each IR annotation kind.
TOOL_FOR_KIND: Mapping[str, str] = {
    "box": "bounding-box",
    "rotated-box": "rotated-bounding-box",
    "polygon": "polygon",
    "polyline": "polyline",
    "point": "point",
    "keypoints": "point",
    "mask": "segmentation",
}


def tool_for(annotation: Annotation) -> str:
    """The Ango tool type an annotation is written with.

    A polygon of one ring is a ``polygon``; one with holes or several parts can only be a
    ``segmentation``.
    """
    if isinstance(annotation, Polygon) and not annotation.is_simple:
        return "segmentation"
    return TOOL_FOR_KIND[annotation.kind]


@dataclass(frozen=True, slots=True)
class ToolEntry:
    """One tool (or classification, or relation) of an Ango ontology."""

    title: str
    tool: str
    schema_id: str | None
    options: tuple[str, ...] = ()
    children: tuple[ToolEntry, ...] = ()
    color: str | None = None


@dataclass
class Ontology:
    """Resolves titles to schemaIds and back.

    Build one with :func:`load_schema_map`, :func:`load_category_schema` or
    ``Ontology()`` for title-only mode.
    """

    tools: list[ToolEntry] = field(default_factory=list)
    classifications: list[ToolEntry] = field(default_factory=list)
    relations: list[ToolEntry] = field(default_factory=list)
    flat_map: dict[str, str] = field(default_factory=dict)
    source: str | None = None
    # Answers of the lookups below, asked once per object on the hot paths; an Ontology
    # is built first (load_ontology) and only queried afterwards.
    _memo: dict[tuple[str, ...], Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_empty(self) -> bool:
        """True when there is nothing to map with (title-only mode)."""
        return not (self.tools or self.classifications or self.relations or self.flat_map)

    def tool_schema_id(self, title: str, tool: str) -> str | None:
        """The schemaId of the tool with this title and type, if known."""
        key = ("tool_schema_id", title, tool)
        if key not in self._memo:
            self._memo[key] = self._tool_schema_id(title, tool)
        result: str | None = self._memo[key]
        return result

    def _tool_schema_id(self, title: str, tool: str) -> str | None:
        """The schemaId of the tool with this title and type, if known."""
        for key in (f"{title}:{tool}", title):
            if key in self.flat_map:
                return self.flat_map[key]
        for entry in self.tools:
            if entry.title == title and entry.tool == tool:
                return entry.schema_id
        return None

    def nested_schema_id(self, tool_title: str, question: str) -> str | None:
        """The schemaId of a question nested under a tool, if known."""
        key = ("nested_schema_id", tool_title, question)
        if key not in self._memo:
            self._memo[key] = self._nested_schema_id(tool_title, question)
        result: str | None = self._memo[key]
        return result

    def _nested_schema_id(self, tool_title: str, question: str) -> str | None:
        """The schemaId of a question nested under a tool, if known."""
        for key in (f"{tool_title}/{question}", question):
            if key in self.flat_map:
                return self.flat_map[key]
        for entry in self.tools:
            if entry.title == tool_title:
                for child in entry.children:
                    if child.title == question:
                        return child.schema_id
        return None

    def classification_schema_id(self, title: str) -> str | None:
        """The schemaId of a global classification question, if known."""
        if title in self.flat_map:
            return self.flat_map[title]
        return next((c.schema_id for c in self.classifications if c.title == title), None)

    def relation_schema_id(self, title: str) -> str | None:
        """The schemaId of a relation, if known."""
        if title in self.flat_map:
            return self.flat_map[title]
        return next((r.schema_id for r in self.relations if r.title == title), None)

    def title_for(self, schema_id: str) -> tuple[str, str | None] | None:
        """The (title, tool type) a schemaId stands for, if known."""
        key = ("title_for", schema_id)
        if key not in self._memo:
            self._memo[key] = self._title_for(schema_id)
        result: tuple[str, str | None] | None = self._memo[key]
        return result

    def _title_for(self, schema_id: str) -> tuple[str, str | None] | None:
        """The (title, tool type) a schemaId stands for, if known."""
        for entry in self.tools:
            if entry.schema_id == schema_id:
                return entry.title, entry.tool
        for key, value in self.flat_map.items():
            if value == schema_id:
                title, _, tool = key.partition(":")
                return title, tool or None
        return None

    def class_order(self) -> list[str]:
        """Class titles in ontology order, each once."""
        seen: dict[str, None] = {}
        for entry in self.tools:
            seen.setdefault(entry.title, None)
        return list(seen)

    def keypoint_names(self, title: str) -> tuple[str, ...]:
        """Keypoint names of a point tool, from its nested ``keypoint`` question."""
        for entry in self.tools:
            if entry.title == title and entry.tool == "point":
                for child in entry.children:
                    if child.title == KEYPOINT_QUESTION:
                        return child.options
        return ()


def load_ontology(schema_map: Path | None = None, ontology: Path | None = None) -> Ontology:
    """Build an :class:`Ontology` from whichever source the user gave (or none).

    Raises:
        ReadError: The file is malformed.
    """
    if ontology is not None:
        result = load_category_schema(ontology)
        if schema_map is not None:
            result.flat_map.update(load_schema_map(schema_map).flat_map)
        return result
    if schema_map is not None:
        return load_schema_map(schema_map)
    return Ontology()


def load_schema_map(path: Path) -> Ontology:
    """Load a JSON or YAML ``{"class name": "schemaId"}`` file."""
    data = _load_json_or_yaml(path)
    if not isinstance(data, dict):
        raise ReadError(
            path, "$", f"expected an object of class name to schemaId, got {_kind(data)}"
        )
    flat: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value:
            raise ReadError(
                path,
                json_path(str(key)),
                f"schemaId must be a non-empty string, got {shown(value)}",
            )
        flat[str(key)] = value
    return Ontology(flat_map=flat, source=str(path))


def _load_json_or_yaml(path: Path) -> Any:
    if path.suffix.lower() in (".yaml", ".yml"):
        return load_yaml(path)
    return load_json(path)


def load_category_schema(path: Path) -> Ontology:
    """Load an Ango ``categorySchema`` (bare, or inside a GET project response)."""
    data = load_json(path)
    schema, prefix = _find_category_schema(data)
    if schema is None:
        raise ReadError(path, "$", "no categorySchema with tools/classifications found")
    try:
        tools = [_tool_entry(t) for t in schema.get("tools") or []]
        classifications = [_tool_entry(c) for c in schema.get("classifications") or []]
        relations = [_tool_entry(r) for r in schema.get("relations") or []]
    except (TypeError, ValueError, AttributeError) as exc:
        raise ReadError(path, prefix, f"malformed categorySchema: {exc}") from None
    return Ontology(tools, classifications, relations, source=str(path))


def _find_category_schema(data: Any) -> tuple[dict[str, Any] | None, str]:
    candidates = [
        (data, "$"),
        (_dig(data, "categorySchema"), "$.categorySchema"),
        (_dig(data, "project", "categorySchema"), "$.project.categorySchema"),
        (_dig(data, "data", "project", "categorySchema"), "$.data.project.categorySchema"),
    ]
    for candidate, where in candidates:
        if isinstance(candidate, dict) and ("tools" in candidate or "classifications" in candidate):
            return candidate, where
    return None, "$"


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _tool_entry(raw: Any) -> ToolEntry:
    if not isinstance(raw, dict):
        raise ValueError(f"expected an object, got {_kind(raw)}")
    options = tuple(
        str(option.get("value")) for option in raw.get("options") or [] if isinstance(option, dict)
    )
    children = tuple(_tool_entry(child) for child in raw.get("classifications") or [])
    schema_id = raw.get("schemaId")
    color = raw.get("color")
    return ToolEntry(
        title=str(raw.get("title", "")),
        tool=str(raw.get("tool", "")),
        schema_id=str(schema_id) if schema_id else None,
        options=options,
        children=children,
        color=color if isinstance(color, str) and color else None,
    )


def _kind(value: Any) -> str:
    return type(value).__name__


# --- building an ontology from a dataset ----------------------------------------------


def build_category_schema(
    categories: Sequence[Category],
    tools_by_category: Mapping[int, Iterable[str]],
    attribute_names: Iterable[str] = (),
    classification_titles: Iterable[str] = (),
) -> dict[str, Any]:
    """Build an Ango ``categorySchema`` for a dataset's classes.

    Args:
        categories: The dataset's categories.
        tools_by_category: The Ango tool types used per category id (see :func:`tool_for`).
        attribute_names: Free attribute names, added as nested text questions.
        classification_titles: Whole-item classification titles, added as text questions.

    Returns:
        ``{"tools": [...], "classifications": [...], "relations": [...]}`` with fresh
        schemaIds (32 hex chars, as the SDK makes them).
    """
    nested = [_question(name, "text") for name in sorted(set(attribute_names))]
    tools = []
    for category in categories:
        tool_types = sorted(set(tools_by_category.get(category.id, ())))
        for tool_type in tool_types or ["bounding-box"]:
            children = list(nested)
            if tool_type == "point" and category.keypoint_names:
                children += [
                    _question(KEYPOINT_QUESTION, "radio", category.keypoint_names),
                    _question(VISIBILITY_QUESTION, "radio", tuple(VISIBILITY_ANSWERS.values())),
                ]
            tools.append(
                {
                    "title": category.name,
                    "tool": tool_type,
                    "required": False,
                    "schemaId": _new_id(),
                    "classifications": children,
                }
            )
    has_keypoints = any(c.keypoint_names for c in categories)
    relations = (
        [{"title": INSTANCE_RELATION, "tool": "group", "schemaId": _new_id()}]
        if has_keypoints
        else []
    )
    return {
        "tools": tools,
        "classifications": [_question(t, "text") for t in sorted(set(classification_titles))],
        "relations": relations,
    }


def _question(title: str, tool: str, options: Sequence[str] = ()) -> dict[str, Any]:
    entry: dict[str, Any] = {"title": title, "tool": tool, "required": False, "schemaId": _new_id()}
    if options:
        entry["options"] = [{"value": value, "schemaId": _new_id()} for value in options]
    return entry


def _new_id() -> str:
    import uuid  # only when making an ontology: kept out of every command's start-up

    return uuid.uuid4().hex
