"""Helpers for the VOC and YOLO tests: building dataset folders and reading outputs."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from ango_convert.model import Box, Dataset, Item
from tests.conftest import SAMPLES

VOC = SAMPLES / "voc"


def xml(body: str, *, size: str = "<size><width>100</width><height>80</height></size>") -> str:
    return f"<annotation><filename>img.jpg</filename>{size}{body}</annotation>"


def obj(name: str, box: tuple[object, ...], extra: str = "") -> str:
    xmin, ymin, xmax, ymax = box
    return (
        f"<object><name>{name}</name>{extra}<bndbox><xmin>{xmin}</xmin><ymin>{ymin}</ymin>"
        f"<xmax>{xmax}</xmax><ymax>{ymax}</ymax></bndbox></object>"
    )


def write_xml(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def boxes_of(dataset: Dataset) -> dict[str, list[tuple[str, float, float, float, float]]]:
    names = {category.id: category.name for category in dataset.categories}
    return {
        item.file_name: [
            (names[a.category_id], a.x, a.y, a.width, a.height)
            for a in item.annotations
            if isinstance(a, Box)
        ]
        for item in dataset
    }


def bndboxes(folder: Path) -> dict[str, list[list[str]]]:
    """Every object's name and bndbox text, per <filename>, straight from the XML."""
    result = {}
    for path in sorted((folder / "Annotations").glob("*.xml")):
        root = etree.parse(str(path)).getroot()
        result[root.findtext("filename") or ""] = [
            [o.findtext("name") or ""]
            + [o.findtext(f"bndbox/{t}") or "" for t in ("xmin", "ymin", "xmax", "ymax")]
            for o in root.iterfind("object")
        ]
    return result


def as_floats(boxes: dict[str, list[list[str]]]) -> dict[str, list[list[object]]]:
    return {k: [[row[0], *map(float, row[1:])] for row in v] for k, v in boxes.items()}


YOLO = SAMPLES / "yolo"
TASKS = ("detect", "seg", "obb", "pose")


def make(folder: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def labels_of(folder: Path) -> dict[str, list[list[float]]]:
    """Label rows per image stem, as numbers."""
    return {
        path.stem: [[float(v) for v in line.split()] for line in path.read_text().splitlines()]
        for path in sorted(folder.rglob("labels/**/*.txt"))
    }


def assert_labels_close(
    left: dict[str, list[list[float]]], right: dict[str, list[list[float]]]
) -> None:
    """Same rows within 1e-6 per image; a missing label file equals an empty one."""
    left = {stem: rows for stem, rows in left.items() if rows}
    right = {stem: rows for stem, rows in right.items() if rows}
    assert sorted(left) == sorted(right)
    for stem, rows in left.items():
        assert len(rows) == len(right[stem]), stem
        for a, b in zip(sorted(rows), sorted(right[stem]), strict=True):
            assert a[0] == b[0]
            assert max(abs(x - y) for x, y in zip(a, b, strict=True)) <= 1e-6, (stem, a, b)


def boxes_by_name(dataset: Dataset) -> dict[str, list[tuple[float, ...]]]:
    return {
        item.file_name: [
            (a.category_id, a.x, a.y, a.width, a.height)
            for a in item.annotations
            if isinstance(a, Box)
        ]
        for item in dataset
    }


def items_by_name(dataset: Dataset) -> dict[str, Item]:
    return {item.file_name: item for item in dataset}
