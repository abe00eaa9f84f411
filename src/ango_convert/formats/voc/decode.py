"""Decoding one Pascal VOC annotation file (see :mod:`ango_convert.formats.voc` for the
conventions).

The file's raw texts (:mod:`.raw`) come from the plain reader (:mod:`.plain`) for the
usual file, else from lxml's tree; one decoder turns them into item fields and objects,
trying the usual values first (``float`` of the corner texts, a flag of ``0`` or
``1``) and working out a reason only when a value does not pass. A refusal names the
element's line; a file read without a tree is parsed again to find that line.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ango_convert.errors import ReadError
from ango_convert.formats.voc.locate import Context, find_image, item_id
from ango_convert.formats.voc.plain import from_plain
from ango_convert.formats.voc.raw import (
    KNOWN_OBJECT_TAGS,
    SIZE_TAGS,
    RawAnnotation,
    RawObject,
    Texts,
    first_texts,
    from_tree,
)
from ango_convert.formats.voc.safe_xml import parse_annotation
from ango_convert.formats.voc.vocabulary import (
    ATTR_VOC_DEPTH,
    ATTR_VOC_FOLDER,
    ATTR_VOC_SEGMENTED,
    CORNERS,
    DEFAULT_POSE,
    FLAGS,
)
from ango_convert.geometry import box_outside_image
from ango_convert.io.imagesize import probe_size
from ango_convert.io.inputs import read_bytes
from ango_convert.io.inside import Confinement
from ango_convert.model import JSONValue

if TYPE_CHECKING:
    from lxml import etree

#: One ``<object>`` decoded: class name, x, y, width, height (IR pixels), attributes.
#: The Box is made once the class id is known, not here: making it twice cost 10%.
DecodedObject = tuple[str, float, float, float, float, dict[str, JSONValue]]

#: Slack for the float rounding of inclusive corners (0.477 + 1 is not quite 1.477).
ROUNDING = 1e-9
TRUE_TEXTS = frozenset({"1", "true", "yes"})
FALSE_TEXTS = frozenset({"0", "false", "no"})
#: The flag texts of the usual object, which set no flag: each absent or ``0``.
_NO_FLAGS = frozenset(itertools.product((None, "0"), repeat=len(FLAGS)))


class Invalid(ValueError):
    """A bare reason, with the XML line of the element it is about when known."""

    def __init__(self, element: etree._Element | None, reason: str) -> None:
        super().__init__(reason)
        self.line = None if element is None else element.sourceline


@dataclass
class Parsed:
    """One XML file's item fields, with its objects still keyed by class name."""

    item_id: str
    file_name: str
    width: int | None
    height: int | None
    attributes: dict[str, JSONValue]
    objects: list[DecodedObject] = field(default_factory=list)
    image_path: str | None = None


def read_file(path: Path, context: Context) -> Parsed:
    """Read and decode one annotation file (class names not yet ids).

    Raises:
        ReadError: With the file, the XML line and the reason.
    """
    data = read_bytes(path)
    plain = from_plain(data)
    if plain is not None:
        try:
            return decode(plain, path, context)
        except Invalid:
            pass  # the tree below gives the same refusal, with the element's line
    raw = from_tree(parse_annotation(path, data))
    try:
        return decode(raw, path, context)
    except Invalid as exc:
        raise ReadError(path, f"line {exc.line}" if exc.line else None, str(exc)) from None


def read_checked(
    path: Path, context: Context, confine: Confinement | None, suspects: set[str]
) -> Parsed:
    """:func:`read_file` after the confinement check of a file the listing doubts."""
    if confine is not None and str(path) in suspects:
        confine.check(path)
    return read_file(path, context)


def decode(raw: RawAnnotation, path: Path, context: Context) -> Parsed:
    """One ``<annotation>``'s raw texts as item fields and objects.

    Args:
        raw: The file's raw texts.
        path: Its file, which gives the item id and where to look for the image.
        context: What the whole read shares.

    Raises:
        Invalid: The reason, and the element the problem is in when there is a tree.
    """
    header = raw.header
    given = _stripped(header.get("filename"))
    image = find_image(path, context, given)
    file_name = given or (image.name if image else None)
    if not file_name:
        raise Invalid(raw.element, "no <filename>, and no image named like the file was found")
    attributes: dict[str, JSONValue] = {}
    folder = _stripped(header.get("folder"))
    if folder:
        attributes[ATTR_VOC_FOLDER] = folder
    if _stripped(header.get("segmented")) in ("1", "true"):
        attributes[ATTR_VOC_SEGMENTED] = 1
    width = height = None
    if raw.size is not None:
        width, height, depth = (
            _size_value(raw, tag, text) for tag, text in zip(SIZE_TAGS, raw.size, strict=True)
        )
        if depth:
            attributes[ATTR_VOC_DEPTH] = depth
    if not (width and height) and image is not None:
        width, height = probe_size(image) or (None, None)
    width, height = width or None, height or None
    parsed = Parsed(item_id(path, context.base), file_name, width, height, attributes)
    parsed.image_path = None if image is None else str(image)
    shift = context.shift
    decoded = parsed.objects
    for obj in raw.objects:
        box = _object(obj, shift)
        if width and height:
            outside = box_outside_image(box[1], box[2], box[3], box[4], width, height)
            if outside:
                raise Invalid(obj.element, f"object {box[0]!r}: {outside}")
        decoded.append(box)
    return parsed


