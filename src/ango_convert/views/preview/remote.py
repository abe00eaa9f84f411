"""Fetching the images of a preview's items from an Ango export's asset URLs.

Only on explicit request (``preview --download-images``): asset URLs are signed and
expire. Only the images of the items drawn are fetched (a sample of 100 from a 100,000
asset export fetches 100 files), each saved under a numbered name (names from data never
become paths), with no API key sent, a time limit per request and a size limit per file.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path, PurePosixPath

import requests

from ango_convert.hub.images import CHUNK, TIMEOUT, image_urls
from ango_convert.io.imagesize import IMAGE_SUFFIXES

#: Largest image file fetched (bytes).
MAX_BYTES = 256 * 1024 * 1024


class ExportImages:
    """The images behind an Ango export's asset URLs (see the module docs)."""

    def __init__(self, source: Path, *, timeout: float = TIMEOUT) -> None:
        self.source = source
        self.timeout = timeout

    def fetch(
        self, names: Collection[str] | None, folder: Path
    ) -> tuple[dict[str, Path], dict[str, str]]:
        """Download the images of the items named (by file name; None: every item) into
        ``folder``.

        Returns:
            The file of each name fetched, and why each name that failed did.
        """
        wanted = None if names is None else set(names)
        fetched: dict[str, Path] = {}
        failed: dict[str, str] = {}
        folder.mkdir(parents=True, exist_ok=True)
        for name, url in image_urls(self.source):
            if (wanted is not None and name not in wanted) or name in fetched:
                continue
            suffix = PurePosixPath(name).suffix.lower()
            extension = suffix if suffix in IMAGE_SUFFIXES else ""
            path = folder / f"{len(fetched) + len(failed):06d}{extension}"
            reason = self._download(url, path)
            if reason is None:
                fetched[name] = path
                failed.pop(name, None)
            else:
                failed[name] = reason
        for name in (wanted or set()) - fetched.keys() - failed.keys():
            failed[name] = "no image URL in the export"
        return fetched, failed

    def _download(self, url: str, path: Path) -> str | None:
        """Save ``url`` to ``path``; returns why it failed, or None."""
        try:
            with requests.get(url, stream=True, timeout=self.timeout) as response:
                status = response.status_code
                if status != 200:
                    hint = " (the signed URL has probably expired)" if status in (401, 403) else ""
                    return f"HTTP {status}{hint}"
                written = 0
                with path.open("wb") as sink:
                    for chunk in response.iter_content(CHUNK):
                        written += len(chunk)
                        if written > MAX_BYTES:
                            return f"image larger than {MAX_BYTES} bytes"
                        sink.write(chunk)
        except requests.RequestException as exc:
            return f"download failed ({type(exc).__name__})"
        except OSError as exc:
            return f"cannot save the image: {exc.strerror or exc}"
        return None
