"""``DiffReport`` as a readable report for the terminal."""

from __future__ import annotations

import math

from ango_convert.views.diff import OUTCOMES, DiffReport
from ango_convert.views.table import Cell, cell_text, printable, render_table

#: Examples listed in the text report (``--json`` has up to MAX_EXAMPLES per outcome).
SHOWN_EXAMPLES = 10


def format_diff(report: DiffReport, first: str, second: str) -> str:
    """The report: a verdict line, items, the per-class table and some examples."""
    verdict = (
        "equal: every object unchanged"
        if report.equal
        else "differ: " + ", ".join(f"{report.total(o)} {o}" for o in OUTCOMES[1:])
    )
    lines = [
        f"A: {first}",
        f"B: {second}",
        f"matched at IoU >= {cell_text(report.iou)}; unchanged within "
        f"{cell_text(report.tolerance)} px",
        "",
        verdict,
        f"items: {report.items_paired} paired, {report.items_only_first} only in A, "
        f"{report.items_only_second} only in B",
    ]
    rows: list[list[Cell]] = [
        [
            row.name,
            row.first,
            row.second,
            row.unchanged,
            row.moved,
            row.relabelled_away,
            row.relabelled_into,
            row.removed,
            row.added,
            row.precision,
            row.recall,
            _change(row.largest_change) if row.moved else None,
        ]
        for row in report.classes.values()
        if row.first or row.second
    ]
    rows.append(
        [
            "(all)",
            sum(row.first for row in report.classes.values()),
            sum(row.second for row in report.classes.values()),
            report.total("unchanged"),
            report.total("moved"),
            report.total("relabelled"),
            report.total("relabelled"),
            report.total("removed"),
            report.total("added"),
            None,
            None,
            None,
        ]
    )
    headers = (
        "class",
        "A",
        "B",
        "unchanged",
        "moved",
        "relabelled out",
        "in",
        "removed",
        "added",
        "kept/A",
        "kept/B",
        "largest move px",
    )
    lines += ["", render_table(headers, rows)]
    if report.relabellings:
        lines += ["", "relabelled (A -> B)"]
        lines += [
            f"  {printable(a)} -> {printable(b)}: {n}"
            for (a, b), n in sorted(report.relabellings.items())
        ]
    shown = [example for example in report.examples][:SHOWN_EXAMPLES]
    if shown:
        lines += ["", "examples"]
        lines += [f"  {_example(example)}" for example in shown]
    return "\n".join(lines) + "\n"


def _change(value: float) -> Cell:
    return value if math.isfinite(value) else "keypoints"


def _example(example: dict[str, object]) -> str:
    details = ", ".join(
        f"{key} {cell_text(value) if isinstance(value, (int, float)) else value}"
        for key, value in example.items()
        if key not in ("outcome", "item") and value is not None
    )
    item = repr(example["item"])
    return printable(f"{example['outcome']}: {item}" + (f" ({details})" if details else ""))