def _size_value(raw: RawAnnotation, tag: str, text: str | None) -> int | None:
    text = _stripped(text)
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise Invalid(raw.size_element, f"<size><{tag}> is not a number: {text!r}") from None
    if not math.isfinite(value) or value < 0 or not value.is_integer():
        reason = f"<size><{tag}> must be a whole number >= 0, got {text!r}"
        raise Invalid(raw.size_element, reason)
    return int(value)


_SPACE = " \t\r\n"


def _object(obj: RawObject, shift: float) -> DecodedObject:
    """One ``<object>``; it runs once per box, so the usual values are tested first."""
    name = obj.name
    if name and (name[0] in _SPACE or name[-1] in _SPACE):
        # Indentation of a pretty-printed <name> (it holds a line break) is not part of
        # the name; other spaces are kept, so " x" and "x" stay two classes.
        name = name.strip() if "\n" in name or "\r" in name else name
    if not name or not name.strip():
        raise Invalid(obj.element, "<object> has no <name>")
    if obj.corners is None:
        raise Invalid(obj.element, f"object {name!r} has no <bndbox>")
    xmin, ymin, xmax, ymax = _corners(obj.corners, obj.bndbox)
    # Inclusive corners of an empty box sit one apart (xmax = xmin - 1): width 0, give
    # or take the float rounding of adding the 1.
    width, height = xmax - xmin + shift, ymax - ymin + shift
    if width < -ROUNDING or height < -ROUNDING:
        raise Invalid(
            obj.bndbox,
            f"object {name!r}: xmax/ymax ({xmax}, {ymax}) is below xmin/ymin ({xmin}, {ymin})",
        )
    attributes: dict[str, JSONValue] = {}
    if obj.flags not in _NO_FLAGS:
        for flag, text in zip(FLAGS, obj.flags, strict=True):
            if text == "1" or (text and text != "0" and _flag(obj, flag, text)):
                attributes[flag] = 1
    pose = obj.pose
    if pose and pose != DEFAULT_POSE:
        pose = pose.strip()
        if pose and pose != DEFAULT_POSE:
            attributes["pose"] = pose
    if obj.others:
        if obj.element is None:  # only the tree has them
            raise Invalid(None, "<object> has children only an element tree reads")
        _other_attributes(obj.element, attributes)
    return (
        name,
        xmin - shift,
        ymin - shift,
        width if width > 0.0 else 0.0,
        height if height > 0.0 else 0.0,
        attributes,
    )


def _corners(texts: Texts, bndbox: etree._Element | None) -> tuple[float, float, float, float]:
    try:
        # float() takes the surrounding whitespace that XML pretty-printing leaves.
        xmin, ymin, xmax, ymax = map(float, texts)  # type: ignore[arg-type]  # None: TypeError
    except (TypeError, ValueError):
        return _checked_corners(texts, bndbox)
    if math.isfinite(xmin + ymin + xmax + ymax):
        return xmin, ymin, xmax, ymax
    return _checked_corners(texts, bndbox)


def _checked_corners(
    texts: Texts, bndbox: etree._Element | None
) -> tuple[float, float, float, float]:
    """The corners one by one, naming the first that is missing, not a number or not
    finite (a finite sum can also overflow: then all four are fine)."""
    values = []
    for tag, text in zip(CORNERS, texts, strict=True):
        text = _stripped(text)
        if not text:
            raise Invalid(bndbox, f"<bndbox> has no <{tag}>")
        try:
            value = float(text)
        except ValueError:
            raise Invalid(bndbox, f"<{tag}> is not a number: {text!r}") from None
        if not math.isfinite(value):
            raise Invalid(bndbox, f"<{tag}> must be finite, got {text!r}")
        values.append(value)
    xmin, ymin, xmax, ymax = values
    return xmin, ymin, xmax, ymax


def _flag(obj: RawObject, tag: str, text: str) -> bool:
    """A flag's text other than ``0`` and ``1``: yes/no words, any case and spacing."""
    lowered = text.strip().lower()
    if lowered in TRUE_TEXTS:
        return True
    if lowered in FALSE_TEXTS or not lowered:
        return False
    raise Invalid(obj.element, f"<{tag}> must be 0 or 1, got {text.strip()!r}")


def _other_attributes(obj: etree._Element, attributes: dict[str, JSONValue]) -> None:
    """``<part>`` elements, then CVAT-style ``<attributes>`` and unknown leaf elements as
    string attributes (an unknown leaf seen twice: the last one wins)."""
    parts = [_part(part) for part in obj.iterchildren("part")]
    if parts:
        attributes["parts"] = parts
    for attribute in obj.iterfind("attributes/attribute"):
        key, value = (_stripped(text) for text in first_texts(attribute, ("name", "value")))
        if key:
            attributes[key] = value or ""
    for child in obj:
        tag = child.tag
        if isinstance(tag, str) and tag not in KNOWN_OBJECT_TAGS and len(child) == 0:
            attributes[tag] = (child.text or "").strip()


def _part(part: etree._Element) -> JSONValue:
    # Parts are rare: find() (the first child of a tag) reads plainest here.
    name, bndbox = part.find("name"), part.find("bndbox")
    result: dict[str, JSONValue] = {"name": _stripped(None if name is None else name.text) or ""}
    if bndbox is not None:
        corners = _corners(first_texts(bndbox, CORNERS), bndbox)
        for tag, value in zip(CORNERS, corners, strict=True):
            result[tag] = int(value) if value == int(value) else value
    return result


def _stripped(text: str | None) -> str | None:
    """An element's text without surrounding whitespace; None when nothing is left."""
    return (text.strip() or None) if text else None
