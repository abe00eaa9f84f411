"""The raw texts of the usual VOC file read with regular expressions, without a tree.

Tools (labelImg, CVAT, the VOC devkit) write VOC in a tiny subset of XML: elements
without attributes (the root may have one), and no comments, CDATA, references,
processing instructions or DOCTYPE. When a whole file is in that subset,
:data:`_DOCUMENT` proves it well-formed and every text literal, so the patterns below
read exactly the :class:`~.raw.RawAnnotation` that :func:`.raw.from_tree` reads from
lxml's tree, at a fraction of the cost (lxml makes a Python object for every element
touched). This module only reads texts: what they mean is :mod:`.decode`'s business.

Anything else gives None and lxml parses the file: a comment, an attribute, a
``<part>`` or an unknown element inside ``<object>``, corners out of the usual order,
another encoding than UTF-8, a file over the parser's text size limit.
"""

from __future__ import annotations

import re

from ango_convert.formats.voc.raw import (
    HEADER_TAGS,
    OBJECT_LEAVES,
    RawAnnotation,
    RawObject,
    Texts,
)
from ango_convert.formats.voc.safe_xml import MAX_TEXT_BYTES
from ango_convert.formats.voc.vocabulary import CORNERS, FLAGS

# XML whitespace, and text free of markup, references and characters XML 1.0 refuses.
# CR is refused too: the parser turns CR LF into LF inside text, which this path does not.
_WS = "[ \t\r\n]*"
_TEXT = "[^<&\x00-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff]*"
_NAME = "[A-Za-z_][A-Za-z0-9_.-]*"
#: The leaves of an object in the order the VOC devkit and labelImg write them.
_USUAL_ORDER = ("name", "pose", "truncated", "difficult", "occluded")


def _leaf(tag: str) -> str:
    return f"<{tag}>{_TEXT}</{tag}>"


_CORNERS = "".join(f"<{tag}>({_TEXT})</{tag}>{_WS}" for tag in CORNERS)
_OBJECT_LEAF = "(?:" + "|".join(_leaf(tag) for tag in OBJECT_LEAVES) + ")"
_OBJECT_PATTERN = (
    f"<object>{_WS}((?:{_OBJECT_LEAF}{_WS})*)<bndbox>{_WS}{_CORNERS}</bndbox>{_WS}"
    f"((?:{_OBJECT_LEAF}{_WS})*)</object>"
)
_SIZE = f"<size>{_WS}{_leaf('width')}{_WS}{_leaf('height')}{_WS}(?:{_leaf('depth')}{_WS})?</size>"
_RESERVED = "|".join(("object", "size", "bndbox", *OBJECT_LEAVES, *CORNERS))
_NOT_IN_BLOCKS = "|".join((_RESERVED, *HEADER_TAGS))
# Any other top-level leaf (<path>, <verified>...), and one level of other leaves inside
# an unknown block such as <source> or <owner>, which the decoder ignores. A block holds
# at least one leaf, so no element matches both ways: with two ways per element, a
# failing match would retry 2^n combinations.
_TOP_LEAF = f"<(?!(?:{_RESERVED})>)(?P<top>{_NAME})>{_TEXT}</(?P=top)>"
_BLOCK = (
    f"<(?!(?:{_NOT_IN_BLOCKS})>)(?P<block>{_NAME})>{_WS}"
    f"(?:<(?!(?:{_NOT_IN_BLOCKS})>)(?P<inner>{_NAME})>{_TEXT}</(?P=inner)>{_WS})+"
    "</(?P=block)>"
)
_DECLARATION = (
    "<[?]xml[ \t\r\n]+version=(?P<q1>[\"'])1[.]0(?P=q1)"
    "(?:[ \t\r\n]+encoding=(?P<q2>[\"'])(?i:utf-?8)(?P=q2))?"
    "(?:[ \t\r\n]+standalone=(?P<q3>[\"'])(?:yes|no)(?P=q3))?[ \t\r\n]*[?]>"
)
# At most one attribute on the root (labelImg's verified="yes"): two could repeat a name,
# which XML refuses. Not xmlns: a default namespace renames every tag for lxml.
_VALUE = "[^<&\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff{quote}]*"
_ROOT = (
    f"<annotation(?:[ \t\r\n]+(?!xmlns[ \t\r\n=]){_NAME}{_WS}={_WS}"
    f"(?:\"{_VALUE.format(quote=chr(34))}\"|'{_VALUE.format(quote=chr(39))}'))?{_WS}>"
)
_DOCUMENT = re.compile(
    f"(?:{_DECLARATION})?{_WS}{_ROOT}{_WS}"
    f"(?:(?:{_OBJECT_PATTERN}|{_SIZE}|{_TOP_LEAF}|{_BLOCK}){_WS})*"
    f"</annotation>{_WS}"
)
_OBJECT = re.compile(_OBJECT_PATTERN)
# The same objects when their leaves come in the usual order, read in one match.
_USUAL_OBJECT = re.compile(
    f"<object>{_WS}<name>({_TEXT})</name>{_WS}"
    + "".join(f"(?:<{tag}>({_TEXT})</{tag}>{_WS})?" for tag in _USUAL_ORDER[1:])
    + f"<bndbox>{_WS}{_CORNERS}</bndbox>{_WS}</object>"
)
_OBJECT_TEXTS = re.compile(f"<({'|'.join(OBJECT_LEAVES)})>({_TEXT})</")
_HEADER = re.compile(f"<({'|'.join(HEADER_TAGS)})>({_TEXT})</")
_SIZE_TEXTS = re.compile(
    f"<size>{_WS}<width>({_TEXT})</width>{_WS}<height>({_TEXT})</height>{_WS}"
    f"(?:<depth>({_TEXT})</depth>{_WS})?</size>"
)


def from_plain(data: bytes) -> RawAnnotation | None:
    """The raw texts of a VOC file in the plain subset, or None for lxml to parse it.

    An empty element's text is None, as lxml has it.
    """
    if len(data) > MAX_TEXT_BYTES:
        return None  # it may hold a text over the limit, which the parser refuses
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "]]>" in text or text.count("<size>") > 1 or not _DOCUMENT.fullmatch(text):
        return None
    header: dict[str, str | None] = {}
    for tag, value in _HEADER.findall(text):
        header.setdefault(tag, value or None)
    sizes = _SIZE_TEXTS.search(text)
    size = None if sizes is None else _texts(sizes.groups())
    usual = _USUAL_OBJECT.findall(text)  # an absent leaf gives "", as an empty one
    if len(usual) == text.count("<object>"):
        objects = [
            RawObject(
                name or None,
                pose or None,
                (difficult or None, truncated or None, occluded or None),  # FLAGS order
                (xmin or None, ymin or None, xmax or None, ymax or None),
            )
            for name, pose, truncated, difficult, occluded, xmin, ymin, xmax, ymax in usual
        ]
    else:
        objects = [_object(match.groups()) for match in _OBJECT.finditer(text)]
    return RawAnnotation(header, size, objects)


def _object(groups: tuple[str, ...]) -> RawObject:
    before, xmin, ymin, xmax, ymax, after = groups
    leaves: dict[str, str | None] = {}
    for tag, value in _OBJECT_TEXTS.findall(before + after):
        leaves.setdefault(tag, value or None)  # the first of a tag, as the tree has it
    flags = tuple([leaves.get(flag) for flag in FLAGS])
    corners = _texts((xmin, ymin, xmax, ymax))
    return RawObject(leaves.get("name"), leaves.get("pose"), flags, corners)


def _texts(values: tuple[str | None, ...]) -> Texts:
    return tuple([value or None for value in values])
