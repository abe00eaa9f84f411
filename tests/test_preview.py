"""``ango-convert preview`` and ``ango_convert.views.preview``: each kind drawn where it
belongs (read back pixel by pixel), the contact sheet, sampling and image sources."""

from __future__ import annotations

import html
import importlib.util
import json
import re
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

import ango_convert
from ango_convert.cli.main import cli
from ango_convert.model import (
    Box,
    Category,
    Dataset,
    Item,
    Keypoints,
    Mask,
    Point,
    Polygon,
    Polyline,
    RotatedBox,
    Zone,
)
from ango_convert.views import preview
from ango_convert.views.preview.draw import BLANK, FILL_ALPHA
from ango_convert.views.preview.palette import DISTINCT, Palette
from ango_convert.views.preview.sampling import reservoir_sample

CATEGORIES = (
    Category(id=1, name="car"),
    Category(id=2, name="building"),
    Category(id=3, name="person", keypoint_names=("head", "hip", "foot"), skeleton=((0, 1),)),
    Category(id=4, name="lane"),
)
CAR, BUILDING, PERSON, LANE = DISTINCT[:4]  # the palette, in category order
BLACK = (0, 0, 0)


def _scene() -> Item:
    square = ((100.0, 20.0), (180.0, 20.0), (180.0, 100.0), (100.0, 100.0))
    hole = ((130.0, 50.0), (150.0, 50.0), (150.0, 70.0), (130.0, 70.0))
    return Item(
        id="scene",
        file_name="scene.png",
        width=200,
        height=120,
        annotations=(
            Box(category_id=1, x=10, y=40, width=50, height=40),
            Polygon(category_id=2, zones=(Zone(outer=square, holes=(hole,)),)),
            Keypoints(category_id=3, points=((30.0, 100.0, 2), (50.0, 100.0, 2), (0.0, 0.0, 0))),
            Polyline(category_id=4, points=((5.0, 115.0), (190.0, 115.0))),
        ),
    )


def _dataset(*items: Item) -> Dataset:
    return Dataset(categories=CATEGORIES, items=items)


def _images(folder: Path, size: tuple[int, int] = (200, 120), name: str = "scene.png") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, BLACK).save(folder / name)
    return folder


def _pixel(path: Path, x: int, y: int) -> tuple[int, int, int]:
    with Image.open(path) as image:
        value = image.convert("RGB").getpixel((x, y))
    assert isinstance(value, tuple)
    return (value[0], value[1], value[2])


def _blend(colour: tuple[int, int, int]) -> tuple[int, int, int]:
    return tuple(round(c * FILL_ALPHA / 255) for c in colour)  # type: ignore[return-value]


def _close(a: tuple[int, int, int], b: tuple[int, int, int], slack: int = 2) -> bool:
    return all(abs(x - y) <= slack for x, y in zip(a, b, strict=True))


# --- pixels ------------------------------------------------------------------------------


def test_preview__draws_each_kind_where_it_belongs(tmp_path: Path) -> None:
    images = _images(tmp_path / "photos")
    report = preview(_dataset(_scene()), tmp_path / "out", images_dir=images)
    drawn = tmp_path / "out" / "images" / "scene.png"
    assert report.files == ["images/scene.png"] and report.without_image == 0
    # The box's four edges (pixel columns 10..59, rows 40..79), its inside left alone.
    for x, y in ((10, 60), (59, 60), (35, 79), (35, 41)):
        assert _pixel(drawn, x, y) == CAR, (x, y)
    assert _pixel(drawn, 35, 60) == BLACK
    # The polygon: filled half transparent inside, its hole empty, its rings outlined.
    assert _close(_pixel(drawn, 115, 85), _blend(BUILDING))
    assert _pixel(drawn, 140, 60) == BLACK
    assert _pixel(drawn, 100, 60) == BUILDING and _pixel(drawn, 130, 60) == BUILDING
    # Keypoints: a dot on each labelled one, the skeleton between them.
    assert _pixel(drawn, 30, 100) == PERSON and _pixel(drawn, 50, 100) == PERSON
    assert _pixel(drawn, 40, 100) == PERSON
    assert _pixel(drawn, 0, 0) == BLACK  # the unlabelled keypoint: nothing
    assert _pixel(drawn, 100, 115) == LANE
    assert _pixel(drawn, 195, 5) == BLACK


