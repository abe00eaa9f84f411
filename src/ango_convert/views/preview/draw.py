"""Drawing one item's annotations over its image (Pillow).

Boxes, rotated boxes, polylines and the rings of polygons (holes included) are drawn as
lines in the class's colour; polygons and masks are also filled, half transparent, so
holes show as holes; points and keypoints are dots (an occluded keypoint is a ring),
with the class's skeleton drawn between labelled keypoints. Each object is labelled with
its class name at its top-left corner.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ango_convert.geometry import rotated_box_corners
from ango_convert.masks import mask_to_array, rasterise
from ango_convert.model import (
    XY,
    Annotation,
    Box,
    Category,
    Item,
    Keypoints,
    Mask,
    Point,
    Polygon,
    Polyline,
    RotatedBox,
    Zone,
)
from ango_convert.views.preview.palette import RGB, Palette, text_colour
from ango_convert.views.shapes import extent

#: Fill opacity of polygons and masks (0-255).
FILL_ALPHA = 96
#: The canvas behind items whose image is not found.
BLANK = (48, 48, 48)
#: Images smaller than this (longest side, pixels) are enlarged before drawing.
MIN_SIDE = 200
#: Canvas size when neither the image nor the item gives one and nothing is drawn.
FALLBACK_SIDE = 256
#: The longest side of a canvas drawn without an image (bounds the memory of a preview).
MAX_BLANK_SIDE = 4096


@dataclass(frozen=True, slots=True)
class _Frame:
    """Maps the item's pixel coordinates onto the drawn image."""

    scale_x: float
    scale_y: float

    def point(self, x: float, y: float) -> XY:
        return (x * self.scale_x, y * self.scale_y)

    def ring(self, points: Sequence[XY]) -> list[XY]:
        return [(x * self.scale_x, y * self.scale_y) for x, y in points]


def render(
    item: Item,
    image: Image.Image | None,
    categories: Mapping[int, Category],
    palette: Palette,
    *,
    max_side: int = 1600,
) -> Image.Image:
    """Draw ``item``'s annotations over ``image`` (or a blank canvas when None).

    Args:
        item: The item and its annotations, in its own pixel coordinates.
        image: The item's image; when its size differs from the item's, the
            annotations are scaled to fit it.
        categories: The dataset's categories by id (names, skeletons).
        palette: The colour of each class.
        max_side: Larger images are scaled down to this longest side; images whose
            longest side is under :data:`MIN_SIDE` are enlarged by a whole factor (pixels
            kept sharp), so labels stay in proportion.

    Returns:
        A new RGB image.
    """
    base = image.convert("RGB") if image is not None else _blank(item)
    item_width = item.width or base.width
    item_height = item.height or base.height
    longest = max(base.width, base.height)
    if longest < MIN_SIDE:
        factor = math.ceil(MIN_SIDE / longest)
        base = base.resize((base.width * factor, base.height * factor), Image.Resampling.NEAREST)
    shrink = min(1.0, max_side / max(base.width, base.height))
    if shrink < 1.0:
        size = (max(1, round(base.width * shrink)), max(1, round(base.height * shrink)))
        base = base.resize(size, Image.Resampling.LANCZOS)
    frame = _Frame(base.width / item_width, base.height / item_height)
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    for annotation in item.annotations:
        _fill(layer, annotation, frame, palette.colour(_name(annotation, categories)))
    drawn = Image.alpha_composite(base.convert("RGBA"), layer).convert("RGB")
    pen = ImageDraw.Draw(drawn)
    width = max(2, round(max(drawn.size) / 320))
    font = ImageFont.load_default(size=max(10, round(max(drawn.size) / 55)))
    for annotation in item.annotations:
        colour = palette.colour(_name(annotation, categories))
        _outline(pen, annotation, frame, colour, width, categories)
    for annotation in item.annotations:
        name = _name(annotation, categories)
        _label(pen, annotation, frame, name, palette.colour(name), font)
    return drawn


def _blank(item: Item) -> Image.Image:
    if item.width and item.height:
        width, height = item.width, item.height
    else:
        ends = [box for box in map(extent, item.annotations) if box is not None]
        width = round(max((box[2] for box in ends), default=0)) + 16 if ends else FALLBACK_SIDE
        height = round(max((box[3] for box in ends), default=0)) + 16 if ends else FALLBACK_SIDE
    return Image.new(
        "RGB", (min(max(width, 16), MAX_BLANK_SIDE), min(max(height, 16), MAX_BLANK_SIDE)), BLANK
    )


def _name(annotation: Annotation, categories: Mapping[int, Category]) -> str:
    category = categories.get(annotation.category_id)
    return category.name if category is not None else f"#{annotation.category_id}"


