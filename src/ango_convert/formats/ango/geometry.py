"""Ango's geometry conventions, owned in one place: rotated boxes and bounding boxes.

Rotated bounding box ``{x, y, width, height, rotation}``: ``rotation`` is in degrees and
positive turns clockwise on screen. Where it turns about is in doubt (see the reference
notes): Ango's import docs say boxes rotate about their centre, while the export
sample's ``corners`` put ``(x, y)`` on the first corner, which fits a rotation about
``(x, y)`` itself (the Konva convention of the web editor). The default here,
``pivot="corner"``, follows the export sample, since exports are what was observed;
``pivot="center"`` follows the import docs. Both are options of every Ango reader and
writer (``rbox_pivot``).
"""

from __future__ import annotations

from typing import Any, Literal

from ango_convert.geometry import normalise_angle, rotate_point, rotated_box_corners
from ango_convert.model import XY, RotatedBox

Pivot = Literal["corner", "center"]


def rotated_box_to_ango(box: RotatedBox, pivot: Pivot = "corner") -> dict[str, float]:
    """Express an IR rotated box as Ango's ``rotated-bounding-box`` value."""
    if pivot == "center":
        x, y = box.cx - box.width / 2, box.cy - box.height / 2
    else:
        x, y = rotated_box_corners(box)[0]
    return {"x": x, "y": y, "width": box.width, "height": box.height, "rotation": box.angle}


def rotated_box_from_ango(
    value: dict[str, Any], *, category_id: int, pivot: Pivot = "corner"
) -> RotatedBox:
    """Read Ango's ``rotated-bounding-box`` value into an IR rotated box.

    Raises:
        ValueError: Missing or non-numeric fields, or a negative size.
    """
    x, y, width, height, rotation = (
        _number(value, key) for key in ("x", "y", "width", "height", "rotation")
    )
    cx, cy = rotated_box_centre(x, y, width, height, rotation, pivot)
    return RotatedBox(
        category_id=category_id,
        cx=cx,
        cy=cy,
        width=width,
        height=height,
        angle=normalise_angle(rotation),
    )


def rotated_box_centre(
    x: float, y: float, width: float, height: float, rotation: float, pivot: Pivot = "corner"
) -> XY:
    """The centre of Ango's rotated box ``{x, y, width, height, rotation}``."""
    if pivot == "center":
        return x + width / 2, y + height / 2
    return rotate_point(x + width / 2, y + height / 2, x, y, rotation)


def ango_corners(value: dict[str, Any], pivot: Pivot = "corner") -> tuple[XY, XY, XY, XY]:
    """Corners of an Ango rotated box in the export's order: TL, BL, BR, TR."""
    box = rotated_box_from_ango(value, category_id=0, pivot=pivot)
    tl, tr, br, bl = rotated_box_corners(box)
    return tl, bl, br, tr


def upright_box(
    x: float, y: float, width: float, height: float
) -> tuple[float, float, float, float]:
    """Turn a negative width or height around, keeping the box where it is.

    Ango exports keep the corner the user clicked first, so sizes can be negative.
    """
    if width < 0:
        x, width = x + width, -width
    if height < 0:
        y, height = y + height, -height
    return x, y, width, height


def _number(value: dict[str, Any], key: str) -> float:
    if not isinstance(value, dict):
        raise ValueError(f"expected an object, got {type(value).__name__}")
    raw = value.get(key)
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise ValueError(f"{key} must be a number, got {raw!r}")
    return raw
