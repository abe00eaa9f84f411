"""Brush masks into Ango: masks of brush classes painted into one PNG per asset.

A class is a brush class when the ontology (``--ontology``, a project's categorySchema)
has a ``brush`` tool of that title with a colour. Its masks are not sent as
``segmentation`` objects: they are painted, in the tool's exact colour and fully opaque,
into one PNG of the image's size per asset (transparent elsewhere), which is what Hub
reads from a label's ``brushDataUrl``. Where two brush masks overlap, the later one in
the item is kept and the overlap is reported.

Each PNG is named ``<first 24 hex digits of sha256(externalId)>.png`` (safe and stable
whatever the externalId holds) and written to ``brush_dir`` (default: ``<payload>.brushes``
beside the payload). The label's ``brushDataUrl`` is ``brush_url_base/<name>`` when the
user hosts the folder, else the PNG's path relative to the payload's folder, which
``ango-convert upload`` replaces by the URL Hub stores it under (see
:mod:`ango_convert.hub.brush_upload`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from ango_convert.errors import ConversionError, OutputError
from ango_convert.io.outputs import atomic_file
from ango_convert.model import Annotation, Category, Item, Mask
from ango_convert.ontology import Ontology

BRUSH_TOOL = "brush"


def parse_colour(text: str) -> tuple[int, int, int]:
    """``#rrggbb`` (or ``#rgb``) as an (r, g, b) triple.

    Raises:
        ValueError: Not a hex colour.
    """
    value = text.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    if len(value) != 6:
        raise ValueError(f"brush colour {text!r} is not #rrggbb")
    try:
        number = int(value, 16)
    except ValueError:
        raise ValueError(f"brush colour {text!r} is not #rrggbb") from None
    return number >> 16, (number >> 8) & 0xFF, number & 0xFF


@dataclass
class BrushPainter:
    """Paints an item's brush-class masks into a PNG and names where it goes.

    Args:
        categories: The dataset's categories.
        ontology: The ontology the brush tools and their colours come from.
        folder: Where PNGs are written.
        url_base: Base URL the user hosts ``folder`` at, or None.
        relative_to: The payload's folder, for relative ``brushDataUrl`` values.
    """

    categories: Sequence[Category]
    ontology: Ontology
    folder: Path | None
    url_base: str | None = None
    relative_to: Path | None = None
    written: list[str] = field(default_factory=list)
    overlaps: int = 0
    _colours: dict[int, tuple[int, int, int]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        tools = {
            entry.title: entry.color
            for entry in self.ontology.tools
            if entry.tool == BRUSH_TOOL and entry.color
        }
        for category in self.categories:
            colour = tools.get(category.name)
            if colour is not None:
                try:
                    self._colours[category.id] = parse_colour(colour)
                except ValueError as exc:
                    raise ConversionError(f"{self.ontology.source}: {exc}") from None

    def is_brush(self, category_id: int) -> bool:
        """True when the category's masks are painted."""
        return category_id in self._colours

    @property
    def escapes(self) -> bool:
        """True when relative ``brushDataUrl`` values leave the payload's folder."""
        if self.folder is None or self.relative_to is None:
            return False
        return Path(os.path.relpath(self.folder, self.relative_to)).parts[:1] == (os.pardir,)

    @property
    def active(self) -> bool:
        """True when some class of the dataset is a brush class."""
        return bool(self._colours)

    def split(self, item: Item) -> tuple[tuple[Annotation, ...], list[Mask]]:
        """The item's annotations without its brush masks, and the brush masks."""
        if not self._colours:
            return item.annotations, []
        others: list[Annotation] = []
        brushes: list[Mask] = []
        for annotation in item.annotations:
            if isinstance(annotation, Mask) and annotation.category_id in self._colours:
                brushes.append(annotation)
            else:
                others.append(annotation)
        return tuple(others), brushes

    def paint(self, masks: Sequence[Mask]) -> bytes:
        """One RGBA PNG: each mask in its class's colour, opaque; transparent elsewhere."""
        # Loaded only when a brush class is painted: other payloads start without numpy.
        import numpy as np

        from ango_convert.io.png import encode_rgba
        from ango_convert.masks import mask_to_array

        height, width = masks[0].height, masks[0].width
        pixels = np.zeros((height, width, 4), dtype=np.uint8)
        pixels[:, :, :3] = 255  # Hub's transparent background is (255, 255, 255, 0)
        taken = np.zeros((height, width), dtype=bool)
        for mask in masks:
            if (mask.height, mask.width) != (height, width):
                raise ValueError(
                    f"brush masks of one image differ in size: {width} x {height} and "
                    f"{mask.width} x {mask.height}"
                )
            area = mask_to_array(mask)
            self.overlaps += int((area & taken).sum())
            taken |= area
            pixels[area] = (*self._colours[mask.category_id], 255)
        return encode_rgba(pixels)

    def write(self, key: str, masks: Sequence[Mask]) -> str:
        """Paint and write the PNG of one asset; returns its ``brushDataUrl``.

        Raises:
            ConversionError: No folder to write to (the payload goes to stdout).
            OutputError: The PNG cannot be written.
        """
        if self.folder is None:
            raise ConversionError("no folder for brush mask PNGs (the brush_dir option)")
        name = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:24] + ".png"
        data = self.paint(masks)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{self.folder}: cannot create: {exc.strerror or exc}") from exc
        with atomic_file(self.folder / name) as stream:
            stream.write(data)
        self.written.append(name)
        if self.url_base:
            return f"{self.url_base.rstrip('/')}/{quote(name)}"
        path = self.folder / name
        if self.relative_to is not None:
            return Path(os.path.relpath(path, self.relative_to)).as_posix()
        return path.as_posix()
