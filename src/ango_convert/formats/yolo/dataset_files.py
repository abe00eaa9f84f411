"""Finding files inside a YOLO dataset folder: images below a folder, images named by a
list file, a label file for an image, and paths written on another machine.

Nothing outside the dataset folder is ever returned: a path that resolves outside it is
an error naming the config or list file and the place in it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from ango_convert.errors import ReadError, shown
from ango_convert.io.imagesize import IMAGE_SUFFIXES
from ango_convert.io.inputs import read_bytes
from ango_convert.io.inside import OUTSIDE, Confinement

_DRIVE = re.compile(r"[A-Za-z]:")


def list_images(folder: Path, root: Path | None = None) -> list[Path]:
    """Every regular image file below a folder, sorted, skipping hidden folders.

    Devices and pipes named like images are skipped: reading their header could block.

    Raises:
        ReadError: An image is a link leading outside ``root`` (the dataset folder;
            ``folder`` when None): its bytes would be copied into an output.
    """
    confine = Confinement(root or folder)
    found: list[str] = []
    pending = [str(folder)]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False) and not entry.name.startswith("."):
                    pending.append(entry.path)
                elif entry.is_file() and _suffix(entry.name) in IMAGE_SUFFIXES:
                    if entry.is_symlink() and not confine.allows(entry.path):
                        raise ReadError(entry.path, None, OUTSIDE)
                    found.append(entry.path)
    return [Path(path) for path in sorted(found)]


def _suffix(name: str) -> str:
    return name[name.rfind(".") :].lower() if "." in name else ""


def image_list(path: Path, root: Path) -> list[Path]:
    """The images a list file names, one a line (``#`` comments and blanks skipped).

    Raises:
        ReadError: ``list.txt: line N`` for an image not found inside ``root``.
    """
    text = read_bytes(path).decode("utf-8-sig", errors="replace")
    images = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.strip()
        if entry and not entry.startswith("#"):
            images.append(locate(path, f"line {number}", entry, path.parent, root))
    return images


def common_folder(images: Sequence[Path], fallback: Path) -> Path:
    """The deepest folder holding every image (``fallback`` for none): file names of
    images from a list file are relative to it."""
    if not images:
        return fallback
    return Path(os.path.commonpath([str(image.parent) for image in images]))


def locate(config: Path, where: str, entry: str, folder: Path, root: Path) -> Path:
    """Resolve a path written by another machine: as given, or by its longest tail.

    darknet's list files name images relative to darknet's own working folder
    (``data/obj_train_data/1.jpg``) or absolutely; the longest tail of the path that
    exists inside ``root`` is taken.

    Raises:
        ReadError: ``config: where`` when no candidate exists inside ``root``.
    """
    parts = Path(entry.replace("\\", "/")).parts
    parts = tuple(p for p in parts if p not in ("/", "") and not _DRIVE.fullmatch(p))
    candidates = [folder / Path(*parts)] if parts else []
    candidates += [root / Path(*parts[i:]) for i in range(len(parts))]
    for candidate in candidates:
        try:
            resolved = candidate.resolve()
            if is_within(resolved, root) and resolved.exists():
                return resolved
        except (OSError, ValueError):  # too long for the file system, a NUL...
            continue
    raise ReadError(config, where, f"{shown(entry)} not found inside the dataset folder {root}")


def is_within(path: Path, root: Path) -> bool:
    """True when a resolved ``path`` is ``root`` or below it."""
    resolved_root = root.resolve()
    return path == resolved_root or resolved_root in path.parents


def label_candidate_names(image: str) -> list[str]:
    """Where an image's label file may be: Ultralytics' ``images`` -> ``labels`` swap
    (the last ``images`` folder in the path), then beside the image (darknet).

    Plain strings: this runs once per image, and pathlib parsing dominated it.
    """
    base = os.path.splitext(image)[0]  # noqa: PTH122
    marker = f"{os.sep}images{os.sep}"
    candidates = []
    index = base.rfind(marker)
    if index >= 0:
        candidates.append(f"{base[:index]}{os.sep}labels{os.sep}{base[index + len(marker) :]}.txt")
    candidates.append(f"{base}.txt")
    return candidates
