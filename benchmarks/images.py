"""Tiny but real PNG and JPEG files, written with zlib and struct alone.

The benchmark needs image files whose headers state a known size (for header probing
and for the converters that read sizes from images) and that a decoder accepts (some
peers decode every image). Pixels are a flat grey, so files stay small whatever their
stated size.
"""

from __future__ import annotations

import struct
import zlib

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_bytes(width: int, height: int) -> bytes:
    """A valid 8-bit greyscale PNG of the given size, all pixels black."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    # Each row is a filter byte (0 = none) followed by one byte per pixel.
    raw = bytes((width + 1) * height)
    return (
        _PNG_SIGNATURE
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(raw, 6))
        + _png_chunk(b"IEND", b"")
    )


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def _one_symbol_huffman_table(table_class: int) -> bytes:
    # One code of length 1 ("0") standing for symbol 0: DC difference 0, or AC end-of-block.
    counts = bytes([1] + [0] * 15)
    return bytes([table_class << 4]) + counts + b"\x00"


def jpeg_bytes(width: int, height: int) -> bytes:
    """A valid baseline greyscale JPEG of the given size, all pixels mid-grey.

    Every 8x8 block codes as DC difference 0 plus end-of-block, one bit each with the
    one-symbol Huffman tables above, so the scan is ``blocks * 2`` zero bits.
    """
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    quant = b"\x00" + bytes([1] * 64)
    frame = struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"
    scan_header = b"\x01\x01\x00\x00\x3f\x00"
    blocks = -(-width // 8) * -(-height // 8)
    bits = blocks * 2
    scan = bytes(bits // 8)
    if bits % 8:
        # Pad the last byte with one-bits, as the standard asks.
        scan += bytes([(1 << (8 - bits % 8)) - 1])
    return (
        b"\xff\xd8"
        + _segment(0xE0, app0)
        + _segment(0xDB, quant)
        + _segment(0xC0, frame)
        + _segment(0xC4, _one_symbol_huffman_table(0))
        + _segment(0xC4, _one_symbol_huffman_table(1))
        + _segment(0xDA, scan_header)
        + scan
        + b"\xff\xd9"
    )
