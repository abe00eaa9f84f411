"""What a target format cannot hold: bounding boxes of any annotation kind for
approximating, and the ``on_unsupported`` bookkeeping.
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

from ango_convert.errors import UnsupportedAnnotationError
from ango_convert.geometry import bounds, rotated_box_corners
from ango_convert.model import (
    Annotation,
    Box,
    Keypoints,
    Mask,
    Point,
    Polygon,
    Polyline,
    RotatedBox,
)
from ango_convert.report import WriteReport

OnUnsupported = Literal["error", "skip", "approximate"]
Bounds = tuple[float, float, float, float]


def annotation_bounds(annotation: Annotation) -> Bounds | None:
    """The (xmin, ymin, xmax, ymax) of any annotation, or None for a lone point."""
    if isinstance(annotation, Box):
        return (
            annotation.x,
            annotation.y,
            annotation.x + annotation.width,
            annotation.y + annotation.height,
        )
    if isinstance(annotation, RotatedBox):
        return bounds(rotated_box_corners(annotation))
    if isinstance(annotation, Polygon):
        return bounds(point for zone in annotation.zones for point in zone.outer)
    if isinstance(annotation, Polyline):
        return bounds(annotation.points)
    if isinstance(annotation, Keypoints):
        labelled = [(x, y) for x, y, v in annotation.points if v > 0]
        return bounds(labelled) if labelled else None
    if isinstance(annotation, Mask):
        return mask_bounds(annotation)
    assert isinstance(annotation, Point)
    return None


def mask_bounds(mask: Mask) -> Bounds | None:
    """The pixel-edge bounds of a mask's set pixels (column-major RLE), None if empty."""
    height = mask.height
    position = 0
    cols: list[int] = []
    rows: list[int] = []
    for index, run in enumerate(mask.counts):
        if index % 2 == 1 and run > 0:
            first, last = position, position + run - 1
            cols += [first // height, last // height]
            if first // height == last // height:
                rows += [first % height, last % height]
            else:  # the run wraps over at least one column boundary
                rows += [0, height - 1]
        position += run
    if not cols:
        return None
    return float(min(cols)), float(min(rows)), float(max(cols) + 1), float(max(rows) + 1)


def has_area(box: Box) -> bool:
    """True when the box covers some area (training outputs hold no other)."""
    return box.width > 0 and box.height > 0


def points_have_area(points: list[tuple[float, float]]) -> bool:
    """True when the points' bounding box covers some area."""
    x0, y0, x1, y1 = bounds(points)
    return x1 > x0 and y1 > y0


def box_from_bounds(annotation: Annotation, box_bounds: Bounds) -> Box:
    """A Box with the annotation's class, group and attributes over the given bounds."""
    x0, y0, x1, y1 = box_bounds
    return Box(
        category_id=annotation.category_id,
        x=x0,
        y=y0,
        width=max(0.0, x1 - x0),
        height=max(0.0, y1 - y0),
        group=annotation.group,
        attributes=annotation.attributes,
    )


class Unsupported:
    """Collects what a writer cannot hold and applies the user's ``on_unsupported`` choice.

    With ``"error"`` every case is counted and :meth:`finish` raises one error naming all
    of them, so the user sees the whole picture at once (the output folder is discarded).
    """

    def __init__(self, format_name: str, mode: OnUnsupported, report: WriteReport) -> None:
        self.format_name = format_name
        self.mode = mode
        self.report = report
        self.refused: Counter[str] = Counter()

    def approximate(self, kind: str) -> bool:
        """Ask whether a ``kind`` the target cannot hold exactly may be approximated.

        Returns:
            True when the caller should write the approximation (counted as such);
            False when it should leave the annotation out (skipped or refused).
        """
        if self.mode == "approximate":
            self.report.approximated[kind] += 1
            return True
        self.drop(kind)
        return False

    def drop(self, kind: str) -> None:
        """Record a ``kind`` that cannot be written at all, not even approximately."""
        if self.mode == "error":
            self.refused[kind] += 1
        else:
            self.report.skipped[kind] += 1

    def degenerate(self, kind: str) -> None:
        """Record an object whose box has no area: training outputs never hold one (a
        zero-size box stops torchvision and skews COCOeval), whatever the mode."""
        self.report.skipped[f"zero-area {kind}"] += 1

    def finish(self, hint: str = "") -> None:
        """Raise the collected refusals, if any."""
        if self.refused:
            text = hint or "pass {on_unsupported=skip} or {on_unsupported=approximate}"
            raise UnsupportedAnnotationError(self.format_name, dict(self.refused), text)
