"""Parsing VOC XML safely: no entities, no DTD, no network, and libxml2's size limits.

A document whose DOCTYPE declares entities (external entities, "billion laughs") is
refused outright, before any entity could be used; an external DTD is never loaded.
The parser keeps libxml2's limits for documents that are not "huge": a text node (an
element's text, a comment, CDATA) of at most :data:`MAX_TEXT_BYTES` and at most
:data:`MAX_DEPTH` levels of nesting. That is the one size rule for every VOC file.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

from ango_convert.errors import ReadError

if TYPE_CHECKING:
    from lxml import etree

#: libxml2's cap on one text node when ``huge_tree`` is off (XML_MAX_TEXT_LENGTH).
MAX_TEXT_BYTES = 10_000_000
#: libxml2's cap on element nesting when ``huge_tree`` is off.
MAX_DEPTH = 256

# libxml2's advice to C programmers ("try XML_PARSE_HUGE") is no use to a user.
_HUGE_HINT = re.compile(r",\s*(?:try|use) XML_PARSE_HUGE.*", re.DOTALL)


@functools.cache
def parser() -> etree.XMLParser:
    """The one parser every VOC file goes through (lxml imported on first need)."""
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse_annotation(path: Path, data: bytes) -> etree._Element:
    """Parse one VOC XML file safely and return its ``<annotation>`` root.

    Args:
        path: The file, named in errors.
        data: Its bytes.

    Raises:
        ReadError: Not well-formed, over the size limits, entity declarations present,
            or another root element.
    """
    from lxml import etree

    if b"<!ENTITY" in data:
        raise _hostile(path)
    try:
        root = etree.fromstring(data, parser())
    except etree.XMLSyntaxError as exc:
        raise ReadError(path, f"line {exc.lineno}", _syntax_reason(exc)) from None
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and _declares_entities(dtd):
        raise _hostile(path)  # the bytes screen cannot see UTF-16 text
    if root.tag != "annotation":
        raise ReadError(
            path, f"line {root.sourceline}", f"root element is <{root.tag}>, expected <annotation>"
        )
    return root


def _syntax_reason(exc: etree.XMLSyntaxError) -> str:
    from lxml import etree

    # lxml-stubs lack ParseError.code; lxml has it since 2.
    if getattr(exc, "code", None) == etree.ErrorTypes.ERR_RESOURCE_LIMIT:
        detail = _HUGE_HINT.sub("", exc.msg)
        return (
            f"too large to read safely ({detail}; the limits are {MAX_TEXT_BYTES:,} bytes "
            f"per text and {MAX_DEPTH} levels of nesting)"
        )
    return f"invalid XML: {exc.msg}"


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
