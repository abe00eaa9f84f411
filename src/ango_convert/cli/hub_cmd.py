"""``ango-convert upload``, ``attach`` and ``export``: the Ango Hub commands.

The API key comes from ``--api-key``, ``ANGO_API_KEY`` or a config file (see
:mod:`ango_convert.hub.config`) and is never printed. Errors exit with the codes in
:mod:`ango_convert.errors`: 7 Hub error, 8 key refused or missing, 9 Hub unreachable.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from ango_convert import api, registry
from ango_convert.cli.hub_common import (
    DownloadProgress,
    batch_options,
    hub_options,
    make_client,
    run_batches,
)
from ango_convert.cli.label_checks import LabelChecks, check_outcome, outcome_options
from ango_convert.cli.live_ontology import is_live, live_ontology
from ango_convert.cli.options import FormatName, jobs_option, mapping_options, route_options
from ango_convert.hub import attachments as att
from ango_convert.hub import brush_upload as brushes
from ango_convert.hub import upload as up
from ango_convert.hub.export import ExportOptions, data_file, download_export, request_export
from ango_convert.io.inputs import load_json
from ango_convert.io.overlap import refuse_overlap

logger = logging.getLogger(__name__)


# --- upload ------------------------------------------------------------------------------


@click.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--from",
    "from_format",
    type=FormatName(),
    help="Read SOURCE as this dataset format and convert it (detected if left out).",
)
@click.option("--no-validate", is_flag=True, help="Skip the schema check before sending.")
@outcome_options
@batch_options
@hub_options
@mapping_options
@click.pass_context
def upload(
    ctx: click.Context, /, source: Path, from_format: str | None, no_validate: bool, **options: Any
) -> None:
    """Upload labels from SOURCE to an Ango Hub project (POST /v2/import/labels).

    SOURCE is a label payload (the seed's {project, labels}, a flat list, or the SDK's
    {project, jsonContent}) or any dataset the toolkit reads, converted on the fly with
    the same mapping flags as `convert`. A rerun with the same journal sends only what
    the server has not confirmed. Hub's answer says how many tasks each batch labelled;
    fewer than were sent exits 11 (records whose asset does not exist), unless
    --allow-unlabelled.

    \b
    Examples:
      ango-convert upload payload.json --project 507f1f77bcf86cd799439011
      ango-convert upload annotations.json --project 507f... --schema-map map.json
      ango-convert upload payload.json --dry-run
      ango-convert upload payload.json --check-assets --allow-unlabelled
      ango-convert upload coco.json --project 507f... --ontology hub
    """
    if is_live(options["ontology"]):
        options["ontology"] = live_ontology(ctx, options["ontology"], options["project"], options)
    # A dataset is converted into this folder, which also holds its brush mask PNGs
    # until they are uploaded.
    with tempfile.TemporaryDirectory(prefix="ango-upload.") as folder:
        payload, document, base = _load_labels(source, from_format, options, Path(folder))
        project = _project(options["project"], payload.project)
        if not no_validate:
            _validate(document, up.SCHEMA_OF_SHAPE[payload.shape], str(source))
        _send_brushes(payload.records, base, source, project, options)

        def body(batch: Sequence[up.Record]) -> Any:
            return up.label_body(project, batch, options["wire"])

        quiet = (ctx.obj or {}).get("verbosity", 0) < 0
        checks = LabelChecks(project, options["check_assets"], quiet)
        report = run_batches(
            ctx, source, payload.records, body, up.LABELS_PATH, "labels", project, options, checks
        )
    check_outcome(report, options["allow_unlabelled"], checks.earlier)


def _send_brushes(
    records: list[up.Record], base: Path, source: Path, project: str, options: dict[str, Any]
) -> None:
    """Upload the brush mask PNGs the labels name by local path (see ``hub.brush_upload``)."""
    indices = brushes.local_brushes(records)
    if not indices:
        return
    if options["dry_run"]:
        for index in indices:
            brushes.brush_file(base, records[index]["brushDataUrl"], str(source), index)
        click.echo(f"dry run: {len(indices)} brush mask PNG(s) would be uploaded first")
        return
    client = make_client(
        options["api_key"], options["host"], options["config_path"], options["timeout"]
    )
    with client:
        count = brushes.upload_brushes(client, project, records, base, str(source))
    logger.info("uploaded %d brush mask PNG(s)", count)


def _load_labels(
    source: Path, from_format: str | None, options: dict[str, Any], folder: Path
) -> tuple[up.Payload, Any, Path]:
    """The payload, its parsed document, and the folder its local brush PNGs are in."""
    document = None
    base = source.parent
    if from_format is None and source.is_file():
        document = _maybe_payload(source)
        if document is not None:
            _refuse_mapping_flags(options)
    if document is None:
        document = _convert(source, from_format, options, folder)
        base = folder
    return up.parse_payload(document, str(source)), document, base


def _maybe_payload(source: Path) -> Any:
    with source.open("rb") as stream:
        head = stream.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] not in (b"{", b"["):
        return None
    document = load_json(source)
    return document if up.payload_shape(document) is not None else None


def _refuse_mapping_flags(options: dict[str, Any]) -> None:
    names = ("schema_map", "ontology", "title_only", "external_id", "images_dir", "on_unsupported")
    given = [name for name in names if options.get(name)]
    if given or options.get("read_pairs") or options.get("write_pairs"):
        flags = ", ".join("--" + name.replace("_", "-") for name in given) or "-R/-W"
        raise click.UsageError(f"{flags}: SOURCE is already a label payload; nothing to map")


def _convert(source: Path, from_format: str | None, options: dict[str, Any], folder: Path) -> Any:
    if not options["project"]:
        raise click.UsageError("converting a dataset for upload needs --project")
    name = from_format or api.detect(source)
    reader = registry.get_format(name).reader()
    writer = registry.get_format("ango").writer()
    names = ("schema_map", "ontology", "title_only", "external_id", "images_dir", "on_unsupported")
    shorthands = {key: options[key] for key in names} | {"project": options["project"]}
    read_options, write_options = route_options(
        reader, writer, shorthands, options["read_pairs"], options["write_pairs"]
    )
    dataset = api.read(source, name, **read_options)
    target = folder / "payload.json"
    report = api.write(dataset, target, "ango", **write_options)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    return load_json(target)


def _project(given: str | None, in_file: str | None) -> str:
    if given and in_file and given != in_file:
        logger.warning("using --project %s, not the file's project %s", given, in_file)
    project = given or in_file
    if not project:
        raise click.UsageError("--project is required (the file names no project)")
    return project


def _validate(document: Any, schema: str, source: str) -> None:
    from ango_convert import validation

    try:
        validation.validate(document, schema, source=source)
    except FileNotFoundError:
        # The schema ships with the package; a partial install must not block uploads.
        logger.warning("schema %s is not installed; sending without the schema check", schema)


# --- attach ------------------------------------------------------------------------------


@click.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@batch_options
@hub_options
@click.pass_context
def attach(ctx: click.Context, /, source: Path, **options: Any) -> None:
    """Import attachments from SOURCE into an Ango Hub project (POST /v2/attachments).

    SOURCE is JSON (the seed's {project, attachments: [{externalId|assetId,
    attachmentUrl, attachmentType}]} or the SDK's {attachments: [{externalId,
    attachments: [{type, value}]}]}) or CSV with columns externalId|assetId, url, type.

    \b
    Examples:
      ango-convert attach attachments.csv --project 507f1f77bcf86cd799439011
      ango-convert attach attachments.json --wire sdk
    """
    items, in_file = att.load_attachments(source)
    project = _project(options["project"], in_file)
    _validate(att.attachments_body(project, items, "seed"), "ango-attachments", str(source))

    def body(batch: Sequence[up.Record]) -> Any:
        return att.attachments_body(project, batch, options["wire"])

    records: list[up.Record] = [dict(item) for item in items]
    run_batches(ctx, source, records, body, att.ATTACHMENTS_PATH, "attachments", project, options)


# --- export ------------------------------------------------------------------------------


@click.command()
@click.option("--project", required=True, help="Ango project id.")
@click.option(
    "-o",
    "--output",
    "target",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to save the export (.json, .ndjson or .zip).",
)
@click.option("--v3", is_flag=True, help="Call /v2/exportV3 instead of /v2/export.")
@click.option(
    "--wire",
    type=click.Choice(["seed", "sdk"]),
    default="seed",
    show_default=True,
    help="Query: the API page's (seed) or the SDK's (sdk: GET /v2/export with every "
    "ExportOptions default; --status names the stage).",
)
@click.option(
    "--format",
    "export_format",
    type=click.Choice(["json", "ndjson", "split"]),
    help="Export encoding the server should produce.",
)
@click.option("--status", help="Only tasks with this status (such as Completed).")
@click.option("--batches", help="Only these batches, comma-separated.")
@click.option("--include-assets/--no-include-assets", default=None, help="Include asset URLs.")
@click.option("--include-history/--no-include-history", default=None, help="Include task history.")
@click.option("--include-metadata/--no-include-metadata", default=None, help="Include metadata.")
@click.option("--to", "to_format", type=FormatName(), help="Also convert to this format.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Output of --to: a folder (or a file name, for single-file formats such as coco).",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing --out folder.")
@jobs_option
@click.option(
    "--download-images",
    is_flag=True,
    help="With --to: also download the images behind the asset URLs (into --images, else "
    "OUT.images; resumable) and copy them into the dataset. YOLO and VOC need them (or "
    "-W images=none for labels only).",
)
@hub_options
@mapping_options
@click.pass_context
def export(
    ctx: click.Context,
    /,
    project: str,
    target: Path,
    to_format: str | None,
    out_dir: Path | None,
    **options: Any,
) -> None:
    """Export PROJECT from Ango Hub to --output, and optionally convert it (--to, --out).

    \b
    Examples:
      ango-convert export --project 507f1f77bcf86cd799439011 -o export.json
      ango-convert export --project 507f... -o export.json --to yolo --out dataset/ \\
          --download-images
      ango-convert export --project 507f... -o export.zip --wire sdk --status Complete
    """
    if (to_format is None) != (out_dir is None):
        raise click.UsageError("--to and --out go together")
    if options["download_images"] and to_format is None:
        raise click.UsageError("--download-images goes with --to and --out")
    if out_dir is not None:
        refuse_overlap(out_dir, [target])
    if is_live(options["ontology"]):
        options["ontology"] = live_ontology(ctx, options["ontology"], project, options)
    quiet = (ctx.obj or {}).get("verbosity", 0) < 0
    choice = _export_options(options)
    progress = DownloadProgress(quiet)
    with make_client(
        options["api_key"], options["host"], options["config_path"], options["timeout"]
    ) as client:
        url = request_export(client, project, choice)
        try:
            saved = download_export(client, url, target, progress)
        finally:
            progress.close()
    if not quiet:
        click.echo(
            f"saved {saved.kind} export, {saved.records} asset record(s), "
            f"{saved.size} bytes, to {saved.path}",
            err=True,
        )
    if to_format is not None and out_dir is not None:
        _convert_export(saved, to_format, out_dir, options, quiet)


def _export_options(options: dict[str, Any]) -> ExportOptions:
    batches = tuple(b.strip() for b in (options["batches"] or "").split(",") if b.strip())
    return ExportOptions(
        v3=options["v3"],
        format=options["export_format"],
        status=options["status"],
        batches=batches,
        include_assets=options["include_assets"],
        include_history=options["include_history"],
        include_metadata=options["include_metadata"],
        wire=options["wire"],
    )


def _output_for(to_format: str, out_dir: Path) -> Path:
    """``--out`` as the writer wants it: a single-file format given a folder (or a name
    without a suffix) writes ``annotations.json`` inside it."""
    if registry.get_format(to_format).output_is_dir:
        return out_dir
    if out_dir.is_dir() or not out_dir.suffix:
        return out_dir / "annotations.json"
    return out_dir


def _convert_export(
    saved: Any, to_format: str, out_dir: Path, options: dict[str, Any], quiet: bool
) -> None:
    from ango_convert.cli.options import emit_report, jobs_wanted

    with data_file(saved) as path:
        name = api.detect(path)
        reader = registry.get_format(name).reader()
        writer = registry.get_format(to_format).writer()
        names = (
            "schema_map",
            "ontology",
            "title_only",
            "external_id",
            "images_dir",
            "on_unsupported",
            "overwrite",
        )
        shorthands = {key: options.get(key) for key in names}
        read_options, write_options = route_options(
            reader, writer, shorthands, options["read_pairs"], options["write_pairs"]
        )
        report = api.convert(
            path,
            _output_for(to_format, out_dir),
            to=to_format,
            from_format=name,
            read_options=read_options,
            write_options=write_options,
            jobs=jobs_wanted(options.get("jobs")),
            download_images=options["download_images"],
        )
    emit_report(report, None, quiet)
