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

import json
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Literal

from ango_convert.errors import ConversionError
from ango_convert.formats.lossy import (
    OnUnsupported,
    Unsupported,
    annotation_bounds,
    box_from_bounds,
    has_area,
)
from ango_convert.formats.numbers import format_number
from ango_convert.formats.voc.vocabulary import (
    ATTR_VOC_DEPTH,
    ATTR_VOC_FOLDER,
    ATTR_VOC_SEGMENTED,
    CORNERS,
    DEFAULT_POSE,
    FLAGS,
    PixelConvention,
    corner_shift,
)
from ango_convert.io.file_writer import FileWriter
from ango_convert.io.image_files import ImageFinder, image_suffix, place_image
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
    ATTR_COCO_AREA,
    ATTR_COCO_ID,
    ATTR_ISCROWD,
    ATTR_OBJECT_ID,
    ATTR_PAGE,
    ATTR_SCHEMA_ID,
    Box,
    Category,
    Dataset,
    Item,
    JSONValue,
    Keypoints,
)
from ango_convert.report import WriteReport

ImagesMode = Literal["auto", "copy", "symlink", "none"]

FORMAT_NAME = "voc"
# Everything outside XML 1.0's Char production.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ESCAPED = re.compile("[&<>\r]")
# Box attributes written by dedicated elements, or never (another format's "prefix:").
_KNOWN_KEYS = frozenset({*FLAGS, "pose", "parts"})
# Box attributes that leave a box's <object> as it is with no attributes at all: other
# formats' "prefix:" extras, which VOC never writes (see _extra_xml).
_SILENT_KEYS = frozenset(
    {ATTR_COCO_ID, ATTR_COCO_AREA, ATTR_ISCROWD, ATTR_SCHEMA_ID, ATTR_OBJECT_ID, ATTR_PAGE}
)


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
) -> WriteReport:
    """Write a VOCdevkit folder.

    Args:
        dataset: The dataset to write.
        target: The output folder.
        on_unsupported: What to do with annotations VOC cannot hold (see module docs).
        overwrite: Replace an existing non-empty ``target``.
        pixel_convention: How IR pixels map to ``<bndbox>`` (see :mod:`.voc`).
        default_split: ImageSets list for items without a ``split``.
        images: Put each item's image in ``JPEGImages/<stem><ext>``: ``copy``,
            ``symlink``, ``none``, or ``auto`` (copy the images that are found; say so
            only when some are found and others are not).
        images_dir: Where the images are (by file name, or by unique base name below
            it); otherwise the image a reader found for the item is used.

    Returns:
        What was written, skipped and approximated.

    Raises:
        UnsupportedAnnotationError: Annotations VOC cannot hold, by kind and count.
        ConversionError: An annotation names a class the dataset does not have.
    """
    report = WriteReport(target=str(target))
    split_name(None, default_split)  # refuse an unusable one before any work
    policy = Unsupported(FORMAT_NAME, on_unsupported, report)
    categories = dataset.category_by_id()
    names = UniqueNames()
    splits: dict[str, list[str]] = defaultdict(list)
    placer = _ImagePlacer(ImageFinder(images_dir, target), images, report)
    heads: dict[int, str] = {}
    with atomic_dir(target, overwrite=overwrite) as temp, FileWriter(temp) as files:
        for item in dataset:
            stem = _claim_stem(names, item)
            boxes = _boxes_of(item, policy)
            xml = _item_xml(item, boxes, categories, pixel_convention, heads)
            files.write(f"Annotations/{stem}.xml", xml)
            report.files.append(f"Annotations/{stem}.xml")
            splits[_split_of(item, default_split)].append(stem)
            placer.place(temp, item, stem)
            report.items += 1
            report.annotations += len(boxes)
        files.close()
        policy.finish()
        placer.finish()
        _write_splits(temp, splits, report)
    return report


