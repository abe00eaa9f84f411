"""Ango classifications: global ones to IR classifications, nested ones to attributes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from ango_convert.model import ATTR_SCHEMA_ID, Classification, JSONValue
from ango_convert.ontology import Ontology

#: How deep nested classifications may go.
MAX_NESTING = 32


def decode_classifications(raw: Sequence[Any], ontology: Ontology) -> tuple[Classification, ...]:
    """Decode an answer's global classifications, titled by the ontology where it knows them.

    Raises:
        ValueError: One that is not an object, has no title, or nests too deep; the
            message starts with ``classifications[i]``.
    """
    result = []
    for index, entry in enumerate(raw):
        try:
            result.append(_classification(entry, ontology, 0))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"classifications[{index}]: {exc}") from None
    return tuple(result)


def nested_answers(
    nested: Iterable[Any], prefix: str = "", depth: int = 0
) -> Iterator[tuple[str, JSONValue]]:
    """An object's nested answers as ``(title path, answer)``, parents first.

    Titles of deeper questions are joined with ``/`` (``colour/shade``); entries that
    are not objects or have no title are passed over.

    Raises:
        ValueError: Nested deeper than :data:`MAX_NESTING`.
    """
    _check_depth(depth)
    for entry in nested:
        if not isinstance(entry, Mapping):
            continue
        title = str(entry.get("title") or entry.get("schemaId") or "")
        if not title:
            continue
        answer = entry.get("answer")
        yield prefix + title, list(answer) if isinstance(answer, list) else answer
        deeper = entry.get("classifications") or ()
        yield from nested_answers(deeper, f"{prefix}{title}/", depth + 1)


def _classification(entry: Any, ontology: Ontology, depth: int) -> Classification:
    _check_depth(depth)
    if not isinstance(entry, Mapping):
        raise ValueError(f"expected an object, got {type(entry).__name__}")
    title = entry.get("title") or entry.get("schemaId")
    if not isinstance(title, str):
        raise ValueError("classification has neither a title nor a schemaId")
    schema_id = entry.get("schemaId")
    if isinstance(schema_id, str):
        known = ontology.title_for(schema_id)
        title = known[0] if known else title
    nested = entry.get("classifications") or ()
    children = tuple(_classification(child, ontology, depth + 1) for child in nested)
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


def _check_depth(depth: int) -> None:
    # Real ontologies nest a few levels; hostile depth would overflow the stack or the
    # JSON writers (orjson stops at 255 levels).
    if depth > MAX_NESTING:
        raise ValueError(f"classifications nested deeper than {MAX_NESTING} levels")
