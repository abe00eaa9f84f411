"""Where a preview's images come from: ``--images``, the reader's own paths, or (for an
Ango export, on request) the asset URLs."""

from __future__ import annotations

import warnings
from collections.abc import Collection
from pathlib import Path
from typing import Protocol

from PIL import Image

from ango_convert.io.image_files import ImageFinder
from ango_convert.model import Item


class RemoteImages(Protocol):
    """Fetches the images of some items into a folder (see ``remote.ExportImages``)."""

    def fetch(
        self, names: Collection[str] | None, folder: Path
    ) -> tuple[dict[str, Path], dict[str, str]]:
        """Download the images of the items named (by file name; None: every item) into
        ``folder``.

        Returns:
            The file of each name fetched, and why each name that failed did.
        """
        ...


class ImageSource:
    """Finds and opens each item's image, or says why there is none."""

    def __init__(self, images_dir: Path | None, remote: RemoteImages | None = None) -> None:
        self._finder = ImageFinder(images_dir)
        self._remote = remote
        self._fetched: dict[str, Path] = {}
        self._failed: dict[str, str] = {}

    def prepare(self, items: Collection[Item] | None, folder: Path) -> None:
        """Fetch, into ``folder``, the remote images of the items not found locally
        (None: of every item, for previews of a whole dataset)."""
        if self._remote is None:
            return
        wanted = (
            None
            if items is None
            else {item.file_name for item in items if self._finder.find(item) is None}
        )
        if wanted is None or wanted:
            fetched, failed = self._remote.fetch(wanted, folder)
            self._fetched.update(fetched)
            self._failed.update(failed)

    def open(self, item: Item) -> tuple[Image.Image | None, str | None]:
        """The item's image, or None and why it is missing."""
        path = self._finder.find(item) or self._fetched.get(item.file_name)
        if path is None:
            return None, self._failed.get(item.file_name, "image not found")
        try:
            with warnings.catch_warnings():
                # A decompression bomb is a bad image here, not a warning to print.
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image = Image.open(path)
                image.load()
        except (
            OSError,
            ValueError,
            SyntaxError,
            Image.DecompressionBombWarning,
            Image.DecompressionBombError,
        ) as exc:
            return None, f"cannot read the image ({type(exc).__name__})"
        return image, None
