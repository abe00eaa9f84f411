"""One item's VOC annotation XML, with a cached object head per class for plain boxes."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace

from ango_convert.errors import ConversionError
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
from ango_convert.model import (
    ATTR_COCO_AREA,
    ATTR_COCO_ID,
    ATTR_ISCROWD,
    ATTR_OBJECT_ID,
    ATTR_PAGE,
    ATTR_SCHEMA_ID,
    Box,
    Category,
    Item,
    JSONValue,
)

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
