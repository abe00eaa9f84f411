"""``label_map.json``: what each YOLO class id stands for (``{"0": {"name", "source_id",
"supercategory", "keypoint_names", "skeleton"}}``). The writer records it so reading
the folder back restores the source category ids, keypoint names and skeleton."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ango_convert.errors import ReadError
from ango_convert.io.inputs import load_json
from ango_convert.io.outputs import dump_json, write_into
from ango_convert.model import Category
from ango_convert.report import WriteReport

LABEL_MAP = "label_map.json"


def read_label_map(root: Path) -> dict[int, dict[str, Any]]:
    """The dataset's label map by YOLO class id; empty when it has none.

    Raises:
        ReadError: The file's JSON path and reason for an entry that does not fit.
    """
    path = root / LABEL_MAP
    if not path.is_file():
        return {}
    document = load_json(path)
    if not isinstance(document, dict):
        raise ReadError(path, "$", "expected an object {yolo id: {name, source_id}}")
    result = {}
    for key, entry in document.items():
        if not (isinstance(entry, dict) and isinstance(entry.get("source_id"), int)):
            raise ReadError(path, f"$[{key!r}]", "expected {name, source_id: int}")
        problem = _entry_problem(entry)
        if problem:
            raise ReadError(path, f"$[{key!r}].{problem[0]}", problem[1])
        try:
            result[int(key)] = entry
        except ValueError:
            raise ReadError(path, f"$[{key!r}]", "key is not a class id") from None
    return result


def _entry_problem(entry: dict[str, Any]) -> tuple[str, str] | None:
    """The first ill-typed optional field of a label_map entry, as (key, reason)."""
    supercategory = entry.get("supercategory")
    if supercategory is not None and not isinstance(supercategory, str):
        return "supercategory", "expected a string"
    names = entry.get("keypoint_names")
    if names is not None and not (
        isinstance(names, list) and all(isinstance(n, str) for n in names)
    ):
        return "keypoint_names", "expected a list of strings"
    skeleton = entry.get("skeleton")
    if skeleton is not None and not (
        isinstance(skeleton, list)
        and all(
            isinstance(e, list) and len(e) == 2 and all(type(i) is int for i in e) for e in skeleton
        )
    ):
        return "skeleton", "expected a list of [a, b] index pairs"
    return None


def label_map(ordered: Sequence[Category]) -> dict[str, Any]:
    """``{"0": {"name", "source_id", ...}}`` for categories in YOLO class id order."""
    result: dict[str, Any] = {}
    for index, category in enumerate(ordered):
        entry: dict[str, Any] = {"name": category.name, "source_id": category.id}
        if category.supercategory:
            entry["supercategory"] = category.supercategory
        if category.keypoint_names:
            entry["keypoint_names"] = list(category.keypoint_names)
            entry["skeleton"] = [list(edge) for edge in category.skeleton]
        result[str(index)] = entry
    return result


def write_label_map(temp: Path, ordered: Sequence[Category], report: WriteReport) -> None:
    """Write label_map.json into the output folder being built."""
    write_into(temp, LABEL_MAP, dump_json(label_map(ordered), indent=True))
    report.files.append(LABEL_MAP)
