"""Checks that what a test wrote would train: no zero- or negative-area box in any COCO,
YOLO or VOC file under a path (issue 13). Use :func:`assert_trainable` on every output."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from lxml import etree


def degenerate_boxes(path: Path) -> list[str]:
    """Every zero- or negative-area box in the COCO JSON, YOLO labels and VOC XML at
    ``path`` (a file or a folder), as ``file: where`` strings."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    found: list[str] = []
    for file in files:
        if file.suffix == ".json" and file.name != "label_map.json":
            found += _coco(file)
        elif file.suffix == ".txt" and (
            "labels" in file.parts or file.parent.name.startswith("obj_")
        ):
            found += _yolo(file)
        elif file.suffix == ".xml":
            found += _voc(file)
    return found


def assert_trainable(path: Path) -> int:
    """Fail on any degenerate box at ``path``; returns how many files were checked, so a
    test can assert it looked at something."""
    found = degenerate_boxes(path)
    assert not found, found[:10]
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    checked = [f for f in files if f.suffix in (".json", ".txt", ".xml")]
    assert checked, f"no COCO, YOLO or VOC file at {path}"
    return len(checked)


def _coco(file: Path) -> list[str]:
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return []
    if not isinstance(document, dict) or not isinstance(document.get("annotations"), list):
        return []
    return [
        f"{file}: annotation {entry.get('id')} bbox {entry['bbox']}"
        for entry in document["annotations"]
        if isinstance(entry, dict)
        and "bbox" in entry
        and not (entry["bbox"][2] > 0 and entry["bbox"][3] > 0)
    ]


def _yolo(file: Path) -> list[str]:
    pose = _is_pose(file)
    found = []
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
        values = [float(v) for v in line.split()[1:]]
        if not values:
            continue
        if len(values) == 4 or pose:  # cx cy w h (then a pose's keypoints)
            width, height = values[2], values[3]
        else:  # a polygon, or the 4 corners of an oriented box
            xs, ys = values[0::2], values[1::2]
            width, height = max(xs) - min(xs), max(ys) - min(ys)
        if not (width > 0 and height > 0):
            found.append(f"{file}:{number}: {line}")
    return found


def _is_pose(file: Path) -> bool:
    """Whether the data.yaml of the dataset holding ``file`` declares keypoints."""
    for folder in file.parents:
        config = folder / "data.yaml"
        if config.is_file():
            return "kpt_shape" in (yaml.safe_load(config.read_text(encoding="utf-8")) or {})
    return False


def _voc(file: Path) -> list[str]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.parse(str(file), parser).getroot()
    found = []
    for box in root.iter("bndbox"):
        xmin, ymin, xmax, ymax = (
            float(box.findtext(key) or "nan") for key in ("xmin", "ymin", "xmax", "ymax")
        )
        if not (xmax > xmin and ymax > ymin):
            found.append(f"{file}: bndbox {xmin} {ymin} {xmax} {ymax}")
    return found
