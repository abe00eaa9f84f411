"""A YOLO or VOC dataset trains only with its images (issue 13): with the default
``images="auto"`` a write that finds none of them is refused, naming the ways out in the
caller's language; one that finds some warns about the others."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ango_convert import api
from ango_convert.cli.main import cli
from ango_convert.errors import EXIT_CONVERSION, ConversionError
from tests import imagebytes
from tests.conftest import SAMPLES

COCO_SAMPLE = SAMPLES / "coco" / "annotations.json"  # five images, none of them shipped


def _coco(folder: Path, names: list[str]) -> Path:
    """A COCO file with one box on each named 40x30 image."""
    document = {
        "images": [
            {"id": n, "file_name": name, "width": 40, "height": 30}
            for n, name in enumerate(names, 1)
        ],
        "annotations": [
            {"id": n, "image_id": n, "category_id": 1, "bbox": [1, 2, 10, 10], "iscrowd": 0}
            for n in range(1, len(names) + 1)
        ],
        "categories": [{"id": 1, "name": "car"}],
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "c.json"
    path.write_text(json.dumps(document))
    return path


@pytest.mark.parametrize("to", ["yolo", "voc"])
def test_none_found__cli_refuses_naming_the_flags(
    runner: CliRunner, tmp_path: Path, to: str
) -> None:
    out = tmp_path / "ds"
    args = ["convert", str(COCO_SAMPLE), "--to", to, "-o", str(out)]
    result = runner.invoke(cli, [*args, "--on-unsupported", "skip"])
    assert result.exit_code == EXIT_CONVERSION, result.output
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert f"{to}: no image found for any of the 5 item(s) ('street scene.v2.final.jpg'" in error
    assert "cannot train" in error
    for flag in ("--images DIR", "-W images=none", "--download-images"):
        assert flag in error, error
    assert "images='none'" not in error and "images_dir=" not in error
    assert not out.exists(), "nothing is left behind"
    labels_only = runner.invoke(cli, [*args, "--on-unsupported", "skip", "-W", "images=none"])
    assert labels_only.exit_code == 0, labels_only.output
    assert "not found" not in labels_only.stderr and out.is_dir()


@pytest.mark.parametrize("to", ["yolo", "voc"])
def test_none_found__python_names_the_keywords(tmp_path: Path, to: str) -> None:
    options = {"on_unsupported": "skip"}
    with pytest.raises(ConversionError, match=r"any of the 5 item\(s\)") as caught:
        api.convert(COCO_SAMPLE, tmp_path / "ds", to=to, write_options=options)
    message = str(caught.value)
    for keyword in ("images_dir='DIR'", "images='none'", "download_images=True"):
        assert keyword in message, message
    assert "-W" not in message and "--" not in message
    assert not (tmp_path / "ds").exists()
    report = api.convert(
        COCO_SAMPLE, tmp_path / "ds", to=to, write_options={**options, "images": "none"}
    )
    assert report.items == 5 and not any("not found" in w for w in report.warnings)


@pytest.mark.parametrize("to", ["yolo", "voc"])
def test_some_found__a_warning_and_the_found_ones_copied(
    runner: CliRunner, tmp_path: Path, to: str
) -> None:
    source = _coco(tmp_path / "in", ["a.png", "b.png", "c.png"])
    images = tmp_path / "imgs"
    images.mkdir()
    (images / "a.png").write_bytes(imagebytes.png(40, 30))
    out = tmp_path / "ds"
    result = runner.invoke(
        cli, ["convert", str(source), "--to", to, "-o", str(out), "--images", str(images)]
    )
    assert result.exit_code == 0, result.output
    assert "warning: 2 image(s) not found: 'b.png', 'c.png'" in result.stderr
    copied = [p.name for p in out.rglob("*.png")]
    assert copied == ["a.png"]


@pytest.mark.parametrize("to", ["yolo", "voc"])
def test_copy__any_missing_is_an_error(tmp_path: Path, to: str) -> None:
    source = _coco(tmp_path / "in", ["a.png", "b.png"])
    images = tmp_path / "imgs"
    images.mkdir()
    (images / "a.png").write_bytes(imagebytes.png(40, 30))
    options = {"images": "copy", "images_dir": images}
    with pytest.raises(ConversionError, match=r"^1 image\(s\) not found: 'b.png'; pass"):
        api.convert(source, tmp_path / "ds", to=to, write_options=options)
    assert not (tmp_path / "ds").exists()


@pytest.mark.parametrize("to", ["yolo", "voc"])
def test_no_items__nothing_to_refuse(tmp_path: Path, to: str) -> None:
    source = _coco(tmp_path / "in", [])
    report = api.convert(source, tmp_path / "ds", to=to)
    assert report.items == 0 and not any("not found" in w for w in report.warnings)


def test_streamed_export__refused_too(tmp_path: Path) -> None:
    """An Ango export is read as a stream: the count is the same at its end."""
    source = tmp_path / "export.ndjson"
    tools = [{"title": "car", "bounding-box": {"x": 1, "y": 2, "width": 3, "height": 4}}]
    size = {"width": 64, "height": 48}
    records = [
        {"externalId": f"img {n}.jpg", "metadata": size, "task": {"tools": tools}} for n in range(3)
    ]
    source.write_text("".join(json.dumps(record) + "\n" for record in records))
    with pytest.raises(ConversionError, match=r"any of the 3 item\(s\)") as caught:
        api.convert(source, tmp_path / "ds", to="yolo")
    assert "download_images=True" in str(caught.value)


def test_sized_from_its_image__keeps_its_split(tmp_path: Path) -> None:
    """An item sized from its image header stays in its own split (it went to train)."""
    from ango_convert.model import Box, Category, Dataset, Item

    images = tmp_path / "images"
    images.mkdir()
    (images / "v.png").write_bytes(imagebytes.png(40, 20))
    (images / "t.png").write_bytes(imagebytes.png(40, 20))
    box = Box(category_id=1, x=4.0, y=2.0, width=8.0, height=4.0)
    dataset = Dataset(
        categories=(Category(id=1, name="car"),),
        items=(
            Item(id="v", file_name="v.png", annotations=(box,), split="val"),
            Item(id="t", file_name="t.png", annotations=(box,), split="train", width=40, height=20),
        ),
    )
    api.write(dataset, tmp_path / "out", "yolo", images_dir=images)
    assert (tmp_path / "out/labels/val/v.txt").read_text() == "0 0.2 0.2 0.2 0.2\n"
    assert (tmp_path / "out/images/val/v.png").is_file()
    assert not (tmp_path / "out/labels/train/v.txt").exists()
