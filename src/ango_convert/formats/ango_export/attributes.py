"""Renaming nested classification answers to attribute names (``attribute_map``).

``"Occluded=difficult,Cut off=truncated"`` renames an object's nested classification
titles; yes/no answers of the attributes the VOC writer turns into object flags
(difficult, truncated, occluded) become 1/0.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ango_convert.model import Annotation

#: Attributes the VOC writer turns into its 0/1 object flags.
FLAG_ATTRIBUTES = frozenset({"difficult", "truncated", "occluded"})
_YES = frozenset({"yes", "true", "1", "y"})
_NO = frozenset({"no", "false", "0", "n"})


def parse_attribute_map(text: str) -> dict[str, str]:
    """Parse ``"Occluded=difficult,Cut off=truncated"`` (nested classification title ->
    attribute name).

    Raises:
        ValueError: An entry without ``=`` or with an empty side.
    """
    result = {}
    for pair in (part for part in text.split(",") if part.strip()):
        source, sep, target = pair.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise ValueError(f"attribute_map entries look like 'Occluded=difficult', got {pair!r}")
        result[source.strip()] = target.strip()
    return result


def rename_attributes(attributes: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """Rename attributes by ``names``; yes/no answers of VOC flag attributes become 1/0."""
    result: dict[str, Any] = {}
    for key, value in attributes.items():
        target = names.get(key, key)
        if target in FLAG_ATTRIBUTES and isinstance(value, str):
            folded = value.strip().casefold()
            value = 1 if folded in _YES else 0 if folded in _NO else value
        result[target] = value
    return result


def with_renamed_attributes(annotation: Annotation, names: Mapping[str, str]) -> Annotation:
    """The annotation with :func:`rename_attributes` applied (itself when nothing changes)."""
    if not names and FLAG_ATTRIBUTES.isdisjoint(annotation.attributes):
        return annotation
    return dataclasses.replace(
        annotation, attributes=rename_attributes(annotation.attributes, names)
    )
