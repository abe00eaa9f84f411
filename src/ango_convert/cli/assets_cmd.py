"""``ango-convert assets``: create a project's assets from image URLs.

``POST /v2/project/{id}/cloud`` as the SDK's ``upload_files_cloud`` sends it, in batches,
retried, with the upload's resume journal: a rerun after a kill sends only the assets
the server has not confirmed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any, cast
from urllib.parse import quote

import click

from ango_convert import api
from ango_convert.cli.hub_common import batch_options, hub_options, run_batches
from ango_convert.cli.options import FormatName, parse_pairs
from ango_convert.errors import ConversionError
from ango_convert.hub import asset_import as ai
from ango_convert.hub import upload as up
from ango_convert.io.inputs import load_json
from ango_convert.model import Dataset


@click.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--from",
    "from_format",
    type=FormatName(),
    help="Read SOURCE as this dataset format (default: an asset list if it is one, else "
    "a dataset of the detected format).",
)
@click.option(
    "--url-base",
    metavar="URL",
    help="For a dataset: each image's URL is URL/<file name> (file names that already are "
    "URLs are used as they are).",
)
@click.option(
    "--external-id",
    type=click.Choice(["name", "basename", "stem"]),
    default="name",
    show_default=True,
    help="For a dataset: externalId from the file name as given, its base name, or stem.",
)
@click.option(
    "--batch",
    "batch_ids",
    multiple=True,
    metavar="ID",
    help="Put every asset in this Hub batch (its id; repeat for more).",
)
@click.option("--priority", type=int, default=0, show_default=True, help="Task priority.")
@click.option(
    "-R",
    "--read-option",
    "read_pairs",
    multiple=True,
    metavar="KEY=VALUE",
    help="A reader option for a dataset SOURCE (see `ango-convert formats -v`).",
)
@batch_options
@hub_options
@click.pass_context
def assets(ctx: click.Context, /, source: Path, **options: Any) -> None:
    """Create assets in an Ango Hub project from image URLs (POST /v2/project/ID/cloud).

    SOURCE is an asset list, CSV (header: data or url, and optionally externalId, width,
    height, batches separated by ;) or JSON ([{data, externalId, metadata: {width,
    height}}] or {assets: [...]}); or any dataset the toolkit reads, whose images are
    URLs or are mapped to --url-base, with externalIds and sizes from the dataset. The
    body is the SDK's whatever --wire says. A rerun with the same journal sends only
    what the server has not confirmed.

    \b
    Examples:
      ango-convert assets urls.csv --project 507f1f77bcf86cd799439011
      ango-convert assets coco.json --project 507f... --url-base https://bucket.example/img
      ango-convert assets list.json --project 507f... --batch 65a1... --batch-size 200
    """
    project = options["project"]
    if not project:
        raise click.UsageError("--project is required")
    records = _load(source, options)
    path = ai.cloud_path(project, options["batch_ids"])
    priority = options["priority"]

    def body(batch: Sequence[up.Record]) -> Any:
        return ai.cloud_body(batch, priority=priority)

    run_batches(ctx, source, records, body, path, "assets", project, options)


def _load(source: Path, options: dict[str, Any]) -> list[up.Record]:
    from_format = options["from_format"]
    if from_format is None and source.is_file():
        if source.suffix.lower() in (".csv", ".tsv"):
            return ai.load_asset_list(source)
        if source.suffix.lower() == ".json" and ai.is_asset_list(load_json(source)):
            return ai.load_asset_list(source)
    read_options: dict[str, Any] = parse_pairs(options["read_pairs"], "-R")
    dataset = api.read(source, from_format, **read_options)
    return from_dataset(dataset, options["url_base"], options["external_id"])


def from_dataset(dataset: Dataset, url_base: str | None, external_id: str) -> list[up.Record]:
    """One asset per item: URL from the file name (or ``url_base``), size from the item.

    Raises:
        ConversionError: An item's file name is not a URL and no ``url_base`` was given.
    """
    from ango_convert.formats.ango.write import ExternalId, external_id_for

    mode = cast(ExternalId, external_id)  # click.Choice allows only its three values

    base = url_base.rstrip("/") + "/" if url_base else None
    records: list[up.Record] = []
    no_url = []
    for item in dataset.items:
        name = item.file_name
        if name.startswith(("https://", "http://")):
            url = name
        elif base is not None:
            url = base + quote(PurePosixPath(name.replace("\\", "/")).as_posix())
        else:
            no_url.append(name)
            continue
        key = external_id_for(item, mode)
        records.append(ai.make_asset(url, key, item.width, item.height))
    if no_url:
        shown = ", ".join(repr(name) for name in no_url[:5])
        raise ConversionError(
            f"{len(no_url)} image(s) are not URLs ({shown}...): give --url-base URL"
        )
    return records