def test_preview__rotated_boxes_points_and_masks(tmp_path: Path) -> None:
    mask = Image.new("1", (200, 120))
    mask.paste(1, (5, 60, 15, 100))  # columns 5..14, rows 60..99
    item = Item(
        id="m",
        file_name="m.png",
        width=200,
        height=120,
        annotations=(
            Mask(category_id=2, height=120, width=200, counts=_rle(mask)),
            RotatedBox(category_id=1, cx=100, cy=60, width=6, height=20, angle=90),
            Point(category_id=4, x=190, y=110),
        ),
    )
    preview(_dataset(item), tmp_path / "out", images_dir=_images(tmp_path / "p", name="m.png"))
    drawn = tmp_path / "out" / "images" / "m.png"
    assert _close(_pixel(drawn, 10, 80), _blend(BUILDING))
    assert _pixel(drawn, 20, 80) == BLACK
    assert _pixel(drawn, 90, 60) == CAR  # the turned box: 20 wide across, its left end
    assert _pixel(drawn, 100, 60) == BLACK  # its inside
    assert _pixel(drawn, 190, 110) == LANE


def _rle(image: Image.Image) -> tuple[int, ...]:
    flat = [image.getpixel((x, y)) != 0 for x in range(image.width) for y in range(image.height)]
    counts, current, run = [], False, 0
    for value in flat:
        if value != current:
            counts.append(run)
            current, run = value, 0
        run += 1
    counts.append(run)
    return tuple(counts)


def test_preview__without_an_image_draws_on_a_blank_canvas(tmp_path: Path) -> None:
    report = preview(_dataset(_scene()), tmp_path / "out")
    drawn = tmp_path / "out" / "images" / "scene.png"
    assert report.without_image == 1
    assert _pixel(drawn, 195, 5) == BLANK and _pixel(drawn, 10, 60) == CAR
    assert "image not found" in (tmp_path / "out" / "index.html").read_text()


def test_preview__small_images_are_enlarged_by_a_whole_factor(tmp_path: Path) -> None:
    item = Item(
        id="s",
        file_name="s.png",
        width=40,
        height=30,
        annotations=(Box(category_id=1, x=10, y=10, width=10, height=10),),
    )
    preview(_dataset(item), tmp_path / "out", images_dir=_images(tmp_path / "p", (40, 30), "s.png"))
    drawn = tmp_path / "out" / "images" / "s.png"
    with Image.open(drawn) as image:
        assert image.size == (200, 150)  # 5 times
    assert _pixel(drawn, 50, 75) == CAR and _pixel(drawn, 75, 75) == BLACK


def test_preview__large_images_are_drawn_scaled_down(tmp_path: Path) -> None:
    images = _images(tmp_path / "photos", (400, 240))  # twice the item's size: scaled up
    preview(_dataset(_scene()), tmp_path / "out", images_dir=images, max_side=200)
    drawn = tmp_path / "out" / "images" / "scene.png"
    with Image.open(drawn) as image:
        assert image.size == (200, 120)
    assert _pixel(drawn, 10, 60) == CAR


# --- the contact sheet --------------------------------------------------------------------


def _links(sheet: str) -> list[str]:
    return [unquote(html.unescape(link)) for link in re.findall(r'src="([^"]+)"', sheet)]


