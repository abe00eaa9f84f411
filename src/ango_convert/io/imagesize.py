"""Image sizes from file headers, without decoding a single pixel.

YOLO stores normalised coordinates and VOC files may lack ``<size>``, so converters need
each image's width and height. Decoding images for that is slow and pulls in an imaging
library; the header holds the answer in its first bytes. Supported:

* PNG (the IHDR chunk), GIF (the logical screen), BMP (core and info headers; a negative
  height means top-down rows and counts by its absolute value);
* JPEG, baseline and progressive: the segments are walked by their lengths with
  ``seek``, so a large EXIF or ICC block before the start-of-frame is skipped, not read;
* WebP, lossy (``VP8``), lossless (``VP8L``) and extended (``VP8X``);
* TIFF, little and big endian (the first IFD's ImageWidth and ImageLength).

Sizes are the stored pixel grid: the EXIF orientation tag is not applied, as COCO, VOC
and YOLO tools record the stored size too.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from ango_convert.errors import ReadError

__all__ = ["IMAGE_SUFFIXES", "ImageSizeError", "image_size", "probe_size"]

#: File name endings the toolkit treats as images when it lists folders.
IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".gif", ".bmp", ".dib", ".webp", ".tif", ".tiff"}
)

_HEAD = 32
# Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) do not.
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers that stand alone, with no length field after them.
_STANDALONE = frozenset(range(0xD0, 0xD8)) | {0x01, 0xD8}
_MAX_JPEG_SEGMENTS = 4096


class ImageSizeError(ValueError):
    """The header is not a supported image, or is truncated or inconsistent."""


Size = tuple[int, int]


def image_size(path: str | Path) -> Size:
    """Read an image's ``(width, height)`` from its header.

    Args:
        path: The image file.

    Returns:
        Width and height in pixels, both positive.

    Raises:
        ReadError: The file cannot be opened, is not a supported image, or its header
            is truncated; the message names the file.
    """
    try:
        with Path(path).open("rb") as stream:
            return size_of_stream(stream)
    except ImageSizeError as exc:
        raise ReadError(path, None, f"cannot read the image size: {exc}") from exc
    except OSError as exc:
        raise ReadError(path, None, f"cannot open the image: {exc.strerror or exc}") from exc


def probe_size(path: str | Path) -> Size | None:
    """Like :func:`image_size`, but None instead of an error for any unreadable image."""
    try:
        return image_size(path)
    except ReadError:
        return None


def size_of_stream(stream: BinaryIO) -> Size:
    head = stream.read(_HEAD)
    for test, parse in _PARSERS:
        if test(head):
            width, height = parse(head, stream)
            if width <= 0 or height <= 0:
                raise ImageSizeError(f"header gives a size of {width} x {height}")
            return width, height
    raise ImageSizeError("not a PNG, JPEG, GIF, BMP, WebP or TIFF image")


def _need(data: bytes, count: int, what: str) -> None:
    if len(data) < count:
        raise ImageSizeError(f"{what} header is truncated")


def _png(head: bytes, _stream: BinaryIO) -> Size:
    _need(head, 24, "PNG")
    if head[12:16] != b"IHDR":
        raise ImageSizeError("PNG does not start with an IHDR chunk")
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


def _gif(head: bytes, _stream: BinaryIO) -> Size:
    _need(head, 10, "GIF")
    width, height = struct.unpack("<HH", head[6:10])
    return int(width), int(height)


def _bmp(head: bytes, _stream: BinaryIO) -> Size:
    _need(head, 26, "BMP")
    (header_size,) = struct.unpack("<I", head[14:18])
    if header_size == 12:  # BITMAPCOREHEADER: 16-bit unsigned sizes
        width, height = struct.unpack("<HH", head[18:22])
    else:
        width, height = struct.unpack("<ii", head[18:26])
    return int(width), abs(int(height))


def _webp(head: bytes, _stream: BinaryIO) -> Size:
    _need(head, 16, "WebP")
    chunk = head[12:16]
    _need(head, 25 if chunk == b"VP8L" else 30, "WebP")
    if chunk == b"VP8 ":
        if head[23:26] != b"\x9d\x01\x2a":
            raise ImageSizeError("WebP VP8 frame has no start code")
        width, height = struct.unpack("<HH", head[26:30])
        return int(width) & 0x3FFF, int(height) & 0x3FFF
    if chunk == b"VP8L":
        if head[20] != 0x2F:
            raise ImageSizeError("WebP VP8L stream has no signature byte")
        (bits,) = struct.unpack("<I", head[21:25])
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
        return width, height
    raise ImageSizeError(f"WebP has an unknown first chunk {chunk!r}")


def _jpeg(head: bytes, stream: BinaryIO) -> Size:
    stream.seek(2)
    for _ in range(_MAX_JPEG_SEGMENTS):
        marker = _next_marker(stream)
        if marker in _STANDALONE:
            continue
        if marker == 0xD9:  # end of image
            break
        length = _read_exact(stream, 2, "JPEG segment")
        (size,) = struct.unpack(">H", length)
        if size < 2:
            raise ImageSizeError(f"JPEG segment length {size} is too small")
        if marker in _SOF_MARKERS:
            frame = _read_exact(stream, 5, "JPEG start-of-frame")
            height, width = struct.unpack(">HH", frame[1:5])
            return int(width), int(height)
        stream.seek(size - 2, 1)
    raise ImageSizeError("JPEG has no start-of-frame segment")


def _next_marker(stream: BinaryIO) -> int:
    byte = _read_exact(stream, 1, "JPEG marker")
    if byte != b"\xff":
        raise ImageSizeError(f"JPEG segment does not start with a marker (got {byte!r})")
    while byte == b"\xff":  # any number of fill bytes may precede the marker code
        byte = _read_exact(stream, 1, "JPEG marker")
    return byte[0]


def _read_exact(stream: BinaryIO, count: int, what: str) -> bytes:
    data = stream.read(count)
    if len(data) < count:
        raise ImageSizeError(f"{what} is truncated")
    return data


def _tiff(head: bytes, stream: BinaryIO) -> Size:
    _need(head, 8, "TIFF")
    order = "<" if head[:2] == b"II" else ">"
    (offset,) = struct.unpack(order + "I", head[4:8])
    stream.seek(offset)
    (count,) = struct.unpack(order + "H", _read_exact(stream, 2, "TIFF directory"))
    found: dict[int, int] = {}
    for _ in range(count):
        entry = _read_exact(stream, 12, "TIFF directory entry")
        tag, kind = struct.unpack(order + "HH", entry[:4])
        if tag in (256, 257):
            found[tag] = _tiff_value(order, kind, entry[8:12])
        if len(found) == 2:
            return found[256], found[257]
    raise ImageSizeError("TIFF directory has no ImageWidth and ImageLength")


def _tiff_value(order: str, kind: int, raw: bytes) -> int:
    if kind == 3:  # SHORT, left-justified in the 4-byte value field
        return int(struct.unpack(order + "H", raw[:2])[0])
    if kind == 4:  # LONG
        return int(struct.unpack(order + "I", raw)[0])
    raise ImageSizeError(f"TIFF size tag has unexpected type {kind}")


_PARSERS: tuple[tuple[Callable[[bytes], bool], Callable[[bytes, BinaryIO], Size]], ...] = (
    (lambda h: h.startswith(b"\x89PNG\r\n\x1a\n"), _png),
    (lambda h: h.startswith(b"\xff\xd8"), _jpeg),
    (lambda h: h[:6] in (b"GIF87a", b"GIF89a"), _gif),
    (lambda h: h.startswith(b"BM"), _bmp),
    (lambda h: h[:4] == b"RIFF" and h[8:12] == b"WEBP", _webp),
    (lambda h: h[:4] in (b"II*\x00", b"MM\x00*"), _tiff),
)
