"""The usual VOC ``<object>`` read at full speed (see :mod:`._voc_read` for the rules).

:func:`plain_object` takes only objects of the usual shape (name, pose, the three flags
and a four-corner bndbox, each once) and gives exactly what the general path in
:mod:`._voc_read` gives; anything else, and every error, is left to that path, which
also names the XML line.
"""

from __future__ import annotations

import math

from lxml import etree

from ango_convert.converters._voc_write import DEFAULT_POSE, FLAGS
from ango_convert.model import Box, JSONValue

_PLAIN_TAGS = frozenset({"name", "bndbox", "pose", *FLAGS})
CORNERS = ("xmin", "ymin", "xmax", "ymax")
#: Slack for the float rounding of inclusive corners (0.477 + 1 is not quite 1.477).
ROUNDING = 1e-9
TRUE_TEXTS = {"1", "true", "yes"}
FALSE_TEXTS = {"0", "false", "no", ""}


def plain_object(obj: etree._Element, shift: float) -> tuple[str, Box] | None:
    """An ``<object>`` of the usual shape read in one pass over its children, or None
    for anything else (other tags, repeats, bad values), which ``_parse_object``
    (in :mod:`._voc_read`) then reads, giving the same result or the located error."""
    texts: dict[str, str | None] = {}
    bndbox = None
    for child in obj:
        tag = child.tag
        if tag in texts or not isinstance(tag, str) or tag not in _PLAIN_TAGS:
            return None
        texts[tag] = child.text
        if tag == "bndbox":
            bndbox = child
    corners = _plain_corners(bndbox)
    name = (texts.get("name") or "").strip()
    if corners is None or not name:
        return None
    xmin, ymin, xmax, ymax = corners
    width, height = xmax - xmin + shift, ymax - ymin + shift
    if width < -ROUNDING or height < -ROUNDING:
        return None
    attributes: dict[str, JSONValue] = {}
    for flag in FLAGS:
        text = (texts.get(flag) or "").strip().lower()
        if text in TRUE_TEXTS:
            attributes[flag] = 1
        elif text not in FALSE_TEXTS:
            return None
    pose = (texts.get("pose") or "").strip()
    if pose and pose != DEFAULT_POSE:
        attributes["pose"] = pose
    box = Box(
        category_id=0,
        x=xmin - shift,
        y=ymin - shift,
        width=max(width, 0.0),
        height=max(height, 0.0),
        attributes=attributes,
    )
    return name, box


def _plain_corners(bndbox: etree._Element | None) -> tuple[float, float, float, float] | None:
    """The four corners when ``<bndbox>`` holds exactly them, as finite numbers."""
    if bndbox is None or len(bndbox) != len(CORNERS):
        return None
    texts = {child.tag: child.text for child in bndbox}
    try:
        corners = tuple(float(texts[tag]) for tag in CORNERS)  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError):
        return None
    if not all(map(math.isfinite, corners)):
        return None
    xmin, ymin, xmax, ymax = corners
    return xmin, ymin, xmax, ymax
