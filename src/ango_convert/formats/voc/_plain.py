"""The usual VOC file read with regular expressions instead of an element tree.

Tools (labelImg, CVAT, the VOC devkit) write VOC in a tiny subset of XML: elements
without attributes, and no comments, CDATA, entity or character references, processing
instructions or DOCTYPE. When a whole file is in that subset, :data:`_DOCUMENT` proves
it well-formed and every text literal, so the patterns below read it exactly as lxml
would, at a third of the cost (lxml makes a Python object for every element touched).

Anything else returns None and the lxml path in :mod:`._voc_read` reads the file: one
comment, an entity, an attribute, an unknown element inside ``<object>``, a repeated
tag, corners out of the usual order, a value that does not parse. That path also
locates every error, so this module never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from math import isfinite

from ango_convert.formats.voc._fast import (
    ROUNDING,
    RawObject,
    plain_corners,
    plain_values,
)
from ango_convert.formats.voc.write import DEFAULT_POSE

# XML whitespace, and text free of markup, references and characters XML 1.0 refuses.
# CR is refused too: the parser turns CR LF into LF inside text, which this path does not.
_WS = "[ \t\r\n]*"
_TEXT = "[^<&\x00-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff]*"
_NAME = "[A-Za-z_][A-Za-z0-9_.-]*"
_OBJECT_LEAVES = ("name", "pose", "truncated", "difficult", "occluded")
_NO_FLAG = frozenset({"", "0"})  # a flag absent or 0
_NO_POSE = frozenset({"", DEFAULT_POSE})
#: Top-level elements read from the header; blocks such as <source> may not use them.
_HEADER_TAGS = ("filename", "folder", "segmented")


def _leaf(tag: str) -> str:
    return f"<{tag}>{_TEXT}</{tag}>"


_OBJECT_LEAF = "(?:" + "|".join(_leaf(tag) for tag in _OBJECT_LEAVES) + ")"
_OBJECT_PATTERN = (
    f"<object>{_WS}((?:{_OBJECT_LEAF}{_WS})*)"
    f"<bndbox>{_WS}<xmin>({_TEXT})</xmin>{_WS}<ymin>({_TEXT})</ymin>{_WS}"
    f"<xmax>({_TEXT})</xmax>{_WS}<ymax>({_TEXT})</ymax>{_WS}</bndbox>{_WS}"
    f"((?:{_OBJECT_LEAF}{_WS})*)</object>"
)
_SIZE = f"<size>{_WS}{_leaf('width')}{_WS}{_leaf('height')}{_WS}(?:{_leaf('depth')}{_WS})?</size>"
_RESERVED = "|".join(("object", "size", "bndbox", *_OBJECT_LEAVES, "xmin", "ymin", "xmax", "ymax"))
# Any other top-level leaf (<path>, <verified>...), and one level of other leaves inside
# an unknown block such as <source> or <owner>, which the reader ignores. A block holds
# at least one leaf, so no element matches both ways: with two ways per element, a
# failing match would retry 2^n combinations.
_TOP_LEAF = f"<(?!(?:{_RESERVED})>)(?P<top>{_NAME})>{_TEXT}</(?P=top)>"
_BLOCK = (
    f"<(?!(?:{_RESERVED}|{'|'.join(_HEADER_TAGS)})>)(?P<block>{_NAME})>{_WS}"
    f"(?:<(?!(?:{_RESERVED}|{'|'.join(_HEADER_TAGS)})>)(?P<inner>{_NAME})>{_TEXT}</(?P=inner)>{_WS})+"
    "</(?P=block)>"
)
_DECLARATION = (
    "<[?]xml[ \t\r\n]+version=(?P<q1>[\"'])1[.]0(?P=q1)"
    "(?:[ \t\r\n]+encoding=(?P<q2>[\"'])(?i:utf-?8)(?P=q2))?"
    "(?:[ \t\r\n]+standalone=(?P<q3>[\"'])(?:yes|no)(?P=q3))?[ \t\r\n]*[?]>"
)
# At most one attribute on the root (labelImg's verified="yes"): two could repeat a name,
# which XML refuses. Not xmlns: a default namespace renames every tag for lxml.
_ROOT = (
    f"<annotation(?:[ \t\r\n]+(?!xmlns[ \t\r\n=]){_NAME}{_WS}={_WS}"
    f"(?:\"[^\"<&]*\"|'[^'<&]*'))?{_WS}>"
)
_DOCUMENT = re.compile(
    f"(?:{_DECLARATION})?{_WS}{_ROOT}{_WS}"
    f"(?:(?:{_OBJECT_PATTERN}|{_SIZE}|{_TOP_LEAF}|{_BLOCK}){_WS})*"
    f"</annotation>{_WS}"
)
_OBJECT = re.compile(_OBJECT_PATTERN)
# The same objects when their leaves come in the usual order (VOC devkit, labelImg,
# CVAT), captured in one pass: name, pose, truncated, difficult, occluded, corners.
_USUAL_OBJECT = re.compile(
    f"<object>{_WS}<name>({_TEXT})</name>{_WS}"
    + "".join(f"(?:<{tag}>({_TEXT})</{tag}>{_WS})?" for tag in _OBJECT_LEAVES[1:])
    + f"<bndbox>{_WS}<xmin>({_TEXT})</xmin>{_WS}<ymin>({_TEXT})</ymin>{_WS}"
    f"<xmax>({_TEXT})</xmax>{_WS}<ymax>({_TEXT})</ymax>{_WS}</bndbox>{_WS}</object>"
)
_OBJECT_TEXTS = re.compile(f"<({'|'.join(_OBJECT_LEAVES)})>({_TEXT})</")
_HEADER = re.compile(f"<({'|'.join(_HEADER_TAGS)})>({_TEXT})</")
_SIZE_VALUES = re.compile(
    f"<size>{_WS}<width>({_TEXT})</width>{_WS}<height>({_TEXT})</height>{_WS}"
    f"(?:<depth>({_TEXT})</depth>{_WS})?</size>"
)


@dataclass
class PlainFile:
    """What a plain file holds: the header texts (first of each; width, height and
    depth from ``<size>``) and its objects."""

    header: dict[str, str]
    objects: list[RawObject]


def read_plain(data: bytes, shift: float) -> PlainFile | None:
    """Read a VOC file in the plain subset, or None when the lxml path must read it.

    Args:
        data: The file's bytes.
        shift: 1.0 for inclusive pixel corners, else 0.0 (as in ``plain_object``).
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "]]>" in text or text.count("<size>") > 1 or not _DOCUMENT.fullmatch(text):
        return None
    header: dict[str, str] = {}
    for tag, value in _HEADER.findall(text):
        header.setdefault(tag, value)
    size = _SIZE_VALUES.search(text)
    if size is not None:
        header["width"], header["height"], header["depth"] = size.groups(default="")
    usual = _USUAL_OBJECT.findall(text)
    if len(usual) == text.count("<object>"):
        return _usual_objects(header, usual, shift)
    objects = []
    for match in _OBJECT.finditer(text):
        before, xmin, ymin, xmax, ymax, after = match.groups()
        pairs = _OBJECT_TEXTS.findall(before + after)
        texts = dict(pairs)
        if len(texts) != len(pairs):
            return None  # a repeated tag: the lxml path decides
        flags = (texts.get("difficult"), texts.get("truncated"), texts.get("occluded"))
        corners = plain_corners(xmin, ymin, xmax, ymax)
        raw = plain_values(texts.get("name"), texts.get("pose"), flags, corners, shift)
        if raw is None:
            return None
        objects.append(raw)
    return PlainFile(header, objects)


def _usual_objects(
    header: dict[str, str], usual: list[tuple[str, ...]], shift: float
) -> PlainFile | None:
    objects: list[RawObject] = []
    append = objects.append
    for name, pose, truncated, difficult, occluded, xmin, ymin, xmax, ymax in usual:
        if (
            truncated in _NO_FLAG
            and difficult in _NO_FLAG
            and occluded in _NO_FLAG
            and pose in _NO_POSE
            and name
            and not name[0].isspace()
            and not name[-1].isspace()
        ):
            # The usual object: plain_values, inline (it runs once per object).
            try:
                x0, y0, x1, y1 = float(xmin), float(ymin), float(xmax), float(ymax)
            except ValueError:
                return None
            width, height = x1 - x0 + shift, y1 - y0 + shift
            if not (isfinite(x0 + y0 + x1 + y1) and width >= -ROUNDING and height >= -ROUNDING):
                return None
            append((name, x0 - shift, y0 - shift, max(width, 0.0), max(height, 0.0), {}))
            continue
        corners = plain_corners(xmin, ymin, xmax, ymax)
        raw = plain_values(name, pose, (difficult, truncated, occluded), corners, shift)
        if raw is None:
            return None
        append(raw)
    return PlainFile(header, objects)
