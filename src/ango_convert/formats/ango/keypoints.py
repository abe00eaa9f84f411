"""Ango's keypoints and instance groups: which objects make up one pose or one instance.

A pose travels as one ``point`` object per keypoint, each with nested ``keypoint`` (the
name) and ``visibility`` answers and an objectId ``<instance>:kp:<index>``. Objects of
one instance (a box and its keypoints) are tied by that objectId prefix, by an objectId
equal to a prefix, or by a ``group`` relation titled ``instance``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ango_convert.ontology import INSTANCE_RELATION, KEYPOINT_QUESTION, VISIBILITY_QUESTION

_KEYPOINT_OBJECT_ID = re.compile(r"^(?P<prefix>.+):kp:(?P<index>\d+)$")
#: COCO visibility of Ango's visibility answers; an unanswered keypoint is visible.
_VISIBILITY = {"visible": 2, "occluded": 1, "not visible": 1}


def keypoint_id(object_id: Any) -> tuple[str | None, int | None]:
    """The instance prefix and keypoint index of an objectId ``<prefix>:kp:<index>``."""
    text = object_id if type(object_id) is str else str(object_id)
    if ":kp:" not in text:  # most objects: no regex needed
        return None, None
    match = _KEYPOINT_OBJECT_ID.match(text)
    if match is None:
        return None, None
    return match["prefix"], int(match["index"])


def nested_answer(obj: Mapping[str, Any], question: str) -> Any:
    """The answer of the object's nested classification titled ``question``, if any."""
    nested_list = obj.get("classifications")
    if not isinstance(nested_list, list):  # unvalidated input may hold anything here
        return None
    for nested in nested_list:
        if isinstance(nested, Mapping) and nested.get("title") == question:
            return nested.get("answer")
    return None


def is_keypoint(obj: Mapping[str, Any]) -> bool:
    """True for a ``point`` object that stands for a keypoint of a pose."""
    return "point" in obj and nested_answer(obj, KEYPOINT_QUESTION) is not None


def keypoint_name(obj: Mapping[str, Any]) -> str:
    """The keypoint a keypoint object stands for (its nested ``keypoint`` answer)."""
    return str(nested_answer(obj, KEYPOINT_QUESTION))


def visibility(obj: Mapping[str, Any]) -> int:
    """The COCO visibility (1 or 2) of a keypoint object."""
    return _VISIBILITY.get(str(nested_answer(obj, VISIBILITY_QUESTION) or "visible"), 2)


def keypoint_prefixes(objects: Iterable[Any]) -> set[str]:
    """The instance prefixes of the keypoint objectIds among ``objects``."""
    prefixes = set()
    for obj in objects:
        if type(obj) is not dict and not isinstance(obj, Mapping):
            continue
        object_id = obj.get("objectId")
        if object_id is None or (type(object_id) is str and ":kp:" not in object_id):
            continue  # most objects
        prefix = keypoint_id(object_id)[0]
        if prefix:
            prefixes.add(prefix)
    return prefixes


def relation_groups(relations: Sequence[Any]) -> dict[str, str]:
    """Map each member objectId of an ``instance`` relation to its instance's key."""
    member_group: dict[str, str] = {}
    for relation in relations:
        if not isinstance(relation, Mapping) or not isinstance(relation.get("group"), list):
            continue
        if relation.get("title") not in (None, INSTANCE_RELATION):
            continue
        ids = [str(member) for member in relation["group"]]
        if ids:
            key = keypoint_id(ids[0])[0] or ids[0]
            for member in ids:
                member_group[member] = key
    return member_group


def group_of(obj: Mapping[str, Any], groups: Mapping[str, str], prefixes: set[str]) -> str | None:
    """The instance an object belongs to, by relation, keypoint prefix or objectId."""
    object_id = str(obj.get("objectId", ""))
    if object_id in groups:
        return groups[object_id]
    prefix, _ = keypoint_id(object_id)
    if prefix is not None:
        return prefix
    return object_id if object_id in prefixes else None