def test_preview__sheet_lists_every_image_and_works_from_a_copy(tmp_path: Path) -> None:
    hostile = '<b>"x" & y\'s</b>.png'
    items = [
        _scene(),
        Item(id="2", file_name="sub/dir/two.jpg", width=20, height=20),
        Item(id="3", file_name=hostile, width=20, height=20),
        Item(id="4", file_name="../../escape.png", width=20, height=20),
        Item(id="5", file_name="scene.PNG", width=20, height=20),  # same name once safe
    ]
    report = preview(_dataset(*items), tmp_path / "out", images_dir=_images(tmp_path / "p"))
    assert len(report.files) == 5 and len(set(report.files)) == 5
    copy = tmp_path / "moved" / "elsewhere"
    shutil.copytree(tmp_path / "out", copy)
    shutil.rmtree(tmp_path / "out")
    sheet = (copy / "index.html").read_text(encoding="utf-8")
    links = _links(sheet)
    assert sorted(links) == sorted(report.files)
    for link in links:
        assert not link.startswith(("/", "http", "file:")) and ".." not in link
        assert (copy / link).is_file()
    assert "<script" not in sheet.lower() and "http" not in sheet.lower()
    assert "<b>" not in sheet and html.escape(hostile) in sheet
    assert sheet.count("<figure>") == 5


def test_preview__refuses_a_non_empty_folder_and_replaces_it_whole(
    runner: CliRunner, samples: Path, tmp_path: Path
) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    source = str(samples / "yolo" / "pose" / "data.yaml")
    refused = runner.invoke(cli, ["preview", source, "-o", str(target)])
    assert refused.exit_code == 6 and "--overwrite" in refused.output
    assert (target / "keep.txt").read_text() == "mine"
    replaced = runner.invoke(cli, ["preview", source, "-o", str(target), "--overwrite"])
    assert replaced.exit_code == 0, replaced.output
    assert not (target / "keep.txt").exists()
    assert sorted(p.name for p in (target / "images").iterdir()) == ["nobody.png", "walker.png"]


# --- sampling ---------------------------------------------------------------------------


def _numbered(count: int) -> Iterator[Item]:
    return (Item(id=str(n), file_name=f"{n}.png") for n in range(count))


@given(st.integers(0, 300), st.integers(1, 40), st.integers(0, 10**6))
def test_reservoir_sample__size_order_and_seed(count: int, size: int, seed: int) -> None:
    picked, seen = reservoir_sample(_numbered(count), size, seed)
    ids = [int(item.id) for item in picked]
    assert seen == count
    assert len(ids) == min(size, count) and ids == sorted(set(ids))
    again, _ = reservoir_sample(_numbered(count), size, seed)
    assert [item.id for item in again] == [item.id for item in picked]


def test_reservoir_sample__every_item_has_its_chance() -> None:
    hits = [0] * 10
    for seed in range(2000):
        picked, _ = reservoir_sample(_numbered(10), 3, seed)
        for item in picked:
            hits[int(item.id)] += 1
    assert all(500 < count < 700 for count in hits), hits  # 600 expected each


def test_cli_preview__samples_with_a_seed(runner: CliRunner, samples: Path, tmp_path: Path) -> None:
    source = str(samples / "ango" / "export_v3.ndjson")
    runs = []
    for name, seed in (("a", "1"), ("b", "1")):
        result = runner.invoke(
            cli, ["preview", source, "-o", str(tmp_path / name), "--sample", "2", "--seed", seed]
        )
        assert result.exit_code == 0, result.output
        assert "drew 2 of 5 item(s)" in result.output
        runs.append(sorted(p.name for p in (tmp_path / name / "images").iterdir()))
    assert runs[0] == runs[1] and len(runs[0]) == 2
    every = runner.invoke(cli, ["preview", source, "-o", str(tmp_path / "c"), "--sample", "all"])
    assert every.exit_code == 0 and "drew 5 of 5" in every.output
    bad = runner.invoke(cli, ["preview", source, "-o", str(tmp_path / "d"), "--sample", "0"])
    assert bad.exit_code == 2


# --- where images come from ---------------------------------------------------------------


