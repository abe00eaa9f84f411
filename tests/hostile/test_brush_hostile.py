"""Hostile brush masks in Ango exports and payloads: refused with one located line.

Exports: NRRD medical masks, PNGs of the wrong size, broken PNGs, a URL whose last
segment points at a non-PNG file, brush tools sharing a colour. Payloads: a local
``brushDataUrl`` leaving the payload's folder is never read or uploaded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ango_convert.errors import EXIT_CONVERSION, EXIT_INPUT
from ango_convert.io.png import encode_rgba
from tests.hostile.harness import SECRET, assert_failure, invoke, snapshot, write

ONTOLOGY = {"tools": [{"title": "car", "tool": "brush", "schemaId": "b", "color": "#ff0000"}]}


def export(folder: Path, **task: Any) -> Path:
    record = {
        "externalId": "../a b.jpg",
        "metadata": {"width": 4, "height": 3},
        "task": {"tools": [], **task},
    }
    return write(folder, "export.json", json.dumps([record]))


def run(tmp_path: Path, source: Path, *args: str, ontology: Any = ONTOLOGY) -> Any:
    (tmp_path / "secret.txt").write_text(SECRET)
    schema = write(tmp_path, "ontology.json", json.dumps(ontology))
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    before = snapshot(out)
    result = invoke(
        [
            "convert",
            str(source),
            "--to",
            "coco",
            "-o",
            str(out / "coco.json"),
            "--ontology",
            str(schema),
            *args,
        ]
    )
    return result, lambda: snapshot(out) == before


@pytest.mark.parametrize(
    ("png", "needles"),
    [
        (encode_rgba(np.zeros((5, 4, 4), dtype=np.uint8)), ("4 x 5 pixels", "4 x 3")),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, ("broken PNG",)),
        (SECRET.encode(), ("not a PNG file",)),
    ],
    ids=["wrong-size", "broken", "not-png"],
)
def test_bad_brush_png_is_refused_naming_the_record(
    tmp_path: Path, png: bytes, needles: tuple[str, ...]
) -> None:
    masks = tmp_path / "masks"
    write(masks, "m.png", png)
    source = export(tmp_path / "in", brushDataUrl="https://hub.invalid/x/m.png?sig=1")
    result, unchanged = run(tmp_path, source, "--masks", str(masks))
    assert_failure(result, EXIT_INPUT, ("export.json", "../a b.jpg", *needles))
    assert unchanged()


def test_url_segments_cannot_reach_outside_the_masks_folder(tmp_path: Path) -> None:
    # The last segment is the only name used: "..%2Fsecret.txt" is "secret.txt" in --masks.
    masks = tmp_path / "masks"
    masks.mkdir()
    source = export(tmp_path / "in", brushDataUrl="https://hub.invalid/..%2F..%2Fsecret.txt")
    result, _ = run(tmp_path, source, "--masks", str(masks))
    assert result.exit_code == 0, result.output
    assert "brush mask 'secret.txt' not read (not in" in result.stderr
    assert SECRET not in result.output


def test_medical_masks_are_refused_by_default(tmp_path: Path) -> None:
    source = export(tmp_path / "in", medicalBrushDataUrl="https://hub.invalid/m.seg.nrrd")
    result, unchanged = run(tmp_path, source)
    assert_failure(result, EXIT_INPUT, ("export.json", "medicalBrushDataUrl", "unknown_tools"))
    assert unchanged()


def test_brush_tools_sharing_a_colour_are_refused(tmp_path: Path) -> None:
    twins = {"tools": [{**ONTOLOGY["tools"][0]}, {**ONTOLOGY["tools"][0], "title": "bus"}]}
    source = export(tmp_path / "in", brushDataUrl="https://hub.invalid/m.png")
    result, unchanged = run(tmp_path, source, ontology=twins)
    assert_failure(result, EXIT_CONVERSION, ("ontology.json", "share the colour #ff0000"))
    assert unchanged()
