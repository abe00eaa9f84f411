"""Image sizes from headers: every supported format, quirks, and refusals."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ango_convert.errors import ReadError
from ango_convert.io.imagesize import image_size, probe_size
from tests import imagebytes

CASES: list[tuple[str, Callable[[], bytes], tuple[int, int]]] = [
    ("png", lambda: imagebytes.png(7, 5), (7, 5)),
    ("jpeg-baseline", lambda: imagebytes.jpeg(640, 480), (640, 480)),
    ("jpeg-progressive", lambda: imagebytes.jpeg(641, 479, progressive=True), (641, 479)),
    ("jpeg-big-exif-first", lambda: imagebytes.jpeg(300, 200, exif_bytes=60_000), (300, 200)),
    ("gif", lambda: imagebytes.gif(3, 4), (3, 4)),
    ("bmp-bottom-up", lambda: imagebytes.bmp(5, 6), (5, 6)),
    ("bmp-top-down", lambda: imagebytes.bmp(5, 6, top_down=True), (5, 6)),
    ("bmp-core", lambda: imagebytes.bmp(9, 8, core=True), (9, 8)),
    ("webp-vp8", lambda: imagebytes.webp_vp8(33, 44), (33, 44)),
    ("webp-vp8l", lambda: imagebytes.webp_vp8l(16383, 2), (16383, 2)),
    ("webp-vp8x", lambda: imagebytes.webp_vp8x(20000, 4444), (20000, 4444)),
    ("tiff-le", lambda: imagebytes.tiff(12, 13), (12, 13)),
    ("tiff-be", lambda: imagebytes.tiff(1200, 70000, big_endian=True), (1200, 70000)),
]


class TestImageSize:
    @pytest.mark.parametrize(("kind", "make", "size"), CASES, ids=[c[0] for c in CASES])
    def test_image_size__each_format(
        self, tmp_path: Path, kind: str, make: Callable[[], bytes], size: tuple[int, int]
    ) -> None:
        path = tmp_path / f"image {kind}.bin"
        path.write_bytes(make())
        assert image_size(path) == size

    def test_image_size__reads_only_the_header(self, tmp_path: Path) -> None:
        # A PNG whose pixel data is garbage still has a readable size: nothing is decoded.
        path = tmp_path / "garbage.png"
        path.write_bytes(imagebytes.png(10, 20)[:33] + b"\x00garbage" * 1000)
        assert image_size(path) == (10, 20)

    def test_image_size__unknown_format_names_the_file(self, tmp_path: Path) -> None:
        path = tmp_path / "notes.txt"
        path.write_bytes(b"hello, not an image at all")
        with pytest.raises(ReadError, match=r"notes.txt: cannot read the image size: not a PNG"):
            image_size(path)
        assert probe_size(path) is None

    @pytest.mark.parametrize(
        ("data", "reason"),
        [
            (imagebytes.png(4, 4)[:20], "PNG header is truncated"),
            (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG"),
            (b"\xff\xd8\xff\xd9", "no start-of-frame"),
            (imagebytes.png(1, 1)[:16] + struct.pack(">II", 0, 5), "size of 0 x 5"),
        ],
        ids=["png-short", "jpeg-cut", "jpeg-no-sof", "png-zero-width"],
    )
    def test_image_size__broken_headers(self, tmp_path: Path, data: bytes, reason: str) -> None:
        path = tmp_path / "broken.img"
        path.write_bytes(data)
        with pytest.raises(ReadError, match=reason):
            image_size(path)

    def test_image_size__missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(ReadError, match="cannot open the image"):
            image_size(tmp_path / "nope.png")

    @settings(max_examples=40, deadline=None)
    @given(width=st.integers(1, 65535), height=st.integers(1, 65535), progressive=st.booleans())
    def test_image_size__jpeg_any_size(
        self, tmp_path_factory: pytest.TempPathFactory, width: int, height: int, progressive: bool
    ) -> None:
        path = tmp_path_factory.mktemp("jpeg") / "x.jpg"
        path.write_bytes(imagebytes.jpeg(width, height, progressive=progressive))
        assert image_size(path) == (width, height)