def test_cli_preview__images_from_the_readers_own_paths(
    runner: CliRunner, samples: Path, tmp_path: Path
) -> None:
    result = runner.invoke(
        cli, ["preview", str(samples / "yolo" / "detect" / "data.yaml"), "-o", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    assert "without their image" not in result.output
    sheet = (tmp_path / "o" / "index.html").read_text()
    assert "image not found" not in sheet and "street 1.png" in sheet


class _Assets(BaseHTTPRequestHandler):
    served: list[str] = []  # noqa: RUF012

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.served.append(self.path)
        if self.path.endswith("expired.png"):
            self.send_response(403)
            self.end_headers()
            return
        body = BytesIO()
        Image.new("RGB", (640, 480), (255, 255, 255)).save(body, format="PNG")
        data = body.getvalue()
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def assets() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Assets)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Assets.served = []
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _export(tmp_path: Path, base: str) -> Path:
    records = []
    for name in ("street.png", "expired.png", "other.png"):
        records.append(
            {
                "asset": f"{base}/assets/{name}",
                "externalId": name,
                "metadata": {"width": 640, "height": 480},
                "task": {
                    "taskId": f"t-{name}",
                    "stage": "Complete",
                    "tools": [
                        {
                            "bounding-box": {"x": 10, "y": 10, "width": 100, "height": 50},
                            "objectId": f"o-{name}",
                            "schemaId": "s-car",
                            "title": "car",
                            "classifications": [],
                        }
                    ],
                },
            }
        )
    path = tmp_path / "export.ndjson"
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


def test_cli_preview__downloads_only_with_consent_and_only_what_it_draws(
    runner: CliRunner, tmp_path: Path, assets: str
) -> None:
    export = str(_export(tmp_path, assets))
    without = runner.invoke(cli, ["preview", export, "-o", str(tmp_path / "a"), "--sample", "all"])
    assert without.exit_code == 0 and _Assets.served == []
    assert "3 without their image" in without.output

    result = runner.invoke(
        cli,
        ["preview", export, "-o", str(tmp_path / "b"), "--sample", "all", "--download-images"],
    )
    assert result.exit_code == 0, result.output
    drawn = tmp_path / "b" / "images" / "street.png"
    assert _pixel(drawn, 300, 300) == (255, 255, 255)  # the downloaded image behind
    assert _pixel(drawn, 10, 30) == DISTINCT[0]
    sheet = (tmp_path / "b" / "index.html").read_text()
    assert "HTTP 403 (the signed URL has probably expired)" in sheet
    assert "1 without their image" in result.output

    _Assets.served = []
    one = runner.invoke(
        cli,
        ["preview", export, "-o", str(tmp_path / "c"), "--sample", "1", "--download-images"],
    )
    assert one.exit_code == 0, one.output
    assert len(_Assets.served) == 1  # a sample of one fetches one image


def test_cli_preview__download_images_only_for_ango_exports(
    runner: CliRunner, samples: Path, tmp_path: Path
) -> None:
    result = runner.invoke(
        cli,
        ["preview", str(samples / "voc"), "-o", str(tmp_path / "o"), "--download-images"],
    )
    assert result.exit_code == 5 and "works on Ango exports" in result.output


def test_cli_preview__without_pillow_names_the_extra(
    runner: CliRunner, samples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec

    def missing_pil(name: str, *args: Any, **kwargs: Any) -> Any:
        return None if name == "PIL" else real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", missing_pil)
    result = runner.invoke(cli, ["preview", str(samples / "voc"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert result.output == "error: preview needs Pillow: pip install 'ango-convert[preview]'\n"
    assert not (tmp_path / "o").exists()


def test_palette__stable_and_distinct() -> None:
    palette = Palette(["car", "dog", "car", "cat"])
    assert [palette.colour(n) for n in ("car", "dog", "cat")] == list(DISTINCT[:3])
    assert palette.colour("zebra") == Palette([]).colour("zebra")  # hashed: stable


def test_preview__api_reads_any_dataset(samples: Path, tmp_path: Path) -> None:
    dataset = ango_convert.read(samples / "coco" / "annotations.json", "coco")
    report = preview(dataset, tmp_path / "out", sample=None)
    assert report.drawn == report.items == 5
    assert (tmp_path / "out" / "images" / "park" / "dog.png").is_file()