class _ImagePlacer:
    """Copies or links images into JPEGImages/ and keeps count of the missing ones."""

    def __init__(self, finder: ImageFinder, mode: ImagesMode, report: WriteReport) -> None:
        self.finder = finder
        self.mode = mode
        self.report = report
        self.placed = 0
        self.missing: list[str] = []

    def place(self, temp: Path, item: Item, stem: str) -> None:
        if self.mode == "none":
            return
        source = self.finder.find(item)
        if source is None:
            self.missing.append(item.file_name)
            return
        relative = f"JPEGImages/{stem}{image_suffix(PurePosixPath(item.file_name), source)}"
        place_image(source, temp / relative, "symlink" if self.mode == "symlink" else "copy")
        self.report.files.append(relative)
        self.placed += 1

    def finish(self) -> None:
        if not self.missing or (self.mode == "auto" and not self.placed):
            return
        shown = ", ".join(repr(name) for name in self.missing[:5])
        text = f"{len(self.missing)} image(s) not found: {shown}"
        if self.mode != "auto":
            raise ConversionError(text, "pass the images folder with {images_dir=DIR}")
        self.report.warnings.append(f"{text}; JPEGImages/ lacks them")


def _claim_stem(names: UniqueNames, item: Item) -> str:
    try:
        base = safe_base_name(item.file_name)
    except ValueError:
        base = safe_base_name(item.id or "item")
    stem = stem_of(base) or "item"
    # The stem also names the image (JPEGImages/<stem>.<ext>): keep room for its extension
    # (the name's own when an image's, else the longest an image may get).
    suffix = base[len(stem) :].lower()
    room = len(suffix) if suffix in IMAGE_SUFFIXES else _LONGEST_IMAGE_SUFFIX
    name = names.claim_name(f"{stem}.xml", limit=MAX_NAME_BYTES - max(0, room - len(".xml")))
    return name[: -len(".xml")]


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


def _item_xml(
    item: Item,
    boxes: list[Box],
    categories: Mapping[int, Category],
    convention: PixelConvention,
    heads: dict[int, str] | None = None,
) -> bytes:
    """The item's XML, as lxml pretty-prints it (two-space indents, text escaped), but
    put together from strings: building element trees cost most of a VOC write.

    ``heads`` caches, per category, the lines a box without attributes starts with.
    """
    heads = {} if heads is None else heads
    lines = ["<annotation>"]
    folder = item.attributes.get(ATTR_VOC_FOLDER)
    if isinstance(folder, str):
        lines.append(f"  <folder>{_text(folder)}</folder>")
    lines.append(f"  <filename>{_text(item.file_name)}</filename>")
    if item.width is not None and item.height is not None:
        depth = item.attributes.get(ATTR_VOC_DEPTH)
        lines += [
            "  <size>",
            f"    <width>{item.width}</width>",
            f"    <height>{item.height}</height>",
            f"    <depth>{depth if isinstance(depth, int) else 3}</depth>",
            "  </size>",
        ]
    segmented = "1" if item.attributes.get(ATTR_VOC_SEGMENTED) == 1 else "0"
    lines.append(f"  <segmented>{segmented}</segmented>")
    shift = corner_shift(convention)
    for box in boxes:
        attributes = box.attributes
        if attributes and not attributes.keys() <= _SILENT_KEYS:
            _object_xml(lines, item, box, categories, shift)
            continue
        head = heads.get(box.category_id)
        if head is None:
            head = heads[box.category_id] = _plain_head(item, box, categories)
        lines.append(
            _PLAIN_BOX
            % (
                head,
                format_number(box.x + shift),
                format_number(box.y + shift),
                format_number(box.x + box.width),
                format_number(box.y + box.height),
            )
        )
    lines.append("</annotation>\n")
    return "\n".join(lines).encode("utf-8")


_PLAIN_BOX = (
    "%s\n    <bndbox>\n      <xmin>%s</xmin>\n      <ymin>%s</ymin>\n      <xmax>%s</xmax>"
    "\n      <ymax>%s</ymax>\n    </bndbox>\n  </object>"
)


