"""Output safety: names taken from data are sanitised and never overwrite each other.

Hostile names (``../``, absolute, drive letters, backslashes, NUL and control
characters, over 255 bytes, case-only twins) go through the VOC and YOLO writers and the
export image download; every file must land inside its folder, one per item.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ango_convert.hub import images as ango_images
from tests.hostile.harness import convert_ok, files_below, write
from tests.imagebytes import png

LONG = "x" * 300 + ".jpg"
NAMES = [
    "../../evil.jpg",
    "/etc/abs.jpg",
    "..\\..\\win.jpg",
    "C:\\drive\\d.jpg",
    "nul\x00byte.jpg",
    "ctl\x07\x1b.jpg",
    LONG,
    "a/b/same.jpg",
    "c/same.jpg",
    "Same.jpg",
    "../",
]


def coco_with_names(folder: Path) -> Path:
    document = {
        "images": [
            {"id": n + 1, "file_name": name, "width": 64, "height": 48}
            for n, name in enumerate(NAMES)
        ],
        "categories": [{"id": 1, "name": "cat"}],
        "annotations": [
            {"id": n + 1, "image_id": n + 1, "category_id": 1, "bbox": [1, 2, 3, 4]}
            for n in range(len(NAMES))
        ],
    }
    return write(folder, "in.json", json.dumps(document))


def assert_inside(root: Path, tmp_path: Path) -> list[str]:
    """Nothing was written outside ``root`` (tmp_path holds only the input and ``root``)."""
    outside = [name for name in files_below(tmp_path) if not name.startswith(("in", root.name))]
    assert outside == []
    files = files_below(root)
    assert all(len(Path(name).name.encode()) <= 255 for name in files)
    assert not any(ch in name for name in files for ch in "\x00\x07\x1b\\")
    return files


def test_voc_names(tmp_path: Path) -> None:
    convert_ok(coco_with_names(tmp_path / "in"), tmp_path / "voc", "voc", "-W", "images=none")
    files = assert_inside(tmp_path / "voc", tmp_path)
    annotations = sorted(f for f in files if f.startswith("Annotations/"))
    assert len(annotations) == len(NAMES)  # one file per item: collisions renamed
    assert {"Annotations/same.xml", "Annotations/same_1.xml", "Annotations/Same_2.xml"} <= set(
        annotations
    )
    assert "Annotations/evil.xml" in annotations
    assert "Annotations/nul_byte.xml" in annotations
    assert f"Annotations/{'x' * 251}.xml" in annotations


def test_yolo_names(tmp_path: Path) -> None:
    convert_ok(coco_with_names(tmp_path / "in"), tmp_path / "yolo", "yolo", "-W", "images=none")
    files = assert_inside(tmp_path / "yolo", tmp_path)
    labels = sorted(f for f in files if f.startswith("labels/"))
    assert len(labels) == len(NAMES)
    assert {"labels/train/a/b/same.txt", "labels/train/c/same.txt"} <= set(labels)
    assert "labels/train/evil.txt" in labels
    assert "labels/train/etc/abs.txt" in labels


def test_yolo_same_base_name_in_two_folders_flattened(tmp_path: Path) -> None:
    """Two images named alike in different folders, written with their images copied."""
    images = tmp_path / "in" / "imgs"
    write(images, "a/same.png", png(64, 48))
    write(images, "b/same.png", png(64, 48))
    document = {
        "images": [
            {"id": 1, "file_name": "a/same.png", "width": 64, "height": 48},
            {"id": 2, "file_name": "b/same.png", "width": 64, "height": 48},
            {"id": 3, "file_name": "a\\same.png", "width": 64, "height": 48},
        ],
        "categories": [{"id": 1, "name": "cat"}],
        "annotations": [],
    }
    source = write(tmp_path / "in", "in.json", json.dumps(document))
    convert_ok(source, tmp_path / "voc", "voc", "--images", str(images))
    files = files_below(tmp_path / "voc")
    assert sorted(f for f in files if f.startswith("JPEGImages/")) == [
        "JPEGImages/same.png",
        "JPEGImages/same_1.png",
        "JPEGImages/same_2.png",
    ]


class _Images(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = png(8, 6)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def image_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Images)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def download(tmp_path: Path, server: str, names: list[str]) -> ango_images.DownloadReport:
    records = [
        {
            "asset": f"{server}/{n}.png",
            "externalId": name,
            "task": {"taskId": f"t{n}", "tools": [], "classifications": [], "relations": []},
        }
        for n, name in enumerate(names)
    ]
    source = write(tmp_path / "in", "export.json", json.dumps(records))
    return ango_images.download_images(source, tmp_path / "imgs", consent=True, progress=False)


def test_export_image_download_names(tmp_path: Path, image_server: str) -> None:
    names = [n.replace(".jpg", ".png") for n in NAMES if n not in ("../", LONG)]
    report = download(tmp_path, image_server, names)
    files = assert_inside(tmp_path / "imgs", tmp_path)
    assert report.failed == []
    assert {"evil.png", "etc/abs.png", "drive/d.png", "nul_byte.png", "ctl__.png"} <= set(files)
    assert len(files) == len(names)


def test_export_image_download_long_name(tmp_path: Path, image_server: str) -> None:
    report = download(tmp_path, image_server, ["y" * 300 + ".png"])
    assert report.failed == []
    assert assert_inside(tmp_path / "imgs", tmp_path) == [f"{'y' * 251}.png"]


def test_export_image_download_collision(tmp_path: Path, image_server: str) -> None:
    report = download(tmp_path, image_server, ["a/b.png", "a\\b.png"])
    assert report.downloaded == 2
    assert len(assert_inside(tmp_path / "imgs", tmp_path)) == 2


def test_ango_external_ids_land_inside(tmp_path: Path) -> None:
    """externalIds from a payload and from an export name the VOC files: sanitised too."""
    box = {
        "schemaId": "s",
        "title": "cat",
        "bounding-box": {"x": 1, "y": 2, "width": 3, "height": 4},
    }
    flat = [{"externalId": name, "objects": [box]} for name in NAMES if name != "../"]
    export = [
        {
            "externalId": name,
            "metadata": {"width": 64, "height": 48},
            "task": {"taskId": f"t{n}", "tools": [box], "classifications": [], "relations": []},
        }
        for n, name in enumerate(NAMES)
        if name != "../"
    ]
    for label, records in (("flat", flat), ("export", export)):
        source = write(tmp_path / "in", f"{label}.json", json.dumps(records))
        target = tmp_path / f"voc-{label}"
        fmt = "ango-flat" if label == "flat" else "ango-v3"
        convert_ok(
            source, target, "voc", "--from", fmt, "-R", "validate=false", "-W", "images=none"
        )
        annotations = [f for f in files_below(target) if f.startswith("Annotations/")]
        assert len(annotations) == len(NAMES) - 1
        assert "Annotations/evil.xml" in annotations
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "voc-export", "voc-flat"]
