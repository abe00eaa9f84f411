"""``ango-convert preview``: annotations drawn over their images, with a contact sheet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ango_convert.cli.options import parse_pairs
from ango_convert.cli.view_inputs import format_of, read_input, reading_options, tell_diagnostics
from ango_convert.errors import ConversionError
from ango_convert.report import Diagnostics


class SampleSize(click.ParamType):  # type: ignore[type-arg]
    """A positive number of items, or ``all``."""

    name = "N|all"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> int | None:
        if value is None or value == "all":
            return None
        if isinstance(value, int):
            number = value
        elif isinstance(value, str) and value.isascii() and value.isdigit():
            number = int(value)
        else:
            self.fail(f"expected a number of items or 'all', got {value!r}", param, ctx)
        if number < 1:
            self.fail("the sample needs at least 1 item (or 'all')", param, ctx)
        return number


@click.command()
@click.argument("source", type=click.Path(allow_dash=True, path_type=Path))
@click.option(
    "-o",
    "--output",
    "target",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write: images/ and index.html.",
)
@click.option(
    "--images",
    "images_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder with the images (found by file name, then by base name).",
)
@click.option(
    "--sample",
    type=SampleSize(),
    default="100",
    show_default=True,
    help="Draw this many items picked at random, or 'all'.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="The sample's seed.")
@click.option(
    "--download-images",
    is_flag=True,
    help="Ango exports: fetch the images of the items drawn from the asset URLs (only "
    "with this flag: they are signed and expire). Nothing is sent but the URL.",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing output folder.")
@reading_options
@click.pass_context
def preview(
    ctx: click.Context,
    source: Path,
    target: Path,
    images_dir: Path | None,
    sample: int | None,
    seed: int,
    download_images: bool,
    overwrite: bool,
    from_format: str | None,
    read_pairs: tuple[str, ...],
    on_error: str,
) -> None:
    """Draw SOURCE's annotations over its images into a folder, with index.html.

    Boxes, rotated boxes, polygons (holes shown), masks, polylines, points and keypoints
    with their skeleton, each labelled with its class, one colour per class. Images come
    from --images, from the paths the reader found, or, for Ango exports and with
    --download-images, from the asset URLs; an item without one is drawn on a blank
    canvas. index.html opens from the disk, with no server and no script.

    \b
    Examples:
      ango-convert preview samples/coco/annotations.json -o preview/ --images photos/
      ango-convert preview export.ndjson -o preview/ --sample 50 --seed 1 --download-images
    """
    from ango_convert.views.preview import preview as draw
    from ango_convert.views.preview import require_pillow

    require_pillow()  # before reading a large input for nothing
    format_name = format_of(source, from_format)
    remote = None
    if download_images:
        from ango_convert.hub.images import EXPORT_FORMATS
        from ango_convert.views.preview.remote import ExportImages

        if format_name not in EXPORT_FORMATS:
            raise ConversionError(
                f"--download-images works on Ango exports ({', '.join(EXPORT_FORMATS)}), "
                f"not {format_name!r}"
            )
        remote = ExportImages(source)
    diagnostics = Diagnostics()
    dataset = read_input(
        source,
        format_name,
        parse_pairs(read_pairs, "-R"),
        on_error=on_error,
        images_dir=images_dir,
        diagnostics=diagnostics,
    )
    report = draw(
        dataset,
        target,
        images_dir=images_dir,
        sample=sample,
        seed=seed,
        remote=remote,
        overwrite=overwrite,
        title=str(source),
    )
    quiet = (ctx.obj or {}).get("verbosity", 0) < 0
    tell_diagnostics(diagnostics, quiet=quiet)
    if not quiet:
        click.echo(report.summary(), err=True)
