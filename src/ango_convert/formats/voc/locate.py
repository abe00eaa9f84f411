"""Where a VOC file's item comes from: its id below the dataset root, and its image."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ango_convert.formats.voc.vocabulary import PixelConvention, corner_shift
from ango_convert.io.inside import Confinement
from ango_convert.io.names import is_plain_name, safe_relative_path


@dataclass
class Context:
    """What every file of one read shares: where things are, the convention, and the
    listings of image folders (read once, so a missing image costs no extra stat)."""

    root: Path
    images_dir: Path | None
    convention: PixelConvention
    listings: dict[str, frozenset[str]] = field(default_factory=dict)
    base: Path = field(init=False)
    shift: float = field(init=False)
    folders: dict[str, list[Path]] = field(default_factory=dict)
    links: dict[str, frozenset[str]] = field(default_factory=dict)
    confine: Confinement = field(init=False)

    def __post_init__(self) -> None:
        # Images and XML files stay inside the dataset (or the images folder given).
        self.confine = Confinement(self.root, self.images_dir)
        annotations = self.root / "Annotations"
        if not annotations.is_dir():
            annotations = self.root / "annotations"  # Kaggle-style, beside images/
        self.base = annotations if annotations.is_dir() else self.root
        self.shift = corner_shift(self.convention)

    def image_folders(self, xml_path: Path) -> list[Path]:
        """Where an XML file's image may be, in order (worked out once per XML folder)."""
        key = os.path.dirname(xml_path)  # noqa: PTH120 -- a plain string key, once per file
        if key not in self.folders:
            parent = xml_path.parent
            candidates = (
                self.images_dir,
                parent,
                self.root / "JPEGImages",
                parent.parent / "JPEGImages",
                self.root / "images",  # Kaggle-style annotations/ + images/
            )
            self.folders[key] = list(dict.fromkeys(d for d in candidates if d is not None))
        return self.folders[key]

    def listing(self, folder: Path) -> frozenset[str]:
        """The file names in ``folder`` (empty when it is not a folder)."""
        key = str(folder)  # a Path hashes its parts anew on every lookup
        if key not in self.listings:
            try:
                # scandir: thousands of plain strings, no Path objects needed, and which
                # names are links (to be checked) without a system call per name.
                with os.scandir(folder) as entries:
                    listed = [(entry.name, entry.is_symlink()) for entry in entries]
            except OSError:
                listed = []
            self.listings[key] = frozenset(name for name, _ in listed)
            self.links[key] = frozenset(name for name, link in listed if link)
        return self.listings[key]

    def check_image(self, folder: Path, name: str, xml_path: Path) -> Path:
        """``folder / name``, refused when it is (or goes through) a link leading out.

        Raises:
            ReadError: Named after the XML file: the image is a link leading outside.
        """
        image = folder / name
        head, below, _ = name.partition("/")
        if below or head in self.links.get(str(folder), ()):  # below a folder: look
            self.confine.check(image, xml_path)
        return image


def item_id(path: Path, base: Path) -> str:
    """The path below ``base`` without its extension, with forward slashes."""
    text, prefix = str(path), os.path.join(base, "")  # noqa: PTH118 -- strings: once per file
    relative = text[len(prefix) :] if text.startswith(prefix) else path.name
    stem, dot, suffix = relative.rpartition(".")
    # The extension of the last part only: "a.b/c" has none; ".xml" alone is a name.
    if dot and stem and suffix and not stem.endswith(os.sep) and os.sep not in suffix:
        relative = stem
    return relative.replace(os.sep, "/")


def find_image(xml_path: Path, context: Context, file_name: str | None) -> Path | None:
    """The image of an XML file: ``file_name`` in the image folders, or with no file
    name, the first image named like the XML file (any extension)."""
    names = _image_names(file_name)
    for folder in context.image_folders(xml_path):
        listing = context.listing(folder)
        for name in names:
            if name.partition("/")[0] in listing and (folder / name).is_file():
                return context.check_image(folder, name, xml_path)
        if file_name is None:
            stem = xml_path.stem + "."
            found = sorted(n for n in listing if n.startswith(stem) and not n.endswith(".xml"))
            images = [folder / name for name in found if (folder / name).is_file()]
            if images:
                return context.check_image(folder, images[0].name, xml_path)
    return None


def _image_names(file_name: str | None) -> list[str]:
    """The names to look for: the file name as a safe relative path, then its base name."""
    if not file_name:
        return []
    if is_plain_name(file_name):  # no folders, nothing to change
        return [file_name]
    try:
        relative = safe_relative_path(file_name)
    except ValueError:
        return []
    whole, base = str(relative), relative.name
    return [whole] if whole == base else [whole, base]
