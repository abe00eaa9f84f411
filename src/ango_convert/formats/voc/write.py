"""Writing Pascal VOC: a VOCdevkit layout built atomically.

::

    target/
      Annotations/<stem>.xml        one per item, zero-object items included
      ImageSets/Main/<split>.txt    item stems per split (``Item.split``, else
                                    ``default_split``); trainval.txt = train + val
      JPEGImages/<stem>.<ext>       the images found, copied or symlinked (``images=``)

``<filename>`` keeps the item's file name as given; the XML stem is its base name, with
``_1``, ``_2``... added when two items share one (sub-folders, duplicates), so nothing is
overwritten. Only boxes are native. Rotated boxes, polygons, polylines, masks and
keypoints become their bounding box with ``on_unsupported="approximate"`` (counted in
``report.approximated``), are left out with ``"skip"``, and are refused by default.
Keypoints that share a ``group`` with a box (a YOLO or COCO pose) are left out rather
than approximated, since their box is already written. Points and whole-item
classifications have no VOC form at all. The flags ``difficult``, ``truncated``,
``occluded`` and ``pose`` come from annotation attributes of those names; other
free attributes are written as CVAT-style ``<attributes>`` so they read back.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from ango_convert.formats.lossy import (
    OnUnsupported,
    Unsupported,
    annotation_bounds,
    box_from_bounds,
    has_area,
)
from ango_convert.formats.voc.annotation_xml import _item_xml
from ango_convert.formats.voc.shards import NameRequest, claim_stem, write_sharded
from ango_convert.formats.voc.vocabulary import (
    PixelConvention,
)
from ango_convert.io.file_writer import FileWriter
from ango_convert.io.image_files import (
    ImageFinder,
    image_suffix,
    missing_images_warning,
    place_image,
)
from ango_convert.io.imagesize import IMAGE_SUFFIXES
from ango_convert.io.names import (
    MAX_NAME_BYTES,
    UniqueNames,
    safe_base_name,
    split_name,
    stem_of,
)
from ango_convert.io.outputs import atomic_dir, write_into
from ango_convert.model import (
    Box,
    Category,
    Dataset,
    Item,
    Keypoints,
)
from ango_convert.parallel import Jobs, sharded
from ango_convert.report import WriteReport

ImagesMode = Literal["auto", "copy", "symlink", "none"]
#: What a shard's writing counted: its report, refusals, split lists, missing images.
ShareSummary = tuple[WriteReport, Counter[str], dict[str, list[str]], list[str], int]

FORMAT_NAME = "voc"


def write(
    dataset: Dataset,
    target: Path,
    *,
    on_unsupported: OnUnsupported = "error",
    overwrite: bool = False,
    pixel_convention: PixelConvention = "continuous",
    default_split: str = "train",
    images: ImagesMode = "auto",
    images_dir: Path | None = None,
    jobs: Jobs | None = None,
) -> WriteReport:
    """Write a VOCdevkit folder.

    Args:
        dataset: The dataset to write.
        target: The output folder.
        on_unsupported: What to do with annotations VOC cannot hold (see module docs).
        overwrite: Replace an existing non-empty ``target``.
        pixel_convention: How IR pixels map to ``<bndbox>`` (see :mod:`.voc`).
        default_split: ImageSets list for items without a ``split``.
        images: Put each item's image in ``JPEGImages/<stem><ext>``: ``copy`` or
            ``symlink`` (an image not found is an error), ``none`` (labels only), or
            ``auto``: copy the images that are found and warn about the others, but
            refuse when none is found (such a dataset cannot train).
        images_dir: Where the images are (by file name, or by unique base name below
            it); otherwise the image a reader found for the item is used.
        jobs: Service: worker processes; items a reader cut into shards are written
            across them (see :mod:`.shards`), with the files a one-process write gives.

    Returns:
        What was written, skipped and approximated.

    Raises:
        UnsupportedAnnotationError: Annotations VOC cannot hold, by kind and count.
        ConversionError: An annotation names a class the dataset does not have, or
            images are missing (see ``images``).
    """
    report = WriteReport(target=str(target))
    split_name(None, default_split)  # refuse an unusable one before any work
    shards = sharded(dataset.items) if jobs is not None else None
    with atomic_dir(target, overwrite=overwrite) as temp, FileWriter(temp) as files:
        settings = _Settings(
            temp,
            files,
            dataset.category_by_id(),
            pixel_convention,
            default_split,
            ImageFinder(images_dir, target),
            images,
            on_unsupported,
        )
        share = _Share(settings, report)
        if shards is not None and jobs is not None:
            write_sharded(
                shards,
                _name_request,
                lambda: _Share(settings, WriteReport(target="")),
                share.add,
                jobs,
            )
        else:
            names = UniqueNames()
            for item in dataset:
                share.write(item, claim_stem(names, _name_request(item)))
        files.close()
        share.policy.finish()
        share.placer.finish()
        _write_splits(temp, share.splits, report)
    return report


@dataclass(frozen=True)
class _Settings:
    """What writing an item needs besides the item."""

    temp: Path
    files: FileWriter
    categories: Mapping[int, Category]
    convention: PixelConvention
    default_split: str
    finder: ImageFinder
    images: ImagesMode
    on_unsupported: OnUnsupported


class _Share:
    """Writes items and counts what it wrote: the whole dataset, or one shard's items
    in a worker (merged into the parent's with :meth:`add`)."""

    def __init__(self, settings: _Settings, report: WriteReport) -> None:
        self.settings = settings
        self.report = report
        self.policy = Unsupported(FORMAT_NAME, settings.on_unsupported, report)
        self.placer = _ImagePlacer(settings.finder, settings.images, report)
        self.splits: dict[str, list[str]] = defaultdict(list)
        self.heads: dict[int, str] = {}

    def write(self, item: Item, stem: str) -> None:
        """Write ``item`` as ``Annotations/<stem>.xml`` (and its image), counted."""
        settings, report = self.settings, self.report
        boxes = _boxes_of(item, self.policy)
        xml = _item_xml(item, boxes, settings.categories, settings.convention, self.heads)
        settings.files.write(f"Annotations/{stem}.xml", xml)
        report.files.append(f"Annotations/{stem}.xml")
        self.splits[_split_of(item, settings.default_split)].append(stem)
        self.placer.place(settings.temp, item, stem)
        report.items += 1
        report.annotations += len(boxes)

    def summary(self) -> ShareSummary:
        """What this share counted, to send to the parent."""
        placer = self.placer
        return (
            self.report,
            self.policy.refused,
            dict(self.splits),
            placer.missing,
            placer.missing_count,
        )

    def add(self, summary: ShareSummary) -> None:
        """Merge a shard's :meth:`summary` (in shard order)."""
        part, refused, splits, missing, missing_count = summary
        self.report.absorb(part)
        self.policy.refused.update(refused)
        for split, stems in splits.items():
            self.splits[split] += stems
        placer = self.placer
        placer.missing += missing[: max(0, _SHOWN - len(placer.missing))]
        placer.missing_count += missing_count


class _ImagePlacer:
    """Copies or links images into JPEGImages/ and keeps count of the missing ones."""

    def __init__(self, finder: ImageFinder, mode: ImagesMode, report: WriteReport) -> None:
        self.finder = finder
        self.mode = mode
        self.report = report
        self.missing: list[str] = []  # the first few, for the message
        self.missing_count = 0

    def place(self, temp: Path, item: Item, stem: str) -> None:
        if self.mode == "none":
            return
        source = self.finder.find(item)
        if source is None:
            self.missing_count += 1
            if len(self.missing) < _SHOWN:
                self.missing.append(item.file_name)
            return
        relative = f"JPEGImages/{stem}{image_suffix(PurePosixPath(item.file_name), source)}"
        place_image(source, temp / relative, "symlink" if self.mode == "symlink" else "copy")
        self.report.files.append(relative)

    def finish(self) -> None:
        text = missing_images_warning(
            FORMAT_NAME, self.missing, self.missing_count, self.report.items, self.mode
        )
        if text is not None:
            self.report.warnings.append(f"{text}; JPEGImages/ lacks them")


_SHOWN = 5


def _name_request(item: Item) -> NameRequest:
    """The XML file name the item asks for, and its byte limit."""
    try:
        base = safe_base_name(item.file_name)
    except ValueError:
        base = safe_base_name(item.id or "item")
    stem = stem_of(base) or "item"
    # The stem also names the image (JPEGImages/<stem>.<ext>): keep room for its extension
    # (the name's own when an image's, else the longest an image may get).
    suffix = base[len(stem) :].lower()
    room = len(suffix) if suffix in IMAGE_SUFFIXES else _LONGEST_IMAGE_SUFFIX
    return f"{stem}.xml", MAX_NAME_BYTES - max(0, room - len(".xml"))


_LONGEST_IMAGE_SUFFIX = max(len(suffix) for suffix in IMAGE_SUFFIXES)


def _split_of(item: Item, default: str) -> str:
    return split_name(item.split, default)


def _boxes_of(item: Item, policy: Unsupported) -> list[Box]:
    for _ in item.classifications:
        policy.drop("classification")
    boxed_groups = {a.group for a in item.annotations if isinstance(a, Box) and a.group}
    boxes: list[Box] = []
    for annotation in item.annotations:
        if isinstance(annotation, Box):
            if has_area(annotation):
                boxes.append(annotation)
            else:
                policy.degenerate("box")
            continue
        kind = annotation.kind
        bounds = annotation_bounds(annotation)
        paired = isinstance(annotation, Keypoints) and annotation.group in boxed_groups
        if bounds is None or paired:
            policy.drop(kind)
        elif bounds[2] <= bounds[0] or bounds[3] <= bounds[1]:
            policy.degenerate(kind)
        elif policy.approximate(kind):
            boxes.append(box_from_bounds(annotation, bounds))
    return boxes


def _write_splits(temp: Path, splits: dict[str, list[str]], report: WriteReport) -> None:
    if ("train" in splits or "val" in splits) and "trainval" not in splits:
        splits["trainval"] = splits.get("train", []) + splits.get("val", [])
    for split, stems in sorted(splits.items()):
        relative = f"ImageSets/Main/{split}.txt"
        write_into(temp, relative, "".join(f"{s}\n" for s in stems).encode())
        report.files.append(relative)
