"""Hostile COCO input: every case fails with exit 3, one located line, nothing written."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ango_convert.errors import EXIT_CONVERSION, EXIT_INPUT
from tests.hostile.harness import Case, convert_ok, run_case, write

Doc = dict[str, Any]


def valid() -> Doc:
    """A small sound COCO document the cases break one place at a time."""
    return {
        "images": [
            {"id": 1, "file_name": "a.jpg", "width": 64, "height": 48},
            {"id": 2, "file_name": "b.jpg", "width": 64, "height": 48},
        ],
        "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, 10, 20]},
            {"id": 2, "image_id": 2, "category_id": 2, "bbox": [5, 5, 5, 5]},
        ],
    }


def mutated(change: Callable[[Doc], object]) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        document = copy.deepcopy(valid())
        change(document)
        return write(folder, "bad.json", json.dumps(document))

    return build


def raw(data: str | bytes) -> Callable[[Path], Path]:
    return lambda folder: write(folder, "bad.json", data)


def replaced(old: str, new: str) -> Callable[[Path], Path]:
    """The valid document's JSON text with one token swapped (NaN, 1e400... JSON cannot hold)."""
    return raw(json.dumps(valid()).replace(old, new, 1))


def setter(path: tuple[str | int, ...], value: object) -> Callable[[Doc], object]:
    def change(document: Doc) -> None:
        node: Any = document
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return change


GARBAGE = random.Random(7).randbytes(600)
BBOX_W = '"bbox": [1, 2, 10, 20]'

