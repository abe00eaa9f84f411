"""``ango-convert stats``: what a dataset holds, as a table or as JSON."""

from __future__ import annotations

from pathlib import Path

import click
import orjson

from ango_convert.cli.options import parse_pairs
from ango_convert.cli.view_inputs import format_of, read_input, reading_options, tell_diagnostics
from ango_convert.report import Diagnostics


@click.command()
@click.argument("source", type=click.Path(allow_dash=True, path_type=Path))
@reading_options
@click.option(
    "--images",
    "images_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder with the images, for readers that take image sizes from them.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON on stdout.")
@click.pass_context
def stats(
    ctx: click.Context,
    source: Path,
    from_format: str | None,
    read_pairs: tuple[str, ...],
    on_error: str,
    images_dir: Path | None,
    as_json: bool,
) -> None:
    """Count what SOURCE holds, in any readable format (Ango exports are streamed).

    Items and items without objects; objects per class and per kind; objects per item
    (min, median, max); object sizes relative to the image; objects outside, overhanging
    or on the edge of the image; degenerate geometry; attribute and classification
    values.

    \b
    Examples:
      ango-convert stats samples/coco/annotations.json
      ango-convert stats export.ndjson --json > stats.json
    """
    from ango_convert.views.stats import stats as count
    from ango_convert.views.stats_text import format_stats

    format_name = format_of(source, from_format)
    diagnostics = Diagnostics()
    dataset = read_input(
        source,
        format_name,
        parse_pairs(read_pairs, "-R"),
        on_error=on_error,
        images_dir=images_dir,
        diagnostics=diagnostics,
    )
    figures = count(dataset)
    tell_diagnostics(diagnostics, quiet=(ctx.obj or {}).get("verbosity", 0) < 0)
    if as_json:
        document = {
            "source": str(source),
            "format": format_name,
            **figures.to_dict(),
            "skipped_input": len(diagnostics.skipped_input),
        }
        click.echo(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())
    else:
        click.echo(format_stats(figures, f"{source} ({format_name})"), nl=False)