def _plain_head(item: Item, box: Box, categories: Mapping[int, Category]) -> str:
    """The lines before ``<bndbox>`` of a box with no attributes of its own."""
    lines: list[str] = []
    _object_xml(lines, item, replace(box, attributes={}), categories, 0.0)
    return "\n".join(lines[: lines.index("    <bndbox>")])


def _object_xml(
    lines: list[str], item: Item, box: Box, categories: Mapping[int, Category], shift: float
) -> None:
    category = categories.get(box.category_id)
    if category is None:
        raise ConversionError(
            f"item {item.id!r}: annotation has category id {box.category_id}, "
            "which the dataset does not define"
        )
    attributes = box.attributes
    lines.append("  <object>")
    lines.append(f"    <name>{_text(category.name)}</name>")
    lines.append(f"    <pose>{_text(_scalar_text(attributes.get('pose', DEFAULT_POSE)))}</pose>")
    for flag in FLAGS:
        if flag != "occluded" or flag in attributes:
            lines.append(f"    <{flag}>{_flag_text(attributes.get(flag, 0))}</{flag}>")
    x0, y0 = format_number(box.x + shift), format_number(box.y + shift)
    x1, y1 = format_number(box.x + box.width), format_number(box.y + box.height)
    lines += [
        "    <bndbox>",
        f"      <xmin>{x0}</xmin>",
        f"      <ymin>{y0}</ymin>",
        f"      <xmax>{x1}</xmax>",
        f"      <ymax>{y1}</ymax>",
        "    </bndbox>",
    ]
    if "parts" in attributes:
        _parts_xml(lines, attributes["parts"])
    if len(attributes) > len(_KNOWN_KEYS & attributes.keys()):
        _extra_xml(lines, attributes)
    lines.append("  </object>")


def _flag_text(value: JSONValue) -> str:
    return "1" if value in (1, True, "1", "true") else "0"


def _scalar_text(value: JSONValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return format_number(value)
    return "" if value is None else str(value)


def _parts_xml(lines: list[str], parts: JSONValue) -> None:
    if not isinstance(parts, list):
        return
    for part in parts:
        if isinstance(part, str):
            part = _json_object(part)  # formats without nested values carry JSON text
        if not isinstance(part, dict):
            continue
        lines += ["    <part>", f"      <name>{_text(_scalar_text(part.get('name')))}</name>"]
        lines.append("      <bndbox>")
        for tag in CORNERS:
            lines.append(f"        <{tag}>{_text(_scalar_text(part.get(tag)))}</{tag}>")
        lines += ["      </bndbox>", "    </part>"]


def _json_object(text: str) -> JSONValue:
    try:
        value: JSONValue = json.loads(text)
    except ValueError:
        return None
    return value


def _extra_xml(lines: list[str], attributes: Mapping[str, JSONValue]) -> None:
    extra = {
        key: value
        for key, value in attributes.items()
        if ":" not in key
        and key not in (*FLAGS, "pose", "parts")
        and not isinstance(value, (list, dict))
    }
    if not extra:
        return
    lines.append("    <attributes>")
    for key, value in extra.items():
        lines += [
            "      <attribute>",
            f"        <name>{_text(key)}</name>",
            f"        <value>{_text(_scalar_text(value))}</value>",
            "      </attribute>",
        ]
    lines.append("    </attributes>")


def _text(text: str) -> str:
    """Text content as lxml writes it: characters XML 1.0 cannot hold (control
    characters from hostile names) dropped; ``&``, ``<``, ``>`` and CR escaped."""
    if not (text.isascii() and text.isprintable()):
        text = _NOT_XML.sub("", text)
    if _ESCAPED.search(text):
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        text = text.replace("\r", "&#13;")
    return text


def _write_splits(temp: Path, splits: dict[str, list[str]], report: WriteReport) -> None:
    if ("train" in splits or "val" in splits) and "trainval" not in splits:
        splits["trainval"] = splits.get("train", []) + splits.get("val", [])
    for split, stems in sorted(splits.items()):
        relative = f"ImageSets/Main/{split}.txt"
        write_into(temp, relative, "".join(f"{s}\n" for s in stems).encode())
        report.files.append(relative)
