"""``ango-convert convert``: any readable format to any writable one, through the IR."""

from __future__ import annotations

from pathlib import Path

import click

from ango_convert import api, registry
from ango_convert.cli.live_ontology import is_live, live_ontology
from ango_convert.cli.options import (
    FormatName,
    emit_report,
    jobs_option,
    jobs_wanted,
    mapping_options,
    route_options,
)
from ango_convert.io.overlap import refuse_overlap


@click.command()
@click.argument("source", type=click.Path(allow_dash=True, path_type=Path))
@click.option(
    "-o",
    "--output",
    "target",
    required=True,
    type=click.Path(allow_dash=True, path_type=Path),
    help="Output file or folder; - for stdout where the format is one file.",
)
@click.option("--to", "to_format", required=True, type=FormatName(), help="Output format.")
@click.option(
    "--from", "from_format", type=FormatName(), help="Input format (detected if left out)."
)
@click.option("--project", help="Ango project id for the payload's project field.")
@click.option("--no-validate", is_flag=True, help="Skip the schema check of what is written.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output folder.")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the full report (skipped, approximated, warnings) as JSON.",
)
@click.option(
    "--download-images",
    is_flag=True,
    help="Ango exports: first download the images behind the asset URLs (into --images, "
    "else OUTPUT.images; resumable) and use them for sizes and copying. Only with this "
    "flag, since asset URLs are signed and expire.",
)
@click.option(
    "--masks",
    "masks_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Ango exports: folder of brush mask PNGs, named as the last path segment of each "
    "brushDataUrl (with --ontology for the brush tools' colours).",
)
@click.option(
    "--brush-url-base",
    metavar="URL",
    help="Ango payloads: labels carry brushDataUrl=URL/<png> for the brush mask PNGs "
    "written beside the payload (OUTPUT.brushes), which you host at URL.",
)
@click.option(
    "--on-error",
    type=click.Choice(["strict", "skip"]),
    default="strict",
    show_default=True,
    help="skip: convert what reads and list each unreadable annotation, label line, XML "
    "file or record (file, place, reason) in the report instead of stopping.",
)
@click.option(
    "--task",
    type=click.Choice(["detect", "segment", "obb", "pose"]),
    help="YOLO: the task to write. Left out, the task that holds the most objects "
    "exactly is chosen (and named), or the run refuses with the counts per kind.",
)
@jobs_option
@mapping_options
@click.pass_context
def convert(
    ctx: click.Context,
    source: Path,
    target: Path,
    to_format: str,
    from_format: str | None,
    project: str | None,
    no_validate: bool,
    overwrite: bool,
    report_path: Path | None,
    download_images: bool,
    masks_dir: Path | None,
    brush_url_base: str | None,
    on_error: str,
    task: str | None,
    jobs: int | None,
    schema_map: Path | None,
    ontology: Path | None,
    title_only: bool,
    external_id: str | None,
    images_dir: Path | None,
    on_unsupported: str | None,
    read_pairs: tuple[str, ...],
    write_pairs: tuple[str, ...],
) -> None:
    """Convert SOURCE into format --to, written to --output.

    \b
    Examples:
      ango-convert convert samples/coco/annotations.json --to ango -o payload.json \\
          --schema-map samples/coco/schema_map.json --project 507f1f77bcf86cd799439011
      ango-convert convert export.ndjson --to yolo -o dataset/
      ango-convert convert coco.json --to ango -o payload.json --project 507f... --ontology hub
    """
    if report_path is not None:  # checked first: the report is written last
        refuse_overlap(report_path, [source, target, schema_map, ontology, images_dir])
    if from_format is None and str(source) != "-":
        from_format = api.detect(source)
    elif from_format is None:
        raise click.UsageError("reading stdin needs --from")
    reader = registry.get_format(from_format).reader()
    writer = registry.get_format(to_format).writer()
    if is_live(ontology):
        ontology = live_ontology(ctx, ontology, project)
    shorthands = {
        "schema_map": schema_map,
        "ontology": ontology,
        "title_only": title_only,
        "external_id": external_id,
        "images_dir": images_dir,
        "masks_dir": masks_dir,
        "brush_url_base": brush_url_base,
        "on_unsupported": on_unsupported,
        "project": project,
        "overwrite": overwrite,
        "on_error": on_error if on_error != "strict" else None,
        "task": task,
    }
    read_options, write_options = route_options(reader, writer, shorthands, read_pairs, write_pairs)
    if no_validate and "validate" in {o.name for o in registry.options_of(writer)}:
        write_options["validate"] = False
    report = api.convert(
        source,
        target,
        to=to_format,
        from_format=from_format,
        read_options=read_options,
        write_options=write_options,
        download_images=download_images,
        jobs=jobs_wanted(jobs),
    )
    emit_report(report, report_path, quiet=(ctx.obj or {}).get("verbosity", 0) < 0)
