"""``ango-convert diff``: what changed between two datasets, object by object."""

from __future__ import annotations

from pathlib import Path

import click
import orjson

from ango_convert.cli.options import FormatName, parse_pairs
from ango_convert.cli.view_inputs import (
    format_of,
    read_input,
    reading_options,
    split_pairs,
    tell_diagnostics,
)
from ango_convert.errors import EXIT_DIFFERENT
from ango_convert.report import Diagnostics


@click.command()
@click.argument("first", type=click.Path(allow_dash=True, path_type=Path))
@click.argument("second", type=click.Path(allow_dash=True, path_type=Path))
@click.option(
    "--iou",
    type=click.FloatRange(0.0, 1.0, min_open=True),
    default=0.5,
    show_default=True,
    help="Least IoU at which two objects are the same object.",
)
@click.option(
    "--tolerance",
    type=click.FloatRange(min=0.0),
    default=0.01,
    show_default=True,
    help="Pixels a coordinate may move and still count as unchanged.",
)
@reading_options
@click.option(
    "--from-b", "from_format_b", type=FormatName(), help="B's format, when it differs from --from."
)
@click.option(
    "-A",
    "a_pairs",
    multiple=True,
    metavar="KEY=VALUE",
    help="A reader option for A only (-R goes to every input that takes it).",
)
@click.option(
    "-B", "b_pairs", multiple=True, metavar="KEY=VALUE", help="A reader option for B only."
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
@click.pass_context
def diff(
    ctx: click.Context,
    first: Path,
    second: Path,
    iou: float,
    tolerance: float,
    from_format: str | None,
    read_pairs: tuple[str, ...],
    on_error: str,
    from_format_b: str | None,
    a_pairs: tuple[str, ...],
    b_pairs: tuple[str, ...],
    as_json: bool,
) -> None:
    """Measure what changed from dataset FIRST (A) to SECOND (B), in any readable formats.

    Items are paired by file name (as the sources give them), then, among the items
    left, by item id. Objects are matched per item by IoU, highest first: within a class
    first, then across classes (relabelled). Each object of A is unchanged (no coordinate
    moved more than --tolerance), moved (the largest change is shown), relabelled or
    removed; objects of B left unmatched are added. Classes are compared by name,
    keypoints by keypoint name; attributes are not compared.

    kept/A is the share of A's objects kept in their class (pre-labels kept), kept/B the
    share of B's objects that come from A (objects pre-drawn).

    --from names A's format and B's unless --from-b is given; both are detected when
    left out. Exit code 0 when the datasets are equal, 10 when they differ.

    \b
    Examples:
      ango-convert diff coco.json yolo/data.yaml             # check a conversion
      ango-convert diff payload.json export.json --from ango --from-b ango-v3
    """
    from ango_convert.views.diff import diff as measure
    from ango_convert.views.diff_text import format_diff

    format_a = format_of(first, from_format)
    format_b = format_of(second, from_format_b or from_format)
    shared_a, shared_b = split_pairs(read_pairs, [format_a, format_b])
    diagnostics = Diagnostics()
    datasets = [
        read_input(
            path,
            name,
            {**shared, **parse_pairs(own, flag)},
            on_error=on_error,
            images_dir=None,
            diagnostics=diagnostics,
        )
        for path, name, shared, own, flag in (
            (first, format_a, shared_a, a_pairs, "-A"),
            (second, format_b, shared_b, b_pairs, "-B"),
        )
    ]
    report = measure(datasets[0], datasets[1], iou=iou, tolerance=tolerance)
    tell_diagnostics(diagnostics, quiet=(ctx.obj or {}).get("verbosity", 0) < 0)
    if as_json:
        document = {
            "first": {"source": str(first), "format": format_a},
            "second": {"source": str(second), "format": format_b},
            **report.to_dict(),
            "skipped_input": len(diagnostics.skipped_input),
        }
        click.echo(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())
    else:
        click.echo(format_diff(report, f"{first} ({format_a})", f"{second} ({format_b})"), nl=False)
    if not report.equal:
        ctx.exit(EXIT_DIFFERENT)