def _fill(layer: Image.Image, annotation: Annotation, frame: _Frame, colour: RGB) -> None:
    """Paint a polygon's or mask's area, half transparent, into ``layer``."""
    if isinstance(annotation, Polygon):
        zones = [
            Zone(
                outer=tuple(frame.ring(zone.outer)),
                holes=tuple(tuple(frame.ring(hole)) for hole in zone.holes),
            )
            for zone in annotation.zones
        ]
        inside = rasterise(zones, height=layer.height, width=layer.width)
    elif isinstance(annotation, Mask):
        inside = mask_to_array(annotation)
        if inside.shape != (layer.height, layer.width):
            scaled = Image.fromarray(inside).resize(layer.size, Image.Resampling.NEAREST)
            inside = np.asarray(scaled, dtype=bool)
    else:
        return
    alpha = Image.fromarray((inside * FILL_ALPHA).astype(np.uint8), mode="L")
    tint = Image.new("RGBA", layer.size, (*colour, 255))
    tint.putalpha(alpha)
    layer.alpha_composite(tint)


def _outline(
    pen: ImageDraw.ImageDraw,
    annotation: Annotation,
    frame: _Frame,
    colour: RGB,
    width: int,
    categories: Mapping[int, Category],
) -> None:
    if type(annotation) is Box:
        x0, y0 = frame.point(annotation.x, annotation.y)
        x1, y1 = frame.point(annotation.x + annotation.width, annotation.y + annotation.height)
        # Pixel columns x0 .. x1 - 1 are the box's: Pillow's corners are inclusive.
        left, top = round(x0), round(y0)
        right, bottom = max(left, round(x1) - 1), max(top, round(y1) - 1)
        pen.rectangle((left, top, right, bottom), outline=colour, width=width)
    elif isinstance(annotation, RotatedBox):
        _ring(pen, frame.ring(rotated_box_corners(annotation)), colour, width)
    elif isinstance(annotation, Polygon):
        for zone in annotation.zones:
            for ring in (zone.outer, *zone.holes):
                _ring(pen, frame.ring(ring), colour, width)
    elif isinstance(annotation, Polyline):
        pen.line(frame.ring(annotation.points), fill=colour, width=width, joint="curve")
    elif isinstance(annotation, Point):
        _dot(pen, frame.point(annotation.x, annotation.y), colour, width + 2, filled=True)
    elif isinstance(annotation, Keypoints):
        _pose(pen, annotation, frame, colour, width, categories.get(annotation.category_id))


def _ring(pen: ImageDraw.ImageDraw, points: list[XY], colour: RGB, width: int) -> None:
    pen.line([*points, points[0]], fill=colour, width=width, joint="curve")


def _dot(pen: ImageDraw.ImageDraw, centre: XY, colour: RGB, radius: int, *, filled: bool) -> None:
    x, y = centre
    box = (x - radius, y - radius, x + radius, y + radius)
    if filled:
        pen.ellipse(box, fill=colour, outline=(0, 0, 0), width=1)
    else:
        pen.ellipse(box, outline=colour, width=max(1, radius // 2))


def _pose(
    pen: ImageDraw.ImageDraw,
    pose: Keypoints,
    frame: _Frame,
    colour: RGB,
    width: int,
    category: Category | None,
) -> None:
    points = [frame.point(x, y) for x, y, _ in pose.points]
    labelled = [v > 0 for _, _, v in pose.points]
    for a, b in category.skeleton if category is not None else ():
        if a < len(points) and b < len(points) and labelled[a] and labelled[b]:
            pen.line([points[a], points[b]], fill=colour, width=width)
    for point, (_, _, visibility) in zip(points, pose.points, strict=True):
        if visibility:
            _dot(pen, point, colour, width + 2, filled=visibility == 2)


def _label(
    pen: ImageDraw.ImageDraw,
    annotation: Annotation,
    frame: _Frame,
    name: str,
    colour: RGB,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
) -> None:
    box = extent(annotation)
    if box is None:
        return
    x, y = frame.point(box[0], box[1])
    left, top, right, bottom = pen.textbbox((0, 0), name, font=font)
    text_width, text_height = right - left + 4, bottom - top + 4
    above = y - text_height - 1
    origin_y = above if above >= 0 else y + 1  # inside the object at the image's top
    origin_x = max(0.0, x)
    pen.rectangle((origin_x, origin_y, origin_x + text_width, origin_y + text_height), fill=colour)
    pen.text((origin_x + 2 - left, origin_y + 2 - top), name, fill=text_colour(colour), font=font)
