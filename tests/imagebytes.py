"""Tiny image files built byte by byte (no imaging library), for size probing tests."""

from __future__ import annotations

import struct
import zlib


def png(width: int, height: int) -> bytes:
    """A real, decodable greyscale PNG of the given size (all black)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def jpeg(width: int, height: int, *, progressive: bool = False, exif_bytes: int = 0) -> bytes:
    """A JPEG header: SOI, an APP1 (EXIF) block of ``exif_bytes``, then SOF0 or SOF2."""
    data = b"\xff\xd8"
    data += b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    if exif_bytes:
        payload = b"Exif\x00\x00" + b"\x00" * exif_bytes
        data += b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    data += b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" * 65  # a quantisation table
    sof = b"\xc2" if progressive else b"\xc0"
    data += b"\xff\xff" + sof + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return data + b"\xff\xd9"


def gif(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00;"


def bmp(width: int, height: int, *, top_down: bool = False, core: bool = False) -> bytes:
    if core:
        dib = struct.pack("<IHHHH", 12, width, height, 1, 24)
    else:
        signed = -height if top_down else height
        dib = struct.pack("<IiiHHIIiiII", 40, width, signed, 1, 24, 0, 0, 0, 0, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + len(dib), 0, 0, 14 + len(dib)) + dib


def _riff(chunk: bytes, body: bytes) -> bytes:
    inner = b"WEBP" + chunk + struct.pack("<I", len(body)) + body
    return b"RIFF" + struct.pack("<I", len(inner)) + inner


def webp_vp8(width: int, height: int) -> bytes:
    return _riff(b"VP8 ", b"\x00\x00\x00\x9d\x01\x2a" + struct.pack("<HH", width, height))


def webp_vp8l(width: int, height: int) -> bytes:
    bits = (width - 1) | ((height - 1) << 14)
    return _riff(b"VP8L", b"\x2f" + struct.pack("<I", bits))


def webp_vp8x(width: int, height: int) -> bytes:
    body = (
        b"\x00\x00\x00\x00" + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    )
    return _riff(b"VP8X", body)


def tiff(width: int, height: int, *, big_endian: bool = False) -> bytes:
    order = ">" if big_endian else "<"
    head = (b"MM\x00*" if big_endian else b"II*\x00") + struct.pack(order + "I", 8)
    entries = struct.pack(order + "H", 3)
    entries += struct.pack(order + "HHI", 254, 4, 1) + struct.pack(order + "I", 0)
    entries += struct.pack(order + "HHI", 256, 3, 1) + struct.pack(order + "HH", width, 0)
    entries += struct.pack(order + "HHI", 257, 4, 1) + struct.pack(order + "I", height)
    return head + entries + struct.pack(order + "I", 0)
