"""Drawing a dataset's items into a folder of images with a contact sheet."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from PIL import Image

from ango_convert.errors import OutputError
from ango_convert.io.imagesize import IMAGE_SUFFIXES
from ango_convert.io.names import UniqueNames, safe_relative_path
from ango_convert.io.outputs import atomic_dir, write_into
from ango_convert.model import Category, Dataset, Item
from ango_convert.views.preview.draw import render
from ango_convert.views.preview.palette import RGB, Palette
from ango_convert.views.preview.sampling import reservoir_sample
from ango_convert.views.preview.sheet import SheetEntry, render_sheet
from ango_convert.views.preview.sources import ImageSource, RemoteImages

IMAGES_FOLDER = "images"
SHEET = "index.html"
JPEG_QUALITY = 90


@dataclass
class PreviewReport:
    """What a preview drew.

    Attributes:
        target: The output folder.
        drawn: Items drawn.
        items: Items in the dataset.
        without_image: Items drawn on a blank canvas (image missing or unreadable).
        files: The drawn images, relative to ``target``.
    """

    target: str
    drawn: int
    items: int
    without_image: int
    files: list[str]

    def summary(self) -> str:
        """One line for the terminal."""
        text = f"drew {self.drawn} of {self.items} item(s) into {self.target}"
        if self.without_image:
            text += f"; {self.without_image} without their image (drawn on a blank canvas)"
        return text + f"; open {Path(self.target) / SHEET}"


def draw_preview(
    dataset: Dataset,
    output: Path,
    *,
    images_dir: Path | None = None,
    sample: int | None = 100,
    seed: int = 0,
    remote: RemoteImages | None = None,
    overwrite: bool = False,
    title: str | None = None,
    max_side: int = 1600,
) -> PreviewReport:
    """See :func:`ango_convert.views.preview` (the checked entry point)."""
    categories = dataset.category_by_id()
    palette = Palette(category.name for category in dataset.categories)
    source = ImageSource(images_dir, remote)
    with tempfile.TemporaryDirectory(prefix="ango-preview-") as downloads:
        chosen: Iterable[Item]
        if sample is None:
            chosen, total, how = dataset.items, None, "every item"
            if remote is not None:
                source.prepare(None, Path(downloads))
        else:
            picked, total = reservoir_sample(dataset.items, sample, seed)
            how = f"a random sample (seed {seed})" if total > sample else "every item"
            chosen = picked
            source.prepare(picked, Path(downloads))
        with atomic_dir(output, overwrite=overwrite) as folder:
            entries = _draw_all(chosen, source, categories, palette, folder, max_side)
            count = total if total is not None else len(entries)
            summary = f"{len(entries)} of {count} item(s): {how}."
            sheet = render_sheet(
                title or str(output), summary, entries, _legend(palette, categories, entries)
            )
            write_into(folder, SHEET, sheet.encode("utf-8"))
    return PreviewReport(
        target=str(output),
        drawn=len(entries),
        items=count,
        without_image=sum(1 for entry in entries if entry.note),
        files=[entry.image for entry in entries],
    )


def _draw_all(
    items: Iterable[Item],
    source: ImageSource,
    categories: dict[int, Category],
    palette: Palette,
    folder: Path,
    max_side: int,
) -> list[SheetEntry]:
    names = UniqueNames()
    entries: list[SheetEntry] = []
    for index, item in enumerate(items):
        image, note = source.open(item)
        drawn = render(item, image, categories, palette, max_side=max_side)
        is_jpeg = image is not None and image.format == "JPEG"
        relative = names.claim(_output_name(item, index, ".jpg" if is_jpeg else ".png"))
        _save(drawn, folder / IMAGES_FOLDER / relative, is_jpeg, relative)
        classes = dict.fromkeys(
            categories[a.category_id].name if a.category_id in categories else f"#{a.category_id}"
            for a in item.annotations
        )
        entries.append(
            SheetEntry(
                image=f"{IMAGES_FOLDER}/{relative}",
                name=item.file_name,
                objects=len(item.annotations),
                classes=tuple(classes),
                note=note,
            )
        )
    return entries


def _output_name(item: Item, index: int, suffix: str) -> PurePosixPath:
    """A safe relative name for the drawn image, from the item's file name."""
    try:
        name = safe_relative_path(item.file_name)
    except ValueError:
        name = PurePosixPath(f"item-{index}")
    base = name.stem if name.suffix.lower() in IMAGE_SUFFIXES else name.name
    # Made safe again: the new extension must not push the name past the length limit.
    return safe_relative_path(str(name.with_name(base + suffix)))


def _save(image: Image.Image, path: Path, is_jpeg: bool, relative: PurePosixPath) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if is_jpeg:
            image.save(path, format="JPEG", quality=JPEG_QUALITY)
        else:
            image.save(path, format="PNG")
    except OSError as exc:
        raise OutputError(f"{relative}: cannot write: {exc.strerror or exc}") from exc


def _legend(
    palette: Palette, categories: dict[int, Category], entries: list[SheetEntry]
) -> dict[str, RGB]:
    names = [category.name for category in categories.values()]
    names.extend(name for entry in entries for name in entry.classes)
    return {name: palette.colour(name) for name in dict.fromkeys(names)}
