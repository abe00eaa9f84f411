"""Plain-text tables for the terminal: columns padded, numbers right-aligned."""

from __future__ import annotations

from collections.abc import Sequence

Cell = str | int | float | None


def cell_text(value: Cell) -> str:
    """A cell as text: ``-`` for nothing, floats to three significant decimals."""
    if value is None:
        return "-"
    if isinstance(value, float):
        if value == int(value):
            return f"{value:.0f}"
        if abs(value) < 0.001:
            return f"{value:.2g}"
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return str(value)


def render_table(headers: Sequence[str], rows: Sequence[Sequence[Cell]], indent: str = "  ") -> str:
    """Lay out rows under headers: columns of numbers right-aligned, text left-aligned.

    Text from the data (class names) is printed with control characters escaped, so a
    hostile name cannot move the cursor or clear the terminal.
    """
    texts = [[printable(cell_text(cell)) for cell in row] for row in rows]
    widths = [len(header) for header in headers]
    for row in texts:
        for index, text in enumerate(row):
            widths[index] = max(widths[index], len(text))
    numeric = [
        all(isinstance(row[index], (int, float)) or row[index] is None for row in rows)
        for index in range(len(headers))
    ]
    lines = [_line(list(headers), widths, numeric, indent)]
    lines.extend(_line(row, widths, numeric, indent) for row in texts)
    return "\n".join(lines)


def _line(cells: list[str], widths: list[int], numeric: list[bool], indent: str) -> str:
    parts = [
        text.rjust(width) if right else text.ljust(width)
        for text, width, right in zip(cells, widths, numeric, strict=True)
    ]
    return (indent + "  ".join(parts)).rstrip()


def printable(text: str) -> str:
    """``text`` with control characters escaped (names from data reach the terminal)."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)
