"""Which tool an Ango object is, and its geometry as an IR shape.

Every value is first met with exact type tests (``type(v) is float or type(v) is int``),
which is all the usual object needs; only when they fail does the general walk in
:mod:`~ango_convert.formats.ango.object_faults` run, which takes what is valid after all and
otherwise names the first bad key. Paths in faults are relative to the object
(``.bounding-box.width``); the decoder puts ``objects[i]`` in front.
"""

from __future__ import annotations

from collections.abc import Mapping
from math import isfinite
from typing import Any, Literal

from ango_convert.formats.ango.geometry import Pivot, rotated_box_centre, upright_box
from ango_convert.formats.ango.object_faults import (
    ObjectFault,
    json_kind,
    numbers_at,
    ring_at,
    xy_at,
)
from ango_convert.geometry import normalise_angle
from ango_convert.model import (
    XY,
    Annotation,
    Attributes,
    Box,
    Point,
    Polygon,
    Polyline,
    Ring,
    RotatedBox,
    Zone,
    checked_box,
)

GEOMETRY_KEYS = (
    "bounding-box",
    "rotated-bounding-box",
    "polygon",
    "polyline",
    "point",
    "segmentation",
)
#: Ango tools with no COCO/VOC/YOLO counterpart; named in messages when met.
OTHER_TOOL_KEYS = (
    "ner",
    "pdf",
    "brush",
    "spline",
    "pct",
    "entity",
    "message",
    "voxel-brush",
    "cuboid",
)
UnknownTools = Literal["error", "skip"]

BOX_SIDES = ("x", "y", "width", "height")
ROTATED_BOX_SIDES = (*BOX_SIDES, "rotation")
#: Object keys that are not a tool's geometry.
_OBJECT_KEYS = frozenset(
    {"schemaId", "title", "objectId", "classifications", "metadata", "page", "color", "tool"}
)


def geometry_key(obj: Mapping[str, Any]) -> str | None:
    """The object's geometry key (the first of :data:`GEOMETRY_KEYS` it has), if any."""
    if "bounding-box" in obj:  # most objects: one lookup
        return "bounding-box"
    return next((key for key in GEOMETRY_KEYS if key in obj), None)


def other_tool_name(obj: Mapping[str, Any]) -> str:
    """Name the tool of an object without geometry: a known other tool, else its odd key."""
    known = next((key for key in OTHER_TOOL_KEYS if key in obj), None)
    return known or next((str(key) for key in obj if key not in _OBJECT_KEYS), "unknown")


def box(value: Any, category_id: int, group: str | None, attributes: Attributes) -> Box:
    """The Box of a ``bounding-box`` value; negative sizes are turned around.

    Raises:
        ObjectFault: A side is missing, not a number or not finite.
        ValueError: Turning a size around left the number range.
    """
    if type(value) is dict:
        x: Any = value.get("x")
        y: Any = value.get("y")
        width: Any = value.get("width")
        height: Any = value.get("height")
        try:
            usual = (
                (type(x) is float or type(x) is int)
                and (type(y) is float or type(y) is int)
                and (type(width) is float or type(width) is int)
                and (type(height) is float or type(height) is int)
                and isfinite(x + y + width + height)  # inf cannot cancel out without a nan
            )
        except OverflowError:  # an int past the float range
            usual = False
        if usual and group is None and width >= 0 and height >= 0:
            return checked_box(category_id, x, y, width, height, attributes)
        if not usual:
            x, y, width, height = numbers_at(value, BOX_SIDES, ".bounding-box")
    else:
        x, y, width, height = numbers_at(value, BOX_SIDES, ".bounding-box")
    x, y, width, height = upright_box(x, y, width, height)
    return Box(
        category_id=category_id,
        x=x,
        y=y,
        width=width,
        height=height,
        group=group,
        attributes=attributes,
    )


def shape(
    tool: str,
    value: Any,
    category_id: int,
    group: str | None,
    attributes: Attributes,
    pivot: Pivot,
) -> Annotation:
    """The IR shape of any geometry ``tool`` (one of :data:`GEOMETRY_KEYS`).

    Raises:
        ObjectFault: A value of the wrong type, located.
        ValueError: A shape the IR refuses (too few points, a negative rotated size).
    """
    if tool == "bounding-box":
        return box(value, category_id, group, attributes)
    if tool == "rotated-bounding-box":
        x, y, width, height, rotation = numbers_at(value, ROTATED_BOX_SIDES, f".{tool}")
        cx, cy = rotated_box_centre(x, y, width, height, rotation, pivot)
        angle = normalise_angle(rotation)
        return RotatedBox(
            category_id=category_id,
            cx=cx,
            cy=cy,
            width=width,
            height=height,
            angle=angle,
            group=group,
            attributes=attributes,
        )
    if tool == "polygon":
        zone = Zone(outer=ring(value, ".polygon"))
        return Polygon(category_id=category_id, zones=(zone,), group=group, attributes=attributes)
    if tool == "polyline":
        points = ring(value, ".polyline")
        return Polyline(category_id=category_id, points=points, group=group, attributes=attributes)
    if tool == "point":
        x, y = xy(value, ".point")
        return Point(category_id=category_id, x=x, y=y, group=group, attributes=attributes)
    zones = segmentation_zones(value)
    return Polygon(category_id=category_id, zones=zones, group=group, attributes=attributes)


def xy(raw: Any, field: str) -> XY:
    """``[x, y]`` as two finite numbers (else the fault at ``field``)."""
    if type(raw) is list and len(raw) == 2:
        x, y = raw
        try:
            if (
                (type(x) is float or type(x) is int)
                and (type(y) is float or type(y) is int)
                and isfinite(x + y)
            ):
                return x, y
        except OverflowError:
            pass
    return xy_at(raw, field)


def ring(raw: Any, field: str) -> Ring:
    """A list of ``[x, y]`` points (else the fault at ``field`` or at its bad point)."""
    if type(raw) is list:
        points: list[XY] = []
        append = points.append
        try:
            for point in raw:
                if type(point) is not list or len(point) != 2:
                    break
                x, y = point
                if not (
                    (type(x) is float or type(x) is int)
                    and (type(y) is float or type(y) is int)
                    and isfinite(x + y)
                ):
                    break
                append((x, y))
            else:
                return tuple(points)
        except OverflowError:
            pass
    return ring_at(raw, field)


def segmentation_zones(raw: Any) -> tuple[Zone, ...]:
    """The zones of a ``segmentation`` value ``{zones: [{region, holes}]}``."""
    zones = raw.get("zones") if isinstance(raw, Mapping) else None
    if not isinstance(zones, list) or not zones:
        raise ValueError("segmentation has no zones (export with 'Segmentation Points' on)")
    result = []
    for index, zone in enumerate(zones):
        field = f".segmentation.zones[{index}]"
        if not isinstance(zone, Mapping):
            raise ObjectFault(field, f"must be an object, got {json_kind(zone)}")
        holes = zone.get("holes") or []
        if not isinstance(holes, list):
            raise ObjectFault(f"{field}.holes", f"must be a list of rings, got {json_kind(holes)}")
        if holes and isinstance(holes[0], list) and holes[0] and not isinstance(holes[0][0], list):
            # One documented export variant flattens the holes to a single ring.
            hole_rings: tuple[Ring, ...] = (ring(holes, f"{field}.holes"),)
        else:
            hole_rings = tuple(ring(hole, f"{field}.holes[{i}]") for i, hole in enumerate(holes))
        result.append(Zone(outer=ring(zone.get("region"), f"{field}.region"), holes=hole_rings))
    return tuple(result)
