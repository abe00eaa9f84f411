"""Each item's files in a written YOLO dataset: label and image names, sizes from image
headers, and what is reported when images or sizes are missing."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Literal

from ango_convert.errors import ConversionError
from ango_convert.io.image_files import ImageFinder, missing_images_warning
from ango_convert.io.imagesize import IMAGE_SUFFIXES, probe_size
from ango_convert.io.names import (
    MAX_NAME_BYTES,
    UniqueNames,
    is_plain_name,
    safe_relative_path,
    stem_of,
)
from ango_convert.model import Item
from ango_convert.report import WriteReport

ImagesMode = Literal["auto", "copy", "symlink", "none"]

SHOWN = 5


def with_size(item: Item, finder: ImageFinder) -> Item:
    if item.width is not None and item.height is not None:
        return item
    source = finder.find(item)
    size = probe_size(source) if source is not None else None
    if size is None:
        return item
    return dataclasses.replace(item, width=size[0], height=size[1])  # split and all kept


def listed(names: Sequence[str], count: int) -> str:
    """The first names (at most five) and how many more there are."""
    shown = ", ".join(repr(name) for name in names[:SHOWN])
    more = f" and {count - SHOWN} more" if count > SHOWN else ""
    return f"{shown}{more}"


class Unsized:
    """Items with objects but no size: counted while streaming, refused at the end.
    (An item without objects writes an empty label file: it needs no size.)"""

    def __init__(self) -> None:
        self.count = 0
        self.shown: list[str] = []

    def add(self, item_id: str) -> None:
        self.count += 1
        if len(self.shown) < SHOWN:
            self.shown.append(item_id)

    def check(self) -> None:
        if not self.count:
            return
        raise ConversionError(
            f"YOLO needs each image's size to normalise coordinates; {self.count} "
            f"item(s) have none: {listed(self.shown, self.count)}",
            "pass the images folder with {images_dir=DIR} so their headers can be read",
        )


def item_file_names(names: UniqueNames, item: Item, source: Path | None) -> tuple[str, str]:
    """The item's label and image names inside their split folders, the label claimed."""
    return claim_label(names, label_request(item, source))


#: The label name an item asks for, before :class:`UniqueNames` settles clashes: its
#: stem, the image's suffix, the byte limit of the name, and the cleaned sub-path when
#: the name has folders. A plain tuple: a sharded write sends one per item to the parent,
#: and tuples pickle ten times faster than a dataclass.
LabelRequest = tuple[str, str, int, PurePosixPath | None]


def label_request(item: Item, source: Path | None) -> LabelRequest:
    """What the item's label would be named, had no other item the name."""
    name = item.file_name
    relative = None if is_plain_name(name) else _relative_name(item)
    if relative is None:  # one part, nothing to clean: string work only
        stem = stem_of(name)
        suffix = name[len(stem) :]
    else:
        stem, suffix = relative.stem, relative.suffix
    if suffix.lower() not in IMAGE_SUFFIXES and source is not None:
        suffix = source.suffix  # an Ango externalId may have no extension
    # The label's stem also names the image: keep room for the image's longer extension.
    limit = MAX_NAME_BYTES - max(0, len(suffix.encode("utf-8")) - len(".txt"))
    return stem, suffix, limit, relative


def claim_label(names: UniqueNames, request: LabelRequest) -> tuple[str, str]:
    """The label and image names for ``request``, the label claimed in ``names``."""
    stem, suffix, limit, relative = request
    if relative is None:
        label = names.claim_name(f"{stem}.txt", limit=limit)
    else:
        label = str(names.claim(relative.with_name(f"{stem}.txt"), limit=limit))
    return label, f"{label[: -len('.txt')]}{suffix}"


def _relative_name(item: Item) -> PurePosixPath:
    try:
        return safe_relative_path(item.file_name)
    except ValueError:
        return safe_relative_path(item.id or "item")


def report_missing_images(
    missing: list[str], count: int, images: ImagesMode, report: WriteReport
) -> None:
    """Warn about the images not found, or refuse (see :func:`missing_images_warning`):
    ``report.items`` is how many items were written."""
    text = missing_images_warning("yolo", missing, count, report.items, images)
    if text is not None:
        report.warnings.append(f"{text}; labels were written without them")
