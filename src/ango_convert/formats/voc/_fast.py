"""The usual VOC ``<object>`` read at full speed (see :mod:`._voc_read` for the rules).

:func:`plain_object` takes only objects of the usual shape (name, pose, the three flags
and a four-corner bndbox, each once) and gives exactly what the general path in
:mod:`._voc_read` gives; anything else, and every error, is left to that path, which
also names the XML line.
"""

from __future__ import annotations

from math import isfinite
from typing import TYPE_CHECKING

from ango_convert.formats.voc.write import DEFAULT_POSE, FLAGS
from ango_convert.model import JSONValue

if TYPE_CHECKING:
    from lxml import etree

_PLAIN_TAGS = frozenset({"name", "bndbox", "pose", *FLAGS})
CORNERS = ("xmin", "ymin", "xmax", "ymax")
_CORNER_SET = frozenset(CORNERS)
#: Slack for the float rounding of inclusive corners (0.477 + 1 is not quite 1.477).
ROUNDING = 1e-9
TRUE_TEXTS = {"1", "true", "yes"}
FALSE_TEXTS = {"0", "false", "no", ""}


#: One ``<object>`` as read: class name, x, y, width, height (IR pixels), attributes.
#: The Box is made once the class id is known, not here: making it twice cost 10%.
RawObject = tuple[str, float, float, float, float, dict[str, JSONValue]]


def plain_object(obj: etree._Element, shift: float) -> RawObject | None:
    """An ``<object>`` of the usual shape read in one pass over its children, or None
    for anything else (other tags, repeats, bad values), which ``_parse_object``
    (in :mod:`._voc_read`) then reads, giving the same result or the located error."""
    texts: dict[str, str | None] = {}
    bndbox = None
    for child in obj:
        tag = child.tag
        if tag in texts or tag not in _PLAIN_TAGS:  # a comment's tag is a function: not in
            return None
        if tag == "bndbox":
            if bndbox is not None:
                return None
            bndbox = child
        else:
            texts[tag] = child.text
    if bndbox is None:
        return None
    children = list(bndbox)
    if len(children) != len(CORNERS):
        return None
    corners = {child.tag: child.text for child in children}
    if corners.keys() != _CORNER_SET:
        return None
    xmin, ymin, xmax, ymax = (corners[tag] for tag in CORNERS)
    return plain_values(
        texts.get("name"),
        texts.get("pose"),
        (texts.get("difficult"), texts.get("truncated"), texts.get("occluded")),
        plain_corners(xmin, ymin, xmax, ymax),
        shift,
    )


def plain_corners(
    xmin: str | None, ymin: str | None, xmax: str | None, ymax: str | None
) -> tuple[float, float, float, float] | None:
    """The four corner texts as finite numbers, or None."""
    try:
        corners = float(xmin), float(ymin), float(xmax), float(ymax)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if isfinite(corners[0]) and isfinite(corners[1]) and isfinite(corners[2]):
        return corners if isfinite(corners[3]) else None
    return None


def plain_values(
    name: str | None,
    pose: str | None,
    flags: tuple[str | None, str | None, str | None],
    corners: tuple[float, float, float, float] | None,
    shift: float,
) -> RawObject | None:
    """An object from its leaf texts (``flags`` in :data:`FLAGS` order) and corners, or
    None when anything needs the general path's judgement."""
    name = name.strip() if name else None
    if corners is None or not name:
        return None
    xmin, ymin, xmax, ymax = corners
    width, height = xmax - xmin + shift, ymax - ymin + shift
    if width < -ROUNDING or height < -ROUNDING:
        return None
    attributes: dict[str, JSONValue] = {}
    for flag, text in zip(FLAGS, flags, strict=True):
        if text is None or text == "0":
            continue
        if text == "1":
            attributes[flag] = 1
            continue
        text = text.strip().lower()
        if text in TRUE_TEXTS:
            attributes[flag] = 1
        elif text not in FALSE_TEXTS:
            return None
    if pose and pose != DEFAULT_POSE:
        pose = pose.strip()
        if pose and pose != DEFAULT_POSE:
            attributes["pose"] = pose
    return name, xmin - shift, ymin - shift, max(width, 0.0), max(height, 0.0), attributes
