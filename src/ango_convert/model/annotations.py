"""The annotation kinds of the IR (boxes to masks), in absolute pixels (see the package docs)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from ango_convert.model.values import Attributes, JSONValue, Ring

_EMPTY: Mapping[str, JSONValue] = {}


_isfinite = math.isfinite


def _check_finite(owner: str, **values: float) -> None:
    for name, value in values.items():
        if not math.isfinite(value):
            raise ValueError(f"{owner}.{name} must be a finite number, got {value!r}")


def _check_ring(owner: str, ring: Ring, minimum: int) -> None:
    if len(ring) < minimum:
        raise ValueError(f"{owner} needs at least {minimum} points, got {len(ring)}")
    for x, y in ring:
        if not (math.isfinite(x) and math.isfinite(y)):
            raise ValueError(f"{owner} has a non-finite point ({x!r}, {y!r})")


@dataclass(frozen=True, slots=True, kw_only=True)
class Box:
    """An axis-aligned box: top-left corner plus size, in pixels."""

    category_id: int
    x: float
    y: float
    width: float
    height: float
    group: str | None = None
    attributes: Attributes = field(default_factory=dict)

    def __post_init__(self) -> None:
        # One plain test first: readers build millions of boxes.
        finite = _isfinite
        if not (finite(self.x) and finite(self.y) and finite(self.width) and finite(self.height)):
            _check_finite("Box", x=self.x, y=self.y, width=self.width, height=self.height)
        if self.width < 0 or self.height < 0:
            raise ValueError(f"Box has a negative size {self.width!r} x {self.height!r}")

    @property
    def kind(self) -> str:
        return "box"


_new_object = object.__new__


# The slots' own setters: a frozen dataclass refuses attribute assignment, its slot
# descriptors do not, and calling them is twice as fast as object.__setattr__ by name.
_box_setters = tuple(
    getattr(Box, name).__set__
    for name in ("category_id", "x", "y", "width", "height", "group", "attributes")
)


def checked_box(
    category_id: int, x: float, y: float, width: float, height: float, attributes: Attributes
) -> Box:
    """A :class:`Box` from values the caller has already checked: finite, size >= 0.

    The same object ``Box(...)`` makes, built without keyword parsing or the
    ``__post_init__`` checks, at a quarter of the cost: readers' fast paths make a box
    per annotation, millions at a time. Anything not checked already must use ``Box(...)``.
    """
    box: Box = _new_object(Box)
    set_category, set_x, set_y, set_width, set_height, set_group, set_attributes = _box_setters
    set_category(box, category_id)
    set_x(box, x)
    set_y(box, y)
    set_width(box, width)
    set_height(box, height)
    set_group(box, None)
    set_attributes(box, attributes)
    return box


@dataclass(frozen=True, slots=True, kw_only=True)
class RotatedBox:
    """A rotated box given by its centre, size and angle.

    ``angle`` is in degrees, positive clockwise on screen (the image's y axis points
    down), and the box rotates about its centre. At angle 0 the box is axis-aligned with
    ``width`` along x. Conversions to corners live in :mod:`ango_convert.geometry`.
    """

    category_id: int
    cx: float
    cy: float
    width: float
    height: float
    angle: float
    group: str | None = None
    attributes: Attributes = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_finite(
            "RotatedBox",
            cx=self.cx,
            cy=self.cy,
            width=self.width,
            height=self.height,
            angle=self.angle,
        )
        if self.width < 0 or self.height < 0:
            raise ValueError(f"RotatedBox has a negative size {self.width!r} x {self.height!r}")

    @property
    def kind(self) -> str:
        return "rotated-box"


@dataclass(frozen=True, slots=True, kw_only=True)
class Zone:
    """One connected part of a polygon: an outer ring and the holes cut out of it.

    Rings are open (the first point is not repeated) and at least three points long.
    """

    outer: Ring
    holes: tuple[Ring, ...] = ()

    def __post_init__(self) -> None:
        _check_ring("polygon ring", self.outer, 3)
        for hole in self.holes:
            _check_ring("polygon hole", hole, 3)


@dataclass(frozen=True, slots=True, kw_only=True)
class Polygon:
    """A polygon of one or more zones, each possibly with holes."""

    category_id: int
    zones: tuple[Zone, ...]
    group: str | None = None
    attributes: Attributes = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.zones:
            raise ValueError("Polygon needs at least one zone")

    @property
    def kind(self) -> str:
        return "polygon"

    @property
    def is_simple(self) -> bool:
        """True when the polygon is one ring without holes."""
        return len(self.zones) == 1 and not self.zones[0].holes


@dataclass(frozen=True, slots=True, kw_only=True)
class Polyline:
    """An open line through two or more points."""

    category_id: int
    points: Ring
    group: str | None = None
    attributes: Attributes = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_ring("Polyline", self.points, 2)

    @property
    def kind(self) -> str:
        return "polyline"


@dataclass(frozen=True, slots=True, kw_only=True)
class Point:
    """A single point."""

    category_id: int
    x: float
    y: float
    group: str | None = None
    attributes: Attributes = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_finite("Point", x=self.x, y=self.y)

    @property
    def kind(self) -> str:
        return "point"


#: COCO visibility flags: 0 not labelled, 1 labelled but not visible, 2 visible.
VISIBILITY_VALUES = (0, 1, 2)


@dataclass(frozen=True, slots=True, kw_only=True)
class Keypoints:
    """A pose: one ``(x, y, visibility)`` per name in the category's ``keypoint_names``.

    Visibility follows COCO: 0 not labelled, 1 labelled but occluded, 2 visible.
    """

    category_id: int
    points: tuple[tuple[float, float, int], ...]
    group: str | None = None
    attributes: Attributes = field(default_factory=dict)

    def __post_init__(self) -> None:
        for x, y, v in self.points:
            if not (math.isfinite(x) and math.isfinite(y)):
                raise ValueError(f"Keypoints has a non-finite point ({x!r}, {y!r})")
            if v not in VISIBILITY_VALUES:
                raise ValueError(f"Keypoints visibility must be 0, 1 or 2, got {v!r}")

    @property
    def kind(self) -> str:
        return "keypoints"

    @property
    def labelled_count(self) -> int:
        """How many keypoints are labelled (COCO ``num_keypoints``)."""
        return sum(1 for _, _, v in self.points if v > 0)


@dataclass(frozen=True, slots=True, kw_only=True)
class Mask:
    """A binary mask as COCO's uncompressed run-length encoding.

    ``counts`` alternate runs of 0 and 1, starting with 0, in column-major order over an
    image of ``height`` x ``width`` pixels. Compressed string RLE is decoded by the COCO
    module; the IR holds one canonical form.
    """

    category_id: int
    height: int
    width: int
    counts: tuple[int, ...]
    group: str | None = None
    attributes: Attributes = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.height <= 0 or self.width <= 0:
            raise ValueError(f"Mask size must be positive, got {self.height} x {self.width}")
        if sum(self.counts) != self.height * self.width:
            raise ValueError(
                f"Mask counts add up to {sum(self.counts)}, expected "
                f"{self.height * self.width} for {self.height} x {self.width}"
            )

    @property
    def kind(self) -> str:
        return "mask"


Annotation = Box | RotatedBox | Polygon | Polyline | Point | Keypoints | Mask


#: Every annotation kind, by the name used in reports and capability sets.
ANNOTATION_KINDS: tuple[str, ...] = (
    "box",
    "rotated-box",
    "polygon",
    "polyline",
    "point",
    "keypoints",
    "mask",
)


def annotation_kind(annotation: Annotation) -> str:
    """Name the kind of an annotation, as listed in :data:`ANNOTATION_KINDS`."""
    return annotation.kind
