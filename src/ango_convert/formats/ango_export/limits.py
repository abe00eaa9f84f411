"""Caps on what reading an export may cost: one record's size, a zip's unpacked size.

A zip member is refused before a byte of it is unpacked when its declared size exceeds
``zip_ratio`` times its compressed size (a decompression bomb: deflate reaches about
1000:1 on padding, real exports about 10-50:1), or when the members together would
unpack to more than ``unzipped_bytes``; the declared sizes are binding, since the zip
module stops (with a CRC error) at a member's declared size. One NDJSON line or one JSON
array element longer than ``record_bytes`` is refused as it is read, so memory stays
bounded whatever the file holds. The read options ``max_record_mb``, ``max_zip_ratio``
and ``max_unzipped_mb`` raise them.
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1 << 20

#: Default cap on one record (an NDJSON line or an array element, whitespace included).
MAX_RECORD_MB = 64
#: Default cap on a zip member's unpacked size over its compressed size.
MAX_ZIP_RATIO = 250
#: Default cap on the bytes all of a zip's data members unpack to.
MAX_UNZIPPED_MB = 16384
#: Members smaller than this are not held to the ratio (tiny files compress oddly).
RATIO_FLOOR = 4 * MB


@dataclass(frozen=True, slots=True)
class Limits:
    """What one read of an export may cost.

    Attributes:
        record_bytes: Longest NDJSON line or JSON array element.
        zip_ratio: Largest unpacked-to-compressed ratio of a zip member.
        unzipped_bytes: Most bytes a zip's data members unpack to, together.
    """

    record_bytes: int = MAX_RECORD_MB * MB
    zip_ratio: float = MAX_ZIP_RATIO
    unzipped_bytes: int = MAX_UNZIPPED_MB * MB

    @classmethod
    def from_options(cls, record_mb: float, zip_ratio: float, unzipped_mb: float) -> Limits:
        """Limits from the read options (megabytes), each of which must be positive.

        Raises:
            ValueError: An option is not a positive number.
        """
        for name, value in (
            ("max_record_mb", record_mb),
            ("max_zip_ratio", zip_ratio),
            ("max_unzipped_mb", unzipped_mb),
        ):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        return cls(int(record_mb * MB), float(zip_ratio), int(unzipped_mb * MB))


def record_too_long(limits: Limits) -> str:
    """The reason given for a record over the cap, with the option that raises it."""
    mb = limits.record_bytes / MB
    return f"a record longer than {mb:g} MB (raise the cap with the read option max_record_mb)"
