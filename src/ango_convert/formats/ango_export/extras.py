"""Image sizes, bounds and train/val/test splits for the items of an Ango export.

Sizes: ``metadata.width/height``, then a local image, then the URL's header bytes.
Bounds: a shape wholly outside its image is refused once the size is known.
Splits: by batch name, or by a seeded hash of the externalId (independent of order).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from ango_convert.geometry import bounds, box_outside_image, rotated_box_corners
from ango_convert.io.imagesize import probe_size
from ango_convert.io.names import safe_relative_path
from ango_convert.io.remote import Fetcher
from ango_convert.model import (
    ATTR_OBJECT_ID,
    XY,
    Annotation,
    Box,
    Keypoints,
    Point,
    Polygon,
    Polyline,
    RotatedBox,
)

SplitBy = Literal["none", "batch", "ratio"]
#: Largest image side taken from metadata (what PNG and TIFF can hold).
MAX_PIXELS = 2**31 - 1
SPLIT_NAMES = ("train", "val", "test")
_SPLIT_ALIASES = {
    "train": "train",
    "training": "train",
    "val": "val",
    "valid": "val",
    "validation": "val",
    "test": "test",
    "testing": "test",
}


# --- sizes ------------------------------------------------------------------------------


@dataclass
class SizeFinder:
    """Image sizes: metadata, then local images, then the URL's header bytes.

    Args:
        images_dir: Folder of local images, matched by file name then base name.
        fetcher: Reads a size from a URL's header bytes, or None to not try.
    """

    images_dir: Path | None = None
    fetcher: Fetcher | None = None
    _cache: dict[str, tuple[int, int] | None] = field(default_factory=dict, init=False, repr=False)

    def size(
        self, record: Mapping[str, Any], file_name: str, url: str | None
    ) -> tuple[int | None, int | None]:
        """The (width, height) for an item, (None, None) when nothing tells."""
        found = metadata_size(record) or self._local(file_name) or self._remote(url)
        return found if found is not None else (None, None)

    def _local(self, file_name: str) -> tuple[int, int] | None:
        if self.images_dir is None:
            return None
        try:
            relative = safe_relative_path(file_name)
        except ValueError:
            return None
        for candidate in (relative, PurePosixPath(relative.name)):
            size = probe_size(self.images_dir / candidate)
            if size is not None:
                return size
        return None

    def _remote(self, url: str | None) -> tuple[int, int] | None:
        if self.fetcher is None or not url or not url.startswith(("http://", "https://")):
            return None
        # Frames of one asset share a URL; remember only the last, so memory stays flat.
        if url not in self._cache:
            self._cache.clear()
            self._cache[url] = self.fetcher.image_size(url)
        return self._cache[url]


def metadata_size(record: Mapping[str, Any]) -> tuple[int, int] | None:
    """``metadata.width/height``; None when the metadata or either value is missing.

    Raises:
        ValueError: A value that is there but is not a positive whole number of pixels
            (0, negative, fractional, text, huge): a broken export, not an unknown size.
    """
    metadata = record.get("metadata")
    if not isinstance(metadata, Mapping):
        return None
    width, height = metadata.get("width"), metadata.get("height")
    for name, value in (("width", width), ("height", height)):
        if value is not None:
            _check_pixels(name, value)
    if width is None or height is None:
        return None
    return int(width), int(height)


def _check_pixels(name: str, value: Any) -> None:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or not 0 < value <= MAX_PIXELS or value != int(value):
        raise ValueError(
            f"metadata.{name} must be a positive whole number of pixels, got {value!r}"
        )


def outside_reason(annotation: Annotation, width: int, height: int) -> str | None:
    """Why an annotation cannot belong to a ``width`` x ``height`` image, or None.

    Its bounds (a box's own, else the bounds of its points) are tested like the COCO and
    VOC readers test boxes: overhangs are kept, a shape wholly outside is refused.
    """
    if isinstance(annotation, Box):
        box = (annotation.x, annotation.y, annotation.width, annotation.height)
    else:
        points = _points_of(annotation)
        if not points:
            return None
        xmin, ymin, xmax, ymax = bounds(points)
        box = (xmin, ymin, xmax - xmin, ymax - ymin)
    reason = box_outside_image(*box, width, height)
    if reason is None:
        return None
    name = annotation.attributes.get(ATTR_OBJECT_ID)
    label = f"object {name!r}" if isinstance(name, str) else "an object"
    return f"{label} ({annotation.kind}): {reason}"


def _points_of(annotation: Annotation) -> list[XY]:
    if isinstance(annotation, RotatedBox):
        return list(rotated_box_corners(annotation))
    if isinstance(annotation, Polygon):
        return [point for zone in annotation.zones for point in zone.outer]
    if isinstance(annotation, Polyline):
        return list(annotation.points)
    if isinstance(annotation, Point):
        return [(annotation.x, annotation.y)]
    if isinstance(annotation, Keypoints):
        return [(x, y) for x, y, v in annotation.points if v > 0]
    return []  # masks carry their own size


# --- splits -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Splitter:
    """Assigns items to train/val/test, by batch name or by a seeded hash of the asset."""

    by: SplitBy = "none"
    fractions: tuple[float, ...] = ()
    seed: int = 0
    batch_map: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, by: SplitBy, ratios: str, seed: int, split_map: str) -> Splitter:
        """Check and parse the split options.

        Raises:
            ValueError: Ratios that are not 2 or 3 positive numbers, or a bad split_map.
        """
        fractions: tuple[float, ...] = ()
        if by == "ratio":
            fractions = _parse_ratios(ratios)
        return cls(by, fractions, seed, _parse_split_map(split_map))

    def split_of(self, key: str, batches: Sequence[Any]) -> str | None:
        """The split of an asset (all its frames share it, so no frame leaks across).

        Raises:
            ValueError: ``by="batch"`` and no batch of the asset names a split.
        """
        if self.by == "none":
            return None
        if self.by == "ratio":
            digest = hashlib.sha256(f"{self.seed}\0{key}".encode()).digest()
            point = int.from_bytes(digest[:8], "big") / 2**64
            total = 0.0
            for name, fraction in zip(SPLIT_NAMES, self.fractions, strict=False):
                total += fraction
                if point < total:
                    return name
            return SPLIT_NAMES[len(self.fractions) - 1]
        for batch in batches:
            if isinstance(batch, str):
                split = self.batch_map.get(batch) or _SPLIT_ALIASES.get(batch.strip().casefold())
                if split:
                    return split
        names = [b for b in batches if isinstance(b, str)]
        raise ValueError(
            f"no batch names a split (batches: {names}); name batches train/val/test "
            "or map them with split_map='Batch A=train,Batch B=val'"
        )


def _parse_ratios(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ValueError(f"ratios must be numbers such as 0.8,0.2, got {text!r}") from None
    if len(values) not in (2, 3) or min(values) <= 0 or not all(v < float("inf") for v in values):
        raise ValueError(f"ratios must be 2 or 3 positive numbers (train,val[,test]), got {text!r}")
    total = sum(values)
    return tuple(value / total for value in values)


def _parse_split_map(text: str) -> dict[str, str]:
    result = {}
    for pair in (part for part in text.split(",") if part.strip()):
        batch, sep, split = pair.partition("=")
        target = _SPLIT_ALIASES.get(split.strip().casefold())
        if not sep or not batch.strip() or target is None:
            raise ValueError(f"split_map entries look like 'Batch A=train', got {pair!r}")
        result[batch.strip()] = target
    return result


# --- attribute names --------------------------------------------------------------------

#: Attributes the VOC writer turns into its 0/1 object flags.
FLAG_ATTRIBUTES = frozenset({"difficult", "truncated", "occluded"})
_YES = frozenset({"yes", "true", "1", "y"})
_NO = frozenset({"no", "false", "0", "n"})


def parse_attribute_map(text: str) -> dict[str, str]:
    """Parse ``"Occluded=difficult,Cut off=truncated"`` (nested classification title ->
    attribute name).

    Raises:
        ValueError: An entry without ``=`` or with an empty side.
    """
    result = {}
    for pair in (part for part in text.split(",") if part.strip()):
        source, sep, target = pair.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise ValueError(f"attribute_map entries look like 'Occluded=difficult', got {pair!r}")
        result[source.strip()] = target.strip()
    return result


def rename_attributes(attributes: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """Rename attributes by ``names``; yes/no answers of VOC flag attributes become 1/0."""
    result: dict[str, Any] = {}
    for key, value in attributes.items():
        target = names.get(key, key)
        if target in FLAG_ATTRIBUTES and isinstance(value, str):
            folded = value.strip().casefold()
            value = 1 if folded in _YES else 0 if folded in _NO else value
        result[target] = value
    return result