CASES = [
    Case("truncated", raw(json.dumps(valid())[:90]), EXIT_INPUT, ("bad.json", "line 1 column")),
    Case("empty", raw(""), EXIT_INPUT, ("bad.json", "empty")),
    Case("whitespace-only", raw(" \n\r\n "), EXIT_INPUT, ("bad.json", "empty")),
    Case("binary-garbage", raw(GARBAGE), EXIT_INPUT, ("bad.json", "line 1", "invalid JSON")),
    Case("nul-bytes", raw(b"\x00" * 64), EXIT_INPUT, ("bad.json", "invalid JSON")),
    Case("deep-nesting", raw("[" * 100_000), EXIT_INPUT, ("bad.json", "invalid JSON")),
    Case("top-level-array", raw("[]"), EXIT_INPUT, ("bad.json", "$", "expected an object")),
    Case(
        "images-not-array",
        mutated(setter(("images",), {"id": 1})),
        EXIT_INPUT,
        ("bad.json", "$.images", "expected an array"),
    ),
    Case(
        "image-id-string",
        mutated(setter(("images", 0, "id"), "1")),
        EXIT_INPUT,
        ("bad.json", "$.images[0].id", "integer"),
    ),
    Case(
        "width-string",
        mutated(setter(("images", 1, "width"), "64")),
        EXIT_INPUT,
        ("$.images[1].width",),
    ),
    Case(
        "file-name-number",
        mutated(setter(("images", 0, "file_name"), 5)),
        EXIT_INPUT,
        ("$.images[0].file_name", "string"),
    ),
    Case(
        "bbox-string-entry",
        mutated(setter(("annotations", 0, "bbox"), [1, "2", 3, 4])),
        EXIT_INPUT,
        ("$.annotations[0].bbox[1]", "number"),
    ),
    Case(
        "bbox-boolean",
        mutated(setter(("annotations", 0, "bbox"), [True, 2, 3, 4])),
        EXIT_INPUT,
        ("$.annotations[0].bbox[0]",),
    ),
    Case(
        "bbox-three-numbers",
        mutated(setter(("annotations", 1, "bbox"), [1, 2, 3])),
        EXIT_INPUT,
        ("$.annotations[1].bbox", "4 numbers"),
    ),
    Case("nan", replaced(BBOX_W, '"bbox": [NaN, 2, 10, 20]'), EXIT_INPUT, ("bad.json", "line 1")),
    Case("infinity", replaced(BBOX_W, '"bbox": [1, Infinity, 10, 20]'), EXIT_INPUT, ("line 1",)),
    Case("float-1e400", replaced(BBOX_W, '"bbox": [1, 2, 1e400, 20]'), EXIT_INPUT, ("line 1",)),
    Case("int-10e400", replaced('"id": 1', '"id": 1' + "0" * 400), EXIT_INPUT, ("line 1",)),
    Case(
        "int-beyond-64-bit",
        replaced('"id": 1', '"id": 123456789012345678901234567890'),
        EXIT_INPUT,
        ("bad.json", "$.images[0].id", "too large to keep exactly"),
    ),
    Case(
        "huge-finite-box",
        mutated(setter(("annotations", 0, "bbox"), [1e300, 2, 1e300, 1e300])),
        EXIT_INPUT,
        ("$.annotations[0].bbox", "outside the image"),
    ),
    Case(
        "negative-box",
        mutated(setter(("annotations", 0, "bbox"), [1, 2, -10, 20])),
        EXIT_INPUT,
        ("$.annotations[0].bbox", "negative"),
    ),
    Case(
        "box-outside-image",
        mutated(setter(("annotations", 0, "bbox"), [500, 400, 10, 10])),
        EXIT_INPUT,
        ("$.annotations[0].bbox", "outside the image"),
    ),
    Case(
        "zero-width",
        mutated(setter(("images", 0, "width"), 0)),
        EXIT_INPUT,
        ("$.images[0].width", "positive"),
    ),
    Case(
        "negative-height",
        mutated(setter(("images", 1, "height"), -48)),
        EXIT_INPUT,
        ("$.images[1].height", "positive"),
    ),
    Case(
        "unknown-category",
        mutated(setter(("annotations", 1, "category_id"), 99)),
        EXIT_INPUT,
        ("$.annotations[1].category_id", "99"),
    ),
    Case(
        "image-id-list",
        mutated(setter(("annotations", 0, "image_id"), [1])),
        EXIT_INPUT,
        ("$.annotations[0].image_id", "integer"),
    ),
    Case(
        "unknown-image",
        mutated(setter(("annotations", 0, "image_id"), 42)),
        EXIT_INPUT,
        ("$.annotations[0].image_id", "42"),
    ),
    Case(
        "duplicate-image-id",
        mutated(setter(("images", 1, "id"), 1)),
        EXIT_INPUT,
        ("$.images[1].id", "duplicate id 1"),
    ),
    Case(
        "duplicate-annotation-id",
        mutated(setter(("annotations", 1, "id"), 1)),
        EXIT_INPUT,
        ("$.annotations[1].id", "duplicate id 1"),
    ),
    Case(
        "duplicate-category-id",
        mutated(setter(("categories", 1, "id"), 1)),
        EXIT_INPUT,
        ("$.categories[1].id", "duplicate"),
    ),
    Case(
        "empty-category-name",
        mutated(setter(("categories", 0, "name"), " ")),
        EXIT_INPUT,
        ("$.categories[0].name", "empty"),
    ),
    Case(
        "odd-polygon",
        mutated(setter(("annotations", 0, "segmentation"), [[1, 2, 3, 4, 5, 6, 7]])),
        EXIT_INPUT,
        ("$.annotations[0].segmentation[0]", "odd"),
    ),
    Case(
        "rle-garbage-counts",
        mutated(
            setter(("annotations", 0, "segmentation"), {"size": [48, 64], "counts": "\x00\x7f~"})
        ),
        EXIT_INPUT,
        ("$.annotations[0].segmentation.counts",),
    ),
    Case(
        "rle-negative-size",
        mutated(setter(("annotations", 0, "segmentation"), {"size": [-48, 64], "counts": []})),
        EXIT_INPUT,
        ("$.annotations[0].segmentation.size", "positive"),
    ),
    Case(
        "keypoints-without-names",
        mutated(setter(("annotations", 0, "keypoints"), [1, 2, 2])),
        EXIT_INPUT,
        ("$.annotations[0].keypoints",),
    ),
    # Integers beyond 64 bits arrive as floats: refused where they are, not rounded.
    Case(
        "id-beyond-64-bits",
        mutated(setter(("annotations", 0, "id"), 2**70)),
        EXIT_INPUT,
        ("$.annotations[0].id", "too large to keep exactly"),
    ),
    Case(
        "image-id-below-int64",
        mutated(setter(("images", 0, "id"), -(2**63) - 1)),
        EXIT_INPUT,
        ("$.images[0].id", "too large to keep exactly"),
    ),
    Case(
        "two-distinct-ids-beyond-64-bits",
        mutated(lambda d: [setter(("images", i, "id"), 2**64 + i)(d) for i in (0, 1)]),
        EXIT_INPUT,
        ("$.images[0].id", "too large to keep exactly"),
    ),
    Case(
        "category-id-beyond-64-bits",
        mutated(setter(("categories", 0, "id"), 2**64)),
        EXIT_INPUT,
        ("$.categories[0].id", "too large to keep exactly"),
    ),
    # A derived value that overflows (the area of a 1.7e308 box) is refused, not null.
    Case(
        "box-area-overflows",
        mutated(setter(("annotations", 0, "bbox"), [1, 2, 1.7e308, 1.7e308])),
        EXIT_CONVERSION,
        ("item '1'", "area is not a finite number"),
        to="coco",
    ),
    Case(
        "polygon-area-overflows",
        mutated(setter(("annotations", 0, "segmentation"), [[0, 0, 1.7e308, 0, 1.7e308, 1.7e308]])),
        EXIT_CONVERSION,
        ("item '1'", "area is not a finite number"),
        to="coco",
    ),
    Case("missing-file", lambda folder: folder / "nothere.json", EXIT_INPUT, ("nothere.json",)),
    Case("folder-as-file", lambda folder: folder, EXIT_INPUT, ("folder",)),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile_coco(case: Case, tmp_path: Path) -> None:
    run_case(Case(**{**case.__dict__, "args": ("--from", "coco", *case.args)}), tmp_path)


def test_bom_is_accepted(tmp_path: Path) -> None:
    plain = write(tmp_path, "plain.json", json.dumps(valid()))
    bom = write(tmp_path, "bom.json", b"\xef\xbb\xbf" + plain.read_bytes())
    convert_ok(plain, tmp_path / "plain.out.json", "coco")
    convert_ok(bom, tmp_path / "bom.out.json", "coco")
    assert (tmp_path / "bom.out.json").read_bytes() == (tmp_path / "plain.out.json").read_bytes()


def test_crlf_is_accepted(tmp_path: Path) -> None:
    text = json.dumps(valid(), indent=2)
    lf = write(tmp_path, "lf.json", text)
    crlf = write(tmp_path, "crlf.json", text.replace("\n", "\r\n"))
    convert_ok(lf, tmp_path / "lf.out.json", "coco")
    convert_ok(crlf, tmp_path / "crlf.out.json", "coco", "--from", "coco")
    assert (tmp_path / "crlf.out.json").read_bytes() == (tmp_path / "lf.out.json").read_bytes()


def test_overhang_by_a_fraction_is_kept(tmp_path: Path) -> None:
    """COCO's own files overhang by fractions of a pixel: not an error (see README)."""
    document = valid()
    document["annotations"][0]["bbox"] = [60.5, 40.25, 3.75, 8.0]
    source = write(tmp_path, "overhang.json", json.dumps(document))
    convert_ok(source, tmp_path / "out.json", "coco")
    written = json.loads((tmp_path / "out.json").read_text())
    assert written["annotations"][0]["bbox"] == [60.5, 40.25, 3.75, 8.0]
