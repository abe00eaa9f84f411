"""``Stats`` as a readable report for the terminal."""

from __future__ import annotations

from ango_convert.model import ANNOTATION_KINDS
from ango_convert.views.stats import Stats
from ango_convert.views.table import Cell, cell_text, render_table
from ango_convert.views.tallies import Spread

#: Values listed per attribute key in the text report (``--json`` has them all).
SHOWN_VALUES = 8


def format_stats(figures: Stats, title: str) -> str:
    """The report: totals, classes by kind, sizes, positions, degenerate geometry and
    attribute values, under ``title``."""
    sections = [title, _totals(figures), _classes(figures)]
    if figures.relative_width is not None:
        sections.append(_sizes(figures))
    sections.append(_places(figures))
    if figures.attributes:
        sections.append(_values("attributes", figures.attributes))
    if figures.classifications:
        sections.append(_values("classifications", figures.classifications))
    return "\n\n".join(sections) + "\n"


def _totals(figures: Stats) -> str:
    spread = figures.objects_per_item
    per_item = (
        f"min {cell_text(spread.min)}, median {cell_text(spread.median)}, "
        f"max {cell_text(spread.max)}, mean {cell_text(spread.mean)}"
        if spread is not None
        else "-"
    )
    return render_table(
        ("", ""),
        [
            ("items", figures.items),
            ("items without objects", figures.items_without_objects),
            ("objects", figures.objects),
            ("objects per item", per_item),
        ],
        indent="",
    ).split("\n", 1)[1]


def _classes(figures: Stats) -> str:
    kinds = [kind for kind in ANNOTATION_KINDS if kind in figures.kinds]
    rows: list[list[Cell]] = [
        [name, row.objects, row.items, *(row.kinds.get(kind, 0) for kind in kinds)]
        for name, row in figures.classes.items()
    ]
    rows.append(["(all)", figures.objects, None, *(figures.kinds[kind] for kind in kinds)])
    return "classes\n" + render_table(("class", "objects", "items", *kinds), rows)


def _sizes(figures: Stats) -> str:
    rows: list[list[Cell]] = []
    for label, spread in (("width", figures.relative_width), ("height", figures.relative_height)):
        if isinstance(spread, Spread):
            rows.append([label, spread.min, spread.median, spread.max, spread.mean])
    table = render_table(("", "min", "median", "max", "mean"), rows)
    areas = ", ".join(f"{size} {count}" for size, count in figures.area_sizes.items())
    return (
        "object sizes relative to the image (extent of boxes, rotated boxes, polygons, "
        f"masks)\n{table}\n  by area in pixels (COCO: small < 32², large > 96²): {areas}"
    )


def _places(figures: Stats) -> str:
    position = figures.position
    lines = [
        "position",
        f"  outside the image {position['outside']}, overhanging {position['overhanging']}, "
        f"on the edge {position['on_edge']}",
    ]
    if figures.without_image_size:
        count = figures.without_image_size
        lines.append(f"  objects on items of unknown size (not placed): {count}")
    degenerate = ", ".join(f"{reason} {count}" for reason, count in figures.degenerate.items())
    lines.append(f"degenerate geometry: {degenerate or 'none'}")
    return "\n".join(lines)


def _values(title: str, counts: dict[str, dict[str, int]]) -> str:
    rows: list[list[Cell]] = []
    for key, values in counts.items():
        shown = list(values.items())[:SHOWN_VALUES]
        text = ", ".join(f"{value} {count}" for value, count in shown)
        if len(values) > SHOWN_VALUES:
            text += f", … ({len(values) - SHOWN_VALUES} more)"
        rows.append([key, sum(values.values()), text])
    table = render_table(("key", "count", "values"), rows)
    return f"{title}\n{table}"
