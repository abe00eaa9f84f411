"""Correctness checks of benchmark outputs against the generated content.

A run's time counts only when its output passes. Every check compares counts over the
whole output (images, files, boxes, boxes per image) and compares the geometry of a
seeded sample of images box by box. Tools may reorder boxes, renumber classes and use
other VOC corner conventions, so boxes are matched greedily within a tolerance and class
ids must map one-to-one onto the generated classes.
"""

from __future__ import annotations

import json
import random
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from content import Content, Image

SAMPLE = 200
# VOC corners are integers and tools disagree on 0- or 1-based corners: allow 1.5 px.
VOC_TOLERANCE = 1.5
COCO_TOLERANCE = 0.011
YOLO_TOLERANCE = 1e-6
_OBJECT = re.compile(rb"<object[\s>]")

Quad = tuple[float, float, float, float]


class CheckError(Exception):
    """The output is wrong; the message says how."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise CheckError(message)


def load_json(path: Path) -> Any:
    """Parse a JSON file, with orjson when this interpreter has it."""
    try:
        import orjson

        return orjson.loads(path.read_bytes())
    except ImportError:
        return json.loads(path.read_text(encoding="utf-8"))


def _sample(content: Content) -> list[Image]:
    rng = random.Random(1234)
    return rng.sample(list(content.images), min(SAMPLE, len(content.images)))


class ClassMap:
    """Checks that output class labels map one-to-one onto generated class indices."""

    def __init__(self) -> None:
        self.forward: dict[int, object] = {}
        self.backward: dict[object, int] = {}

    def see(self, expected: int, observed: object) -> None:
        """Record one pairing; a second, different pairing is an error."""
        known = self.forward.setdefault(expected, observed)
        back = self.backward.setdefault(observed, expected)
        _require(
            known == observed and back == expected,
            f"class {expected} written as both {known!r} and {observed!r}",
        )


def _match_boxes(
    where: str,
    expected: Sequence[tuple[int, Quad]],
    observed: Sequence[tuple[object, Quad, Quad]],
    classes: ClassMap,
) -> None:
    """Greedy one-to-one match; observed items carry (label, values, tolerances)."""
    _require(
        len(expected) == len(observed), f"{where}: {len(observed)} boxes, expected {len(expected)}"
    )
    left = list(observed)
    for cls, values in expected:
        for index, (label, got, tolerance) in enumerate(left):
            if all(abs(a - b) <= t for a, b, t in zip(values, got, tolerance, strict=True)):
                classes.see(cls, label)
                del left[index]
                break
        else:
            raise CheckError(f"{where}: no box matches {values} (class {cls})")


def _decimals_tolerance(text: str) -> float:
    # A writer that rounds to d < 6 decimals gets one unit in its last place (its own
    # arithmetic may round the other way at the half), everyone else 1e-6.
    _, _, fraction = text.partition(".")
    if "e" in text.lower() or len(fraction) >= 6:
        return YOLO_TOLERANCE
    return 10.0 ** -len(fraction)


# --- YOLO --------------------------------------------------------------------------


def _yolo_expected(im: Image) -> list[tuple[int, Quad]]:
    return [
        (
            b.cls,
            (
                (b.x + b.w / 2) / im.width,
                (b.y + b.h / 2) / im.height,
                b.w / im.width,
                b.h / im.height,
            ),
        )
        for b in im.boxes
    ]


def _yolo_observed(text: str) -> list[tuple[object, Quad, Quad]]:
    rows = []
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        values = tuple(float(p) for p in parts[1:5])
        tolerance = tuple(_decimals_tolerance(p) for p in parts[1:5])
        rows.append((parts[0], values, tolerance))
    return rows  # type: ignore[return-value]


def check_yolo(content: Content, out: Path) -> str:
    """Label files for every image, all boxes, sampled values within 1e-6 (or rounding)."""
    wanted = {Path(im.file_name).stem: im for im in content.images}
    files = {p.stem: p for p in out.rglob("*.txt") if p.stem in wanted}
    _require(len(files) == len(wanted), f"{len(files)} label files, expected {len(wanted)}")
    total = 0
    for stem, path in files.items():
        lines = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
        _require(
            lines == len(wanted[stem].boxes),
            f"{path.name}: {lines} lines, expected {len(wanted[stem].boxes)}",
        )
        total += lines
    classes = ClassMap()
    for im in _sample(content):
        path = files[Path(im.file_name).stem]
        observed = _yolo_observed(path.read_text(encoding="utf-8"))
        _match_boxes(path.name, _yolo_expected(im), observed, classes)
    return f"{len(files)} files, {total} boxes"


# --- VOC ---------------------------------------------------------------------------


def _voc_observed(path: Path) -> list[tuple[object, Quad, Quad]]:
    rows = []
    tolerance = (VOC_TOLERANCE,) * 4
    for obj in ET.parse(path).getroot().iter("object"):
        box = obj.find("bndbox")
        _require(box is not None, f"{path.name}: object without bndbox")
        assert box is not None
        corners = tuple(float(box.findtext(k, "nan")) for k in ("xmin", "ymin", "xmax", "ymax"))
        rows.append((obj.findtext("name"), corners, tolerance))
    return rows  # type: ignore[return-value]


def check_voc(content: Content, out: Path) -> str:
    """An XML for every image with its box count; sampled corners within 1.5 px."""
    wanted = {Path(im.file_name).stem: im for im in content.images}
    files = {p.stem: p for p in out.rglob("*.xml") if p.stem in wanted}
    _require(len(files) == len(wanted), f"{len(files)} XML files, expected {len(wanted)}")
    total = 0
    for stem, path in files.items():
        count = len(_OBJECT.findall(path.read_bytes()))
        _require(
            count == len(wanted[stem].boxes),
            f"{path.name}: {count} objects, expected {len(wanted[stem].boxes)}",
        )
        total += count
    classes = ClassMap()
    for im in _sample(content):
        expected = [(b.cls, (b.x, b.y, b.x + b.w, b.y + b.h)) for b in im.boxes]
        path = files[Path(im.file_name).stem]
        _match_boxes(path.name, expected, _voc_observed(path), classes)
    return f"{len(files)} files, {total} boxes"


# --- COCO --------------------------------------------------------------------------


def _coco_file(out: Path) -> Path:
    if out.is_file():
        return out
    found = sorted(out.rglob("*.json"))
    _require(len(found) == 1, f"expected one JSON file under {out.name}, found {len(found)}")
    return found[0]


def check_coco(content: Content, out: Path, tolerance: float = COCO_TOLERANCE) -> str:
    """All images and annotations; per-image counts; sampled box corners within
    ``tolerance`` (corners, not sizes, so a VOC corner convention shifts by one only)."""
    document = load_json(_coco_file(out))
    images = {im["id"]: Path(im["file_name"]).name for im in document["images"]}
    _require(
        len(images) == len(content.images), f"{len(images)} images, expected {len(content.images)}"
    )
    per_image: dict[str, list[tuple[object, Quad, Quad]]] = {}
    tol = (tolerance,) * 4
    for ann in document["annotations"]:
        x, y, w, h = (float(v) for v in ann["bbox"])
        per_image.setdefault(images[ann["image_id"]], []).append(
            (ann["category_id"], (x, y, x + w, y + h), tol)
        )
    total = sum(len(v) for v in per_image.values())
    _require(total == content.box_count, f"{total} annotations, expected {content.box_count}")
    for im in content.images:
        got = len(per_image.get(im.file_name, ()))
        _require(
            got == len(im.boxes), f"{im.file_name}: {got} annotations, expected {len(im.boxes)}"
        )
    classes = ClassMap()
    for im in _sample(content):
        expected = [(b.cls, (b.x, b.y, b.x + b.w, b.y + b.h)) for b in im.boxes]
        _match_boxes(im.file_name, expected, per_image[im.file_name], classes)
    return f"{len(images)} images, {total} annotations"


def check_coco_voc(content: Content, out: Path) -> str:
    """COCO written from VOC: integer corners, so bboxes within 1.5 px."""
    return check_coco(content, out, tolerance=VOC_TOLERANCE)


# --- Ango ----------------------------------------------------------------------------


def _payload_records(document: Any) -> list[dict[str, Any]]:
    # The seed's {"project", "labels":[{"answer":{...}}]}, or the SDK's flat records.
    if isinstance(document, dict):
        records = document.get("labels", document.get("jsonContent"))
    else:
        records = document
    if not isinstance(records, list):
        raise CheckError("no list of label records found")
    return [r.get("answer", r) | {"externalId": r.get("externalId")} for r in records]


def check_payload(content: Content, out: Path) -> str:
    """One record per image, every box as a bounding-box object with its title."""
    records = {r["externalId"]: r for r in _payload_records(load_json(_coco_file(out)))}
    _require(
        len(records) == len(content.images),
        f"{len(records)} label records, expected {len(content.images)}",
    )
    total = sum(len(r.get("objects", ())) for r in records.values())
    _require(total == content.box_count, f"{total} objects, expected {content.box_count}")
    classes = ClassMap()
    tol = (1e-6,) * 4
    for im in _sample(content):
        observed = [
            (
                o.get("title") or o.get("schemaId"),
                tuple(float(o["bounding-box"][k]) for k in ("x", "y", "width", "height")),
                tol,
            )
            for o in records[im.file_name]["objects"]
        ]
        expected = [(b.cls, (b.x, b.y, b.w, b.h)) for b in im.boxes]
        _match_boxes(im.file_name, expected, observed, classes)  # type: ignore[arg-type]
    return f"{len(records)} records, {total} objects"


def check_probe(sizes_file: Path, out: Path) -> str:
    """Every probed size equals the size the generator wrote."""
    truth = load_json(sizes_file)
    got = load_json(out)
    _require(len(got) == len(truth), f"{len(got)} sizes, expected {len(truth)}")
    wrong = [name for name, size in truth.items() if list(got.get(name, ())) != size]
    _require(not wrong, f"{len(wrong)} wrong sizes, e.g. {wrong[:3]}")
    return f"{len(got)} sizes"


def check_nonempty(_content: Content, out: Path) -> str:
    """The floor only has to write something."""
    _require(out.is_file() and out.stat().st_size > 0, "no output")
    return f"{out.stat().st_size:,} bytes"


def check_stdout_valid(_content: Content, out: Path) -> str:
    """``validate`` printed that the file is valid (its stdout was saved to ``out``)."""
    text = out.read_text(encoding="utf-8", errors="replace")
    _require("valid" in text and "invalid" not in text.lower(), f"said: {text.strip()[:200]}")
    return text.strip()[:80]


Checker = Callable[[Content, Path], str]


def first_error(lines: Iterable[str]) -> str:
    """The most telling line of a failed tool's stderr."""
    kept = [line.strip() for line in lines if line.strip()]
    return kept[-1][:200] if kept else "(no output)"
