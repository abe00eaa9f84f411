"""One colour per class: the dataset's classes, in their order, take the colours of a
palette of distinct ones; further classes get a colour taken from a hash of their name.

The same dataset is always drawn in the same colours, and so is its conversion to another
format (its classes keep their order).
"""

from __future__ import annotations

import colorsys
import hashlib
from collections.abc import Iterable

RGB = tuple[int, int, int]

#: Twenty colours told apart at a glance (Sasha Trubetskoy's list).
DISTINCT: tuple[RGB, ...] = (
    (230, 25, 75),
    (60, 180, 75),
    (255, 225, 25),
    (0, 130, 200),
    (245, 130, 48),
    (145, 30, 180),
    (70, 240, 240),
    (240, 50, 230),
    (210, 245, 60),
    (250, 190, 212),
    (0, 128, 128),
    (220, 190, 255),
    (170, 110, 40),
    (255, 250, 200),
    (128, 0, 0),
    (170, 255, 195),
    (128, 128, 0),
    (255, 215, 180),
    (0, 0, 128),
    (128, 128, 128),
)


class Palette:
    """The colour of each class name."""

    def __init__(self, names: Iterable[str]) -> None:
        self._colours: dict[str, RGB] = {}
        for name in names:
            if name not in self._colours:
                index = len(self._colours)
                self._colours[name] = (
                    DISTINCT[index] if index < len(DISTINCT) else hashed_colour(name)
                )

    def colour(self, name: str) -> RGB:
        """The class's colour (a class the palette was not given: from its name)."""
        colour = self._colours.get(name)
        return colour if colour is not None else hashed_colour(name)


def hashed_colour(name: str) -> RGB:
    """A saturated, bright colour from a hash of the name (stable across runs, unlike
    Python's salted ``hash``)."""
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).digest()
    hue = int.from_bytes(digest[:2], "big") / 65536
    saturation = 0.65 + 0.3 * digest[2] / 255
    value = 0.8 + 0.2 * digest[3] / 255
    red, green, blue = colorsys.hsv_to_rgb(hue, saturation, value)
    return (round(red * 255), round(green * 255), round(blue * 255))


def text_colour(background: RGB) -> RGB:
    """Black or white, whichever reads better on ``background``."""
    red, green, blue = background
    luminance = 0.299 * red + 0.587 * green + 0.114 * blue
    return (0, 0, 0) if luminance > 140 else (255, 255, 255)


def hex_colour(colour: RGB) -> str:
    """``#rrggbb``, for the contact sheet."""
    return "#{:02x}{:02x}{:02x}".format(*colour)
