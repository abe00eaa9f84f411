"""Reading one Pascal VOC XML file safely (see :mod:`.voc` for the conventions)."""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ango_convert.errors import ReadError
from ango_convert.formats.voc._fast import CORNERS as _CORNERS
from ango_convert.formats.voc._fast import FALSE_TEXTS as _FALSE
from ango_convert.formats.voc._fast import ROUNDING as _ROUNDING
from ango_convert.formats.voc._fast import TRUE_TEXTS as _TRUE
from ango_convert.formats.voc._fast import RawObject, plain_object
from ango_convert.formats.voc._plain import PlainFile, read_plain
from ango_convert.formats.voc.write import (
    ATTR_VOC_DEPTH,
    ATTR_VOC_FOLDER,
    ATTR_VOC_SEGMENTED,
    DEFAULT_POSE,
    FLAGS,
    PixelConvention,
)
from ango_convert.geometry import box_outside_image
from ango_convert.io.imagesize import probe_size
from ango_convert.io.inputs import read_bytes
from ango_convert.io.names import is_plain_name, safe_relative_path
from ango_convert.model import JSONValue

if TYPE_CHECKING:
    from lxml import etree


@functools.cache
def _parser() -> etree.XMLParser:
    """The safe parser; lxml is imported on first need (most files take the plain path)."""
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


_KNOWN_OBJECT_TAGS = frozenset({"name", "bndbox", "pose", "part", "attributes", *FLAGS})


class _Invalid(ValueError):
    """A bare reason, with the XML line it is about."""

    def __init__(self, element: etree._Element, reason: str) -> None:
        super().__init__(reason)
        self.line = element.sourceline


@dataclass
class Parsed:
    """One XML file's item fields, with its objects still keyed by class name."""

    item_id: str
    file_name: str
    width: int | None
    height: int | None
    attributes: dict[str, JSONValue]
    objects: list[RawObject] = field(default_factory=list)
    image_path: str | None = None


def parse_xml(path: Path, data: bytes | None = None) -> etree._Element:
    """Parse one VOC XML file safely and return its ``<annotation>`` root.

    Args:
        path: The file, named in errors.
        data: Its bytes when already read.

    Raises:
        ReadError: Not well-formed, entity declarations present, or another root.
    """
    from lxml import etree

    if data is None:
        data = read_bytes(path)
    if b"<!ENTITY" in data:
        raise _hostile(path)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise ReadError(path, f"line {exc.lineno}", f"invalid XML: {exc.msg}") from None
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and _declares_entities(dtd):
        raise _hostile(path)
    if root.tag != "annotation":
        raise ReadError(
            path, f"line {root.sourceline}", f"root element is <{root.tag}>, expected <annotation>"
        )
    return root


def _declares_entities(dtd: etree.DTD) -> bool:
    # lxml-stubs lack DTD.iterentities; it exists since lxml 2.
    entities = getattr(dtd, "iterentities", lambda: iter(()))()
    return any(True for _ in entities)


def _hostile(path: Path) -> ReadError:
    return ReadError(
        path,
        None,
        "the DOCTYPE declares entities; refused (entities can leak files or "
        "exhaust memory, and VOC never needs them)",
    )


