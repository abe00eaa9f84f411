"""Inputs for the ``--jobs`` tests: a COCO document with awkward names, and file helpers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ango_convert import api


def coco_document(images: int = 40, per_image: int = 3) -> dict[str, Any]:
    """A COCO document whose annotations come grouped by image, in the images' order."""
    names = ["a.jpg", "A.png", "sub/dir/b.jpg", "../escape.jpg", "ünï cödé.jpg", "a.jpeg"]
    document: dict[str, Any] = {
        "info": {"description": "jobs"},
        "images": [],
        "annotations": [],
        "categories": [
            {"id": 3, "name": "car"},
            {"id": 7, "name": "dog", "supercategory": "animal"},
        ],
    }
    number = 0
    for index in range(images):
        image_id = 1000 + index
        name = names[index % len(names)] if index < 12 else f"img_{index:04d}.jpg"
        document["images"].append({"id": image_id, "file_name": name, "width": 640, "height": 480})
        for part in range(per_image if index % 7 else 0):  # some images have no objects
            number += 1
            box = [10.5 + part, 20.25 + index % 50, 30.0 + part, 40.0]
            record: dict[str, Any] = {
                "id": number * 10,
                "image_id": image_id,
                "category_id": 3 if part % 2 else 7,
                "bbox": box,
                "area": box[2] * box[3],
                "iscrowd": 1 if (index + part) % 11 == 0 else 0,
            }
            if part == 2 and index % 3 == 0:
                x, y, w, h = box
                record["segmentation"] = [[x, y, x + w, y, x + w, y + h]]
            document["annotations"].append(record)
    return document


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` and its bytes."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def write_json(tmp_path: Path, name: str, document: dict[str, Any]) -> Path:
    """``document`` written as ``tmp_path/name``."""
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def same_error(error: type[Exception], source: Path, target: Path, **convert: Any) -> str:
    """The message ``api.convert(source, target, **convert)`` fails with, the same with
    ``jobs=1`` and ``jobs=2``, neither leaving ``target`` behind."""
    messages = []
    for jobs in (1, 2):
        with pytest.raises(error) as caught:
            api.convert(source, target, jobs=jobs, **convert)
        messages.append(str(caught.value))
        assert not target.exists()
    assert messages[0] == messages[1]
    return messages[0]
