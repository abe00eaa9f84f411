"""Finding each item's image file and placing it in the output (copy or symlink)."""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath

from ango_convert.converters._approx import ATTR_SOURCE_IMAGE
from ango_convert.converters._io import safe_relative_path
from ango_convert.converters.imagesize import IMAGE_SUFFIXES
from ango_convert.errors import OutputError
from ango_convert.model import Item


class ImageFinder:
    """Finds an item's image: ``images_dir/<file name>``, then the image the reader
    found, then a file of the same base name anywhere below ``images_dir`` (indexed
    once, used only when that base name is unique there)."""

    def __init__(self, images_dir: Path | None) -> None:
        self.images_dir = images_dir
        self._index: dict[str, Path | None] | None = None

    def find(self, item: Item) -> Path | None:
        """The image file for ``item``, or None when it cannot be found."""
        if self.images_dir is not None:
            try:
                candidate = self.images_dir / safe_relative_path(item.file_name)
            except ValueError:
                candidate = None
            if candidate is not None and candidate.is_file():
                return candidate
        found = item.attributes.get(ATTR_SOURCE_IMAGE)
        if isinstance(found, str) and Path(found).is_file():
            return Path(found)
        if self.images_dir is None:
            return None
        base = PurePosixPath(item.file_name.replace("\\", "/")).name
        return self._by_base_name().get(base)

    def _by_base_name(self) -> dict[str, Path | None]:
        if self._index is None:
            self._index = {}
            assert self.images_dir is not None
            for path in sorted(self.images_dir.rglob("*")):
                if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
                    # An ambiguous base name maps to None: better no image than a wrong one.
                    self._index[path.name] = None if path.name in self._index else path
        return self._index


def place_image(source: Path, destination: Path, mode: str) -> None:
    """Copy or symlink ``source`` to ``destination``.

    Raises:
        OutputError: The file system refused.
    """
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        if mode == "symlink":
            destination.symlink_to(source.resolve())
        else:
            shutil.copyfile(source, destination)
    except OSError as exc:
        raise OutputError(
            f"{destination.name}: cannot write the image: {exc.strerror or exc}"
        ) from exc
