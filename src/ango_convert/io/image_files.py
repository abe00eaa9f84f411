"""Finding each item's image file and placing it in the output (copy or symlink)."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from ango_convert.errors import ConversionError, OutputError, shown
from ango_convert.io.imagesize import IMAGE_SUFFIXES
from ango_convert.io.inside import Confinement
from ango_convert.io.names import safe_relative_path
from ango_convert.io.overlap import OutputGuard
from ango_convert.model import Item


class ImageFinder:
    """Finds an item's image: ``images_dir/<file name>``, then the image the reader
    found, then a file of the same base name (or, for a name without an image
    extension, the same stem) anywhere below ``images_dir``: indexed once, used only
    when unique there.

    An image below ``images_dir`` that is a link leading outside it is refused (its bytes
    would be copied into the output), and so is a FIFO or device named like an image.
    An image found inside ``output`` (the folder being written) is refused too: replacing
    the folder would remove it, or link it to itself.
    """

    def __init__(self, images_dir: Path | None, output: Path | None = None) -> None:
        self.images_dir = images_dir
        self._index: dict[str, Path | None] | None = None
        self._guard = OutputGuard(output)
        self._confine = Confinement(images_dir)

    def find(self, item: Item) -> Path | None:
        """The image file for ``item``, or None when it cannot be found.

        Raises:
            OutputError: The image lies inside the output folder.
            ReadError: The image below ``images_dir`` is a link leading outside it.
        """
        found = self._find(item)
        return None if found is None else self._guard.check(found)

    def _find(self, item: Item) -> Path | None:
        if self.images_dir is not None:
            try:
                candidate = self.images_dir / safe_relative_path(item.file_name)
            except ValueError:
                candidate = None
            if candidate is not None and candidate.is_file():
                self._confine.check(candidate)
                return candidate
        if item.image_path is not None and Path(item.image_path).is_file():
            return Path(item.image_path)
        if self.images_dir is None:
            return None
        base = PurePosixPath(item.file_name.replace("\\", "/")).name
        index = self._by_name()
        if PurePosixPath(base).suffix.lower() not in IMAGE_SUFFIXES:
            base = f"{base}.*"  # a name without an image extension matches by stem
        found = index.get(base)
        if found is not None:
            self._confine.check(found)
        return found

    def _by_name(self) -> dict[str, Path | None]:
        """Images below ``images_dir`` by base name and by ``stem.*``; an ambiguous key
        maps to None, since no image is better than a wrong one."""
        if self._index is None:
            self._index = {}
            assert self.images_dir is not None
            for path in sorted(self.images_dir.rglob("*")):
                if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
                    for key in (path.name, f"{path.stem}.*"):
                        self._index[key] = None if key in self._index else path
        return self._index


def image_suffix(name: PurePosixPath, source: Path | None) -> str:
    """The extension an output image gets: the name's own when it is an image
    extension, else the source file's (an Ango externalId may have none)."""
    if name.suffix.lower() in IMAGE_SUFFIXES or source is None:
        return name.suffix
    return source.suffix


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


#: The ways out when images are not found, in the caller's language (see ``render_hint``).
MISSING_IMAGES_HINT = (
    "pass the images folder with {images_dir=DIR}, or {images=none} to write labels only "
    "(an Ango export's images: {download_images=True})"
)


def missing_images_warning(
    format_name: str, first: Sequence[str], missing: int, items: int, mode: str
) -> str | None:
    """What a writer says about the images it did not find: nothing when it found them
    all (or was told ``images="none"``), a warning when ``auto`` found some.

    Args:
        format_name: The writer's format, for the message.
        first: The first few file names not found.
        missing: How many items' images were not found.
        items: How many items were written.
        mode: The writer's ``images`` option.

    Raises:
        ConversionError: ``copy`` or ``symlink`` and an image is missing, or ``auto`` and
            none of the items' images was found: such a dataset cannot train.
    """
    if not missing or mode == "none":
        return None
    names = ", ".join(shown(name) for name in first)
    more = f" and {missing - len(first)} more" if missing > len(first) else ""
    text = f"{missing} image(s) not found: {names}{more}"
    if mode == "auto" and missing >= items:
        text = (
            f"{format_name}: no image found for any of the {items} item(s) ({names}{more}), "
            "and a dataset without its images cannot train"
        )
    if mode != "auto" or missing >= items:
        raise ConversionError(text, MISSING_IMAGES_HINT)
    return text
