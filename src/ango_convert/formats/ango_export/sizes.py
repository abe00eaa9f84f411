"""Image sizes of an Ango export's items: metadata, then local images, then the URL.

``metadata.width/height`` come first; a value that is there but wrong (0, negative,
fractional, text, huge) is an error, not "unknown". Then a local image under
``images_dir`` (by file name, then base name); then, when the reader was given a
:class:`~ango_convert.io.remote.Fetcher` (``fetch_sizes=True``), the header bytes of the
asset URL. An item still without a size is not an error here: the writers that need
sizes refuse it, listing it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ango_convert.io.imagesize import probe_size
from ango_convert.io.names import safe_relative_path
from ango_convert.io.remote import Fetcher

#: Largest image side taken from metadata (what PNG and TIFF can hold).
MAX_PIXELS = 2**31 - 1


@dataclass
class SizeFinder:
    """Image sizes: metadata, then local images, then the URL's header bytes.

    Args:
        images_dir: Folder of local images, matched by file name then base name.
        fetcher: Reads a size from a URL's header bytes, or None to not try.
    """

    images_dir: Path | None = None
    fetcher: Fetcher | None = None
    _cache: dict[str, tuple[int, int] | None] = field(default_factory=dict, init=False, repr=False)

    def size(
        self, record: Mapping[str, Any], file_name: str, url: str | None
    ) -> tuple[int | None, int | None]:
        """The (width, height) for an item, (None, None) when nothing tells."""
        found = metadata_size(record) or self._local(file_name) or self._remote(url)
        return found if found is not None else (None, None)

    def _local(self, file_name: str) -> tuple[int, int] | None:
        if self.images_dir is None:
            return None
        try:
            relative = safe_relative_path(file_name)
        except ValueError:
            return None
        for candidate in (relative, PurePosixPath(relative.name)):
            size = probe_size(self.images_dir / candidate)
            if size is not None:
                return size
        return None

    def _remote(self, url: str | None) -> tuple[int, int] | None:
        if self.fetcher is None or not url or not url.startswith(("http://", "https://")):
            return None
        # Frames of one asset share a URL; remember only the last, so memory stays flat.
        if url not in self._cache:
            self._cache.clear()
            self._cache[url] = self.fetcher.image_size(url)
        return self._cache[url]


def metadata_size(record: Mapping[str, Any]) -> tuple[int, int] | None:
    """``metadata.width/height``; None when the metadata or either value is missing.

    Raises:
        ValueError: A value that is there but is not a positive whole number of pixels
            (0, negative, fractional, text, huge): a broken export, not an unknown size.
    """
    metadata = record.get("metadata")
    if not isinstance(metadata, Mapping):
        return None
    width, height = metadata.get("width"), metadata.get("height")
    for name, value in (("width", width), ("height", height)):
        if value is not None:
            _check_pixels(name, value)
    if width is None or height is None:
        return None
    return int(width), int(height)


def _check_pixels(name: str, value: Any) -> None:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or not 0 < value <= MAX_PIXELS or value != int(value):
        raise ValueError(
            f"metadata.{name} must be a positive whole number of pixels, got {value!r}"
        )
