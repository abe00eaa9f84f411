"""Printing numbers for text formats (VOC XML, YOLO label lines) without float noise."""

from __future__ import annotations

import math

# Coordinates are rounded to this many decimals before printing, so 0.1 + 0.2 prints
# as 0.3: far below any pixel or normalised precision that matters.
_DECIMALS = 9


def format_number(value: float) -> str:
    """Print a number without float noise: integers bare, others as their shortest repr.

    >>> format_number(12.0), format_number(0.1 + 0.2), format_number(-0.0)
    ('12', '0.3', '0')
    """
    text = repr(float(value))
    dot = text.find(".")
    # A repr with at most _DECIMALS decimals and no exponent is already what rounding
    # would print (the rounding cannot move the float): skip the slow round().
    if dot > 0 and len(text) - dot - 1 <= _DECIMALS and "e" not in text:
        if text.endswith(".0"):
            return "0" if text == "-0.0" else text[:-2]
        return text
    rounded = round(float(value), _DECIMALS)
    if rounded == int(rounded):
        return str(int(rounded))
    return repr(rounded)


def is_finite(*values: float) -> bool:
    """True when every value is a finite number."""
    return all(math.isfinite(value) for value in values)
