"""Brush masks out of Ango exports: the brushDataUrl PNG into one mask per brush class."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from pycocotools import mask as coco_mask

from ango_convert import api
from ango_convert.cli.main import cli
from ango_convert.errors import ReadError
from ango_convert.formats.ango_export.read import read_v3
from ango_convert.io.png import PngError, decode_rgba, encode_rgba
from ango_convert.io.remote import FetchError
from ango_convert.masks import mask_to_array
from ango_convert.model import Mask
from ango_convert.report import Diagnostics

W, H = 12, 9
CAR, ROAD = (0x9C, 0x27, 0xB0), (0x00, 0x80, 0xFF)
ONTOLOGY = {
    "tools": [
        {"title": "car", "tool": "brush", "schemaId": "b-car", "color": "#9c27b0"},
        {"title": "road", "tool": "brush", "schemaId": "b-road", "color": "#0080FF"},
        {"title": "sign", "tool": "bounding-box", "schemaId": "bb-sign", "color": "#ff0000"},
    ]
}
URL = "https://hub.invalid/brushes/a%20b.png?X-Amz-Signature=secret"


def painted() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An RGBA mask with a car blob (with a hole), a road band, and the two truths."""
    car = np.zeros((H, W), dtype=bool)
    car[1:5, 2:7] = True
    car[2, 4] = False  # a hole
    road = np.zeros((H, W), dtype=bool)
    road[6:9, :] = True
    pixels = np.zeros((H, W, 4), dtype=np.uint8)
    pixels[:, :] = (255, 255, 255, 0)  # Hub's transparent background
    pixels[car] = (*CAR, 255)
    pixels[road] = (*ROAD, 255)
    return pixels, car, road


def export(tmp_path: Path, **task: Any) -> Path:
    record = {
        "externalId": "a b.jpg",
        "asset": "https://hub.invalid/a.jpg",
        "metadata": {"width": W, "height": H},
        "task": {
            "taskId": "t1",
            "stage": "Complete",
            "tools": [],
            "classifications": [],
            "relations": [],
            **task,
        },
    }
    path = tmp_path / "export.json"
    path.write_text(json.dumps([record]))
    return path


@pytest.fixture
def brush_export(tmp_path: Path) -> tuple[Path, Path, Path]:
    pixels, _, _ = painted()
    masks = tmp_path / "masks"
    masks.mkdir()
    (masks / "a b.png").write_bytes(encode_rgba(pixels))
    ontology = tmp_path / "ontology.json"
    ontology.write_text(json.dumps(ONTOLOGY))
    return export(tmp_path, brushDataUrl=URL), masks, ontology


def test_png_codec_round_trips_rgba() -> None:
    pixels, _, _ = painted()
    assert np.array_equal(decode_rgba(encode_rgba(pixels)), pixels)


def test_reader_splits_the_png_into_one_mask_per_brush_class(brush_export: Any) -> None:
    source, masks, ontology = brush_export
    _, car, road = painted()
    dataset = read_v3(source, ontology=ontology, masks_dir=masks)
    (item,) = list(dataset.items)
    names = {c.id: c.name for c in dataset.categories}
    got = {names[a.category_id]: mask_to_array(a) for a in item.annotations if isinstance(a, Mask)}
    assert set(got) == {"car", "road"}
    assert np.array_equal(got["car"], car) and np.array_equal(got["road"], road)


# pycocotools' C extension trips numpy 2's copy-keyword deprecation.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_coco_masks_equal_the_png_pixels_per_class(brush_export: Any, tmp_path: Path) -> None:
    source, masks, ontology = brush_export
    _, car, road = painted()
    target = tmp_path / "coco.json"
    report = api.convert(
        source,
        target,
        to="coco",
        from_format="ango-v3",
        read_options={"ontology": ontology, "masks_dir": masks},
    )
    assert report.warnings == []
    document = json.loads(target.read_text())
    names = {c["id"]: c["name"] for c in document["categories"]}
    decoded = {}
    for annotation in document["annotations"]:
        rle = annotation["segmentation"]
        if isinstance(rle["counts"], list):
            rle = coco_mask.frPyObjects(rle, rle["size"][0], rle["size"][1])
        decoded[names[annotation["category_id"]]] = coco_mask.decode(rle).astype(bool)
    assert set(decoded) == {"car", "road"}
    assert np.array_equal(decoded["car"], car) and np.array_equal(decoded["road"], road)


