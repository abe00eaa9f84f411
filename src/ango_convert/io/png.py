"""PNG files of brush masks: decoding to RGBA pixels, and encoding RGBA pixels.

Decoding uses Pillow (the ``preview`` extra), imported only when a brush mask is read:
Hub's brush PNGs come from a browser canvas, so every PNG variant (filters, palettes,
16-bit, interlacing) may occur, and a C decoder reads an image-sized mask in
milliseconds where a pure-Python unfilter would take seconds. Encoding needs none of
that: :func:`encode_rgba` writes 8-bit RGBA, filter type 0, with :mod:`zlib`, so painting
masks for Ango works without the extra.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import numpy.typing as npt

RGBA = npt.NDArray[np.uint8]

#: Largest side, in pixels, a decoded mask may have (guards against decompression bombs).
MAX_SIDE = 1 << 15

_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class PngError(ValueError):
    """A PNG that cannot be read (the message says why; callers add the place)."""


def decode_rgba(data: bytes) -> RGBA:
    """The pixels of a PNG as a (height, width, 4) uint8 RGBA array.

    Raises:
        PngError: Not a PNG, a broken one, one too large, or Pillow is missing.
    """
    if not data.startswith(_SIGNATURE):
        raise PngError("not a PNG file (bad signature)")
    try:
        from PIL import Image
    except ImportError:
        raise PngError(
            "reading brush masks needs Pillow: pip install 'ango-convert[preview]'"
        ) from None
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width > MAX_SIDE or height > MAX_SIDE:
                raise PngError(f"mask is {width} x {height} pixels, more than {MAX_SIDE} a side")
            return np.asarray(image.convert("RGBA"), dtype=np.uint8)
    except PngError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise PngError(f"broken PNG: {exc}") from None


def encode_rgba(pixels: RGBA) -> bytes:
    """Encode a (height, width, 4) uint8 RGBA array as a PNG (8-bit RGBA, no filter)."""
    if pixels.ndim != 3 or pixels.shape[2] != 4 or pixels.dtype != np.uint8:
        raise ValueError(f"expected a (height, width, 4) uint8 array, got {pixels.shape}")
    height, width = int(pixels.shape[0]), int(pixels.shape[1])
    rows = np.zeros((height, 1 + 4 * width), dtype=np.uint8)  # column 0: filter type 0
    rows[:, 1:] = pixels.reshape(height, 4 * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"".join(
        (
            _SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)),
            _chunk(b"IEND", b""),
        )
    )


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)