@dataclass
class Context:
    """What every file of one read shares: where things are, the convention, and the
    listings of image folders (read once, so a missing image costs no extra stat)."""

    root: Path
    images_dir: Path | None
    convention: PixelConvention
    listings: dict[str, frozenset[str]] = field(default_factory=dict)
    base: Path = field(init=False)
    folders: dict[str, list[Path]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        annotations = self.root / "Annotations"
        self.base = annotations if annotations.is_dir() else self.root

    @property
    def shift(self) -> float:
        """What inclusive corners add to a size (see :mod:`.voc`)."""
        return 1.0 if self.convention == "inclusive" else 0.0

    def image_folders(self, xml_path: Path) -> list[Path]:
        """Where an XML file's image may be, in order (worked out once per XML folder)."""
        key = os.path.dirname(xml_path)  # noqa: PTH120 -- a plain string key, once per file
        if key not in self.folders:
            parent = xml_path.parent
            candidates = (
                self.images_dir,
                parent,
                self.root / "JPEGImages",
                parent.parent / "JPEGImages",
            )
            self.folders[key] = list(dict.fromkeys(d for d in candidates if d is not None))
        return self.folders[key]

    def listing(self, folder: Path) -> frozenset[str]:
        """The file names in ``folder`` (empty when it is not a folder)."""
        key = str(folder)  # a Path hashes its parts anew on every lookup
        if key not in self.listings:
            try:
                # listdir: thousands of plain strings, no Path objects needed.
                self.listings[key] = frozenset(os.listdir(folder))  # noqa: PTH208
            except OSError:
                self.listings[key] = frozenset()
        return self.listings[key]


def read_file(path: Path, context: Context) -> Parsed:
    """Parse one annotation file into a :class:`Parsed` (class names not yet ids).

    Raises:
        ReadError: With the file, the XML line and the reason.
    """
    data = read_bytes(path)
    plain = read_plain(data, context.shift)
    parsed = _assemble_plain(plain, path, context) if plain is not None else None
    if parsed is not None:
        return parsed
    element = parse_xml(path, data)
    try:
        return _parse_annotation(element, path, context)
    except _Invalid as exc:
        raise ReadError(path, f"line {exc.line}", str(exc)) from exc


def _parse_annotation(element: etree._Element, path: Path, context: Context) -> Parsed:
    children = _children(element)
    given = _text(children, "filename")
    image = _find_image(path, context, given)
    file_name = given or (image.name if image else None)
    if not file_name:
        raise _Invalid(element, "no <filename>, and no image named like the file was found")
    width, height, attributes = _size(children, image)
    parsed = Parsed(_item_id(path, context.base), file_name, width, height, attributes)
    parsed.image_path = None if image is None else str(image)
    shift = context.shift
    for obj in element.iterfind("object"):
        raw = plain_object(obj, shift) or _parse_object(obj, context.convention)
        outside = width and height and box_outside_image(*raw[1:5], width, height)
        if outside:
            raise _Invalid(obj, f"object {raw[0]!r}: {outside}")
        parsed.objects.append(raw)
    return parsed


def _assemble_plain(plain: PlainFile, path: Path, context: Context) -> Parsed | None:
    """A :class:`Parsed` from a plain file, as ``_parse_annotation`` would make it, or
    None when anything needs that function's judgement (or its located error)."""
    header = plain.header
    given = header.get("filename", "").strip() or None
    image = _find_image(path, context, given)
    file_name = given or (image.name if image else None)
    try:
        width, height = _whole(header.get("width")), _whole(header.get("height"))
        depth = _whole(header.get("depth"))
    except ValueError:
        return None
    if not file_name or (not (width and height) and image is not None):
        return None  # an error to locate, or an image to probe for its size
    attributes: dict[str, JSONValue] = {}
    folder = header.get("folder", "").strip()
    if folder:
        attributes[ATTR_VOC_FOLDER] = folder
    if header.get("segmented", "").strip() in ("1", "true"):
        attributes[ATTR_VOC_SEGMENTED] = 1
    if depth:
        attributes[ATTR_VOC_DEPTH] = depth
    if width and height:
        for raw in plain.objects:
            if box_outside_image(raw[1], raw[2], raw[3], raw[4], width, height):
                return None
    item_id = _item_id(path, context.base)
    image_path = None if image is None else str(image)
    return Parsed(
        item_id, file_name, width or None, height or None, attributes, plain.objects, image_path
    )


def _whole(text: str | None) -> int | None:
    """A ``<size>`` value as ``_size_value`` reads it; ValueError where it would raise."""
    text = text.strip() if text else None
    if not text:
        return None
    value = float(text)
    if not math.isfinite(value) or value < 0 or not value.is_integer():
        raise ValueError(text)
    return int(value)


def _item_id(path: Path, base: Path) -> str:
    """The path below ``base`` without its extension, with forward slashes."""
    text, prefix = str(path), os.path.join(base, "")  # noqa: PTH118 -- strings: once per file
    relative = text[len(prefix) :] if text.startswith(prefix) else path.name
    stem, dot, suffix = relative.rpartition(".")
    # The extension of the last part only: "a.b/c" has none; ".xml" alone is a name.
    if dot and stem and suffix and not stem.endswith(os.sep) and os.sep not in suffix:
        relative = stem
    return relative.replace(os.sep, "/")


def _find_image(xml_path: Path, context: Context, file_name: str | None) -> Path | None:
    names = _image_names(file_name)
    for folder in context.image_folders(xml_path):
        listing = context.listing(folder)
        for name in names:
            if name.partition("/")[0] in listing and (folder / name).is_file():
                return folder / name
        if file_name is None:  # no <filename>: an image with the XML's stem, any extension
            stem = xml_path.stem + "."
            found = sorted(n for n in listing if n.startswith(stem) and not n.endswith(".xml"))
            images = [folder / name for name in found if (folder / name).is_file()]
            if images:
                return images[0]
    return None


def _image_names(file_name: str | None) -> list[str]:
    """The names to look for: the file name as a safe relative path, then its base name."""
    if not file_name:
        return []
    if is_plain_name(file_name):  # no folders, nothing to change
        return [file_name]
    try:
        relative = safe_relative_path(file_name)
    except ValueError:
        return []
    whole, base = str(relative), relative.name
    return [whole] if whole == base else [whole, base]


def _size(
    children: dict[str, etree._Element], image: Path | None
) -> tuple[int | None, int | None, dict[str, JSONValue]]:
    attributes: dict[str, JSONValue] = {}
    folder = _text(children, "folder")
    if folder:
        attributes[ATTR_VOC_FOLDER] = folder
    if _text(children, "segmented") in ("1", "true"):
        attributes[ATTR_VOC_SEGMENTED] = 1
    size = children.get("size")
    width = height = None
    if size is not None:
        dims = _children(size)
        width, height = _size_value(size, dims, "width"), _size_value(size, dims, "height")
        depth = _size_value(size, dims, "depth")
        if depth:
            attributes[ATTR_VOC_DEPTH] = depth
    if not (width and height) and image is not None:
        probed = probe_size(image)
        width, height = probed if probed else (None, None)
    return width or None, height or None, attributes


def _size_value(size: etree._Element, dims: dict[str, etree._Element], tag: str) -> int | None:
    text = _text(dims, tag)
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise _Invalid(size, f"<size><{tag}> is not a number: {text!r}") from None
    if not math.isfinite(value) or value < 0 or not value.is_integer():
        raise _Invalid(size, f"<size><{tag}> must be a whole number >= 0, got {text!r}")
    return int(value)


def _parse_object(obj: etree._Element, convention: PixelConvention) -> RawObject:
    children = _children(obj)
    name = _text(children, "name")
    if not name:
        raise _Invalid(obj, "<object> has no <name>")
    bndbox = children.get("bndbox")
    if bndbox is None:
        raise _Invalid(obj, f"object {name!r} has no <bndbox>")
    xmin, ymin, xmax, ymax = _corners(bndbox)
    shift = 1.0 if convention == "inclusive" else 0.0
    # Inclusive corners of an empty box sit one apart (xmax = xmin - 1): width 0, give
    # or take the float rounding of adding the 1 (0.477 + 1 is not quite 1.477).
    width, height = xmax - xmin + shift, ymax - ymin + shift
    if width < -_ROUNDING or height < -_ROUNDING:
        raise _Invalid(
            bndbox,
            f"object {name!r}: xmax/ymax ({xmax}, {ymax}) is below xmin/ymin ({xmin}, {ymin})",
        )
    attributes = _object_attributes(obj, children)
    return name, xmin - shift, ymin - shift, max(width, 0.0), max(height, 0.0), attributes


def _corners(bndbox: etree._Element) -> tuple[float, float, float, float]:
    children = _children(bndbox)
    xmin, ymin, xmax, ymax = (_coordinate(bndbox, children, tag) for tag in _CORNERS)
    return xmin, ymin, xmax, ymax


def _coordinate(bndbox: etree._Element, children: dict[str, etree._Element], tag: str) -> float:
    text = _text(children, tag)
    if text is None:
        raise _Invalid(bndbox, f"<bndbox> has no <{tag}>")
    try:
        value = float(text)
    except ValueError:
        raise _Invalid(bndbox, f"<{tag}> is not a number: {text!r}") from None
    if not math.isfinite(value):
        raise _Invalid(bndbox, f"<{tag}> must be finite, got {text!r}")
    return value


def _object_attributes(
    obj: etree._Element, children: dict[str, etree._Element]
) -> dict[str, JSONValue]:
    attributes: dict[str, JSONValue] = {}
    for flag in FLAGS:
        value = _flag(obj, children, flag)
        if value:
            attributes[flag] = value
    pose = _text(children, "pose")
    if pose and pose != DEFAULT_POSE:
        attributes["pose"] = pose
    if "part" in children:
        attributes["parts"] = [_part(part) for part in obj.iterfind("part")]
    if len(children) > len(_KNOWN_OBJECT_TAGS & children.keys()) or "attributes" in children:
        attributes.update(_extra_attributes(obj))
    return attributes


def _flag(obj: etree._Element, children: dict[str, etree._Element], tag: str) -> int | None:
    text = _text(children, tag)
    if text is None:
        return None
    lowered = text.lower()
    if lowered in _TRUE or lowered in _FALSE:
        return 1 if lowered in _TRUE else 0
    raise _Invalid(obj, f"<{tag}> must be 0 or 1, got {text!r}")


def _part(part: etree._Element) -> JSONValue:
    children = _children(part)
    result: dict[str, JSONValue] = {"name": _text(children, "name") or ""}
    box = children.get("bndbox")
    if box is not None:
        for tag, value in zip(_CORNERS, _corners(box), strict=True):
            result[tag] = int(value) if value == int(value) else value
    return result


def _extra_attributes(obj: etree._Element) -> dict[str, JSONValue]:
    """CVAT-style ``<attributes>`` and unknown leaf elements, as string attributes."""
    extra: dict[str, JSONValue] = {}
    for attribute in obj.iterfind("attributes/attribute"):
        pair = _children(attribute)
        key = _text(pair, "name")
        if key:
            extra[key] = _text(pair, "value") or ""
    for child in obj:
        tag = child.tag
        if isinstance(tag, str) and tag not in _KNOWN_OBJECT_TAGS and len(child) == 0:
            extra[tag] = (child.text or "").strip()
    return extra


def _children(element: etree._Element) -> dict[str, etree._Element]:
    """The first child of each tag: one pass instead of a search per field."""
    found: dict[str, etree._Element] = {}
    for child in element:
        tag = child.tag
        if isinstance(tag, str) and tag not in found:
            found[tag] = child
    return found


def _text(children: dict[str, etree._Element], tag: str) -> str | None:
    child = children.get(tag)
    if child is None or child.text is None:
        return None
    return child.text.strip() or None