def test_cli_to_yolo_segments(brush_export: Any, tmp_path: Path, runner: CliRunner) -> None:
    source, masks, ontology = brush_export
    out = tmp_path / "yolo"
    result = runner.invoke(
        cli,
        [
            "convert",
            str(source),
            "--from",
            "ango-v3",
            "--to",
            "yolo",
            "-o",
            str(out),
            "--ontology",
            str(ontology),
            "--masks",
            str(masks),
            "-W",
            "task=segment",
            "-W",
            "images=none",
            "--on-unsupported",
            "approximate",
        ],
    )
    assert result.exit_code == 0, result.output
    (label,) = list(out.rglob("*.txt"))
    lines = [line.split() for line in label.read_text().splitlines() if line.strip()]
    classes = json.loads(json.dumps(sorted({line[0] for line in lines})))
    assert len(classes) == 2 and all(len(line) >= 7 for line in lines)
    # The road band spans the full width over rows 6..8: its polygon touches x=0 and x=1.
    xs = [float(v) for line in lines for v in line[1::2]]
    assert min(xs) == 0.0 and max(xs) == 1.0


def test_unmatched_colours_and_missing_masks_are_reported(tmp_path: Path) -> None:
    pixels, _, _ = painted()
    pixels[0, 0] = (1, 2, 3, 255)
    masks = tmp_path / "masks"
    masks.mkdir()
    (masks / "a b.png").write_bytes(encode_rgba(pixels))
    ontology = tmp_path / "ontology.json"
    ontology.write_text(json.dumps(ONTOLOGY))
    source = export(tmp_path, brushDataUrl=URL)
    noted = Diagnostics()
    list(read_v3(source, ontology=ontology, masks_dir=masks, diagnostics=noted).items)
    assert noted.warnings == [
        "a b.jpg: 1 brush pixel(s) of colours no brush tool has (#010203) not converted"
    ]
    noted = Diagnostics()
    list(read_v3(source, ontology=ontology, diagnostics=noted).items)
    assert len(noted.warnings) == 1 and "--masks DIR" in noted.warnings[0]
    assert "secret" not in noted.warnings[0]


def test_a_png_of_another_size_is_refused_naming_the_record(tmp_path: Path) -> None:
    masks = tmp_path / "masks"
    masks.mkdir()
    (masks / "a b.png").write_bytes(encode_rgba(np.zeros((H + 1, W, 4), dtype=np.uint8)))
    ontology = tmp_path / "ontology.json"
    ontology.write_text(json.dumps(ONTOLOGY))
    source = export(tmp_path, brushDataUrl=URL)
    with pytest.raises(ReadError, match=r"a b\.jpg.*12 x 10 pixels but the image is 12 x 9"):
        list(read_v3(source, ontology=ontology, masks_dir=masks).items)


def test_medical_masks_are_refused_or_reported(tmp_path: Path) -> None:
    source = export(tmp_path, medicalBrushDataUrl="https://hub.invalid/m.seg.nrrd")
    with pytest.raises(ReadError, match=r"medicalBrushDataUrl.*unknown_tools=skip"):
        list(read_v3(source).items)
    noted = Diagnostics()
    list(read_v3(source, unknown_tools="skip", diagnostics=noted).items)
    assert noted.warnings == ["a b.jpg: medical brush mask (NRRD) not converted: unsupported"]


class _Fetcher:
    def __init__(self, body: bytes) -> None:
        self.body = body
        self.asked: list[tuple[str, int]] = []

    def image_size(self, url: str) -> tuple[int, int] | None:
        return None

    def get_bytes(self, url: str, limit: int) -> bytes:
        self.asked.append((url, limit))
        if url.startswith("https://hub.invalid/expired"):
            raise FetchError("HTTP 403")
        return self.body


def test_masks_are_fetched_only_with_consent(brush_export: Any, tmp_path: Path) -> None:
    source, masks, ontology = brush_export
    fetcher = _Fetcher((masks / "a b.png").read_bytes())
    items = list(read_v3(source, ontology=ontology, fetcher=fetcher).items)
    assert fetcher.asked == [] and items[0].annotations == ()
    items = list(read_v3(source, ontology=ontology, fetcher=fetcher, fetch_masks=True).items)
    assert fetcher.asked == [(URL, 256 << 20)] and len(items[0].annotations) == 2


def test_without_pillow_the_error_is_one_line_naming_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    pixels, _, _ = painted()
    monkeypatch.setitem(sys.modules, "PIL", None)  # import PIL now raises ImportError
    with pytest.raises(PngError) as caught:
        decode_rgba(encode_rgba(pixels))
    assert str(caught.value) == (
        "reading brush masks needs Pillow: pip install 'ango-convert[preview]'"
    )
