"""Brush masks of an Ango export: each asset's ``brushDataUrl`` PNG into one mask per class.

Hub paints every brush class of an asset into one PNG of the image's size, in the exact
colour of the class's brush tool in the ontology (``categorySchema.tools[].color``),
fully opaque, on a transparent background. A pixel belongs to the class whose colour it
has; transparent pixels (alpha 0) belong to none. Opaque pixels of a colour no brush tool
has are counted and reported, as are PNGs whose size differs from the asset's (refused:
the masks would not line up with the image).

Where the PNG comes from: ``masks_dir`` (a file named as the URL's last path segment),
else, with the user's consent (``--download-images``), a plain GET of the URL through the
reader's ``fetcher``; else the asset's brush masks are not read and that is reported.
NRRD medical masks (``medicalBrushDataUrl``) have no COCO/VOC/YOLO counterpart: they are
refused, or counted and reported with ``unknown_tools="skip"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from ango_convert.formats.ango.brushes import BRUSH_TOOL, parse_colour
from ango_convert.formats.ango.decode import UnknownTools
from ango_convert.io.names import safe_relative_path
from ango_convert.io.remote import Fetcher, FetchError
from ango_convert.ontology import Ontology

if TYPE_CHECKING:
    from ango_convert.model import Mask

#: Largest brush PNG read into memory.
MAX_MASK_BYTES = 256 << 20
MASK_HINT = "give the PNGs with --masks DIR, or pass --download-images to fetch them"


def brush_colours(ontology: Ontology) -> dict[tuple[int, int, int], str]:
    """The brush tools of an ontology: colour -> class title.

    Raises:
        ValueError: A brush tool without a colour, a malformed colour, or two brush tools
            sharing one colour (their pixels could not be told apart).
    """
    colours: dict[tuple[int, int, int], str] = {}
    for entry in ontology.tools:
        if entry.tool != BRUSH_TOOL:
            continue
        if entry.color is None:
            raise ValueError(f"brush tool {entry.title!r} has no colour in the ontology")
        rgb = parse_colour(entry.color)
        if rgb in colours and colours[rgb] != entry.title:
            raise ValueError(
                f"brush tools {colours[rgb]!r} and {entry.title!r} share the colour "
                f"{entry.color}: their pixels cannot be told apart"
            )
        colours[rgb] = entry.title
    return colours


def mask_file_name(url: str) -> str:
    """The file a brush URL is looked up as under ``masks_dir``: its last path segment."""
    return PurePosixPath(unquote(urlsplit(url).path)).name


@dataclass
class BrushReader:
    """Reads the brush masks of assets (see the module docs).

    Args:
        colours: Brush tool colour -> class title (:func:`brush_colours`).
        masks_dir: Folder of brush PNGs named as their URL's last path segment.
        fetcher: Downloads PNGs the folder does not have; None when not consented.
        unknown_tools: ``error`` refuses medical (NRRD) masks, ``skip`` counts them.
        warnings: Where the reports go (the read's diagnostics).
    """

    colours: Mapping[tuple[int, int, int], str]
    masks_dir: Path | None = None
    fetcher: Fetcher | None = None
    unknown_tools: UnknownTools = "error"
    warnings: list[str] = field(default_factory=list)
    _noted: set[str] = field(default_factory=set, init=False, repr=False)

    def check_medical(self, key: str, url: str | None) -> None:
        """Refuse or report an NRRD medical mask.

        Raises:
            ValueError: ``unknown_tools="error"``.
        """
        if url is None:
            return
        if self.unknown_tools == "error":
            raise ValueError(
                "medicalBrushDataUrl (an NRRD medical brush mask) has no COCO/VOC/YOLO "
                "counterpart; pass -R unknown_tools=skip to leave it out (it is reported)"
            )
        self._note(key, f"{key}: medical brush mask (NRRD) not converted: unsupported")

    def masks(
        self,
        key: str,
        url: str,
        size: tuple[int | None, int | None],
        category_ids: Mapping[str, int],
    ) -> list[Mask]:
        """One mask per brush class painted in the asset's PNG (none when it is unread).

        Raises:
            ValueError: The PNG is broken or its size differs from the asset's.
        """
        if not self.colours:
            self._note(
                key,
                f"{key}: brush mask not converted: its classes are told by their brush "
                "tools' colours; give the project's ontology (--ontology)",
            )
            return []
        data = self._load(key, url)
        if data is None:
            return []
        # numpy and the PNG codec load only when a brush mask is read: every other
        # conversion starts without them.
        from ango_convert.io.png import PngError, decode_rgba

        try:
            pixels = decode_rgba(data)
        except PngError as exc:
            raise ValueError(f"brush mask {mask_file_name(url)!r}: {exc}") from None
        height, width = int(pixels.shape[0]), int(pixels.shape[1])
        if size != (None, None) and size != (width, height):
            raise ValueError(
                f"brush mask {mask_file_name(url)!r} is {width} x {height} pixels but the "
                f"image is {size[0]} x {size[1]}"
            )
        return self._split(key, pixels, category_ids)

    def _split(self, key: str, pixels: Any, category_ids: Mapping[str, int]) -> list[Mask]:
        import numpy as np

        from ango_convert.masks import array_to_mask

        painted = pixels[:, :, 3] > 0
        # One 24-bit code per pixel, so each colour is compared once over the image.
        codes = (
            (pixels[:, :, 0].astype(np.uint32) << 16)
            | (pixels[:, :, 1].astype(np.uint32) << 8)
            | pixels[:, :, 2].astype(np.uint32)
        )
        matched = np.zeros(painted.shape, dtype=bool)
        result: list[Mask] = []
        for (r, g, b), title in self.colours.items():
            hit = painted & (codes == ((r << 16) | (g << 8) | b))
            if not hit.any():
                continue
            matched |= hit
            result.append(array_to_mask(hit, category_id=category_ids[title]))
        stray = painted & ~matched
        if stray.any():
            found = np.unique(codes[stray])
            shown = ", ".join(f"#{int(c):06x}" for c in found[:5])
            more = f" and {found.size - 5} more" if found.size > 5 else ""
            self._note(
                key,
                f"{key}: {int(stray.sum())} brush pixel(s) of colours no brush tool has "
                f"({shown}{more}) not converted",
            )
        return result

    def _load(self, key: str, url: str) -> bytes | None:
        name = mask_file_name(url)
        if self.masks_dir is not None and name:
            try:
                path = self.masks_dir / safe_relative_path(name)
            except ValueError:
                path = None
            if path is not None and path.is_file():
                if path.stat().st_size > MAX_MASK_BYTES:
                    raise ValueError(f"brush mask {str(path)!r} is larger than {MAX_MASK_BYTES}")
                return path.read_bytes()
        if self.fetcher is None or not url.startswith(("http://", "https://")):
            where = f" (not in {self.masks_dir})" if self.masks_dir is not None else ""
            self._note(key, f"{key}: brush mask {name!r} not read{where}; {MASK_HINT}")
            return None
        try:
            return self.fetcher.get_bytes(url, MAX_MASK_BYTES)
        except FetchError as exc:
            self._note(key, f"{key}: brush mask {name!r} not downloaded: {exc}")
            return None

    def _note(self, key: str, line: str) -> None:
        # The items are read once per writer pass: report each problem once.
        if line not in self._noted:
            self._noted.add(line)
            self.warnings.append(line)
