"""The contact sheet: a static ``index.html`` beside the drawn images.

It opens from the disk, with no server: links are relative (the folder can be copied or
moved whole), every name from the data is escaped, and the page loads nothing from
outside and runs no script (its only style is inline).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

from ango_convert.views.preview.palette import RGB, hex_colour


@dataclass(frozen=True, slots=True)
class SheetEntry:
    """One drawn item on the sheet."""

    image: str  # the drawn file, relative to the sheet (a POSIX path)
    name: str  # the item's file name as the source gives it
    objects: int
    classes: tuple[str, ...]
    note: str | None  # why the image is missing, when it is


_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;background:#fafafa;color:#222}
h1{font-size:1.3em;margin:0 0 .3em}
.legend span{display:inline-block;margin:0 .8em .3em 0;white-space:nowrap}
.legend i{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:-.1em;
border:1px solid #0003}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:1em}
figure{margin:0;background:#fff;border:1px solid #ddd;padding:.5em}
figure img{width:100%;height:auto;display:block}
figcaption{margin-top:.4em;word-break:break-all}
.note{color:#a33}
"""


def render_sheet(
    title: str,
    summary: str,
    entries: Iterable[SheetEntry],
    colours: Mapping[str, RGB],
) -> str:
    """The whole ``index.html``.

    Args:
        title: What was previewed (the input's name).
        summary: One line: how many items were drawn, of how many, and how picked.
        entries: The drawn items, in order.
        colours: Each class's colour, for the legend.
    """
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>Preview: {html.escape(title)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Preview: {html.escape(title)}</h1>",
        f"<p>{html.escape(summary)}</p>",
        '<p class="legend">',
    ]
    for name, colour in colours.items():
        parts.append(
            f'<span><i style="background:{hex_colour(colour)}"></i>{html.escape(name)}</span>'
        )
    parts.append('</p><div class="grid">')
    parts.extend(_figure(entry) for entry in entries)
    parts.append("</div></body></html>\n")
    return "\n".join(parts)


def _figure(entry: SheetEntry) -> str:
    href = html.escape(quote(entry.image), quote=True)
    name = html.escape(entry.name)
    classes = f": {html.escape(', '.join(entry.classes))}" if entry.classes else ""
    note = f'<br><span class="note">{html.escape(entry.note)}</span>' if entry.note else ""
    count = f"{entry.objects} object{'' if entry.objects == 1 else 's'}"
    return (
        f'<figure><a href="{href}"><img src="{href}" alt="{name}" loading="lazy"></a>'
        f"<figcaption>{name}<br>{count}{classes}{note}</figcaption></figure>"
    )
