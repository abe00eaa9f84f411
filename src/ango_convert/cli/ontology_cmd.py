"""``ango-convert ontology``: an Ango categorySchema made from a dataset's classes, or
read from a live project (``--project``)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import click

from ango_convert import api
from ango_convert.cli.hub_common import hub_options, make_client
from ango_convert.cli.options import FormatName, parse_pairs
from ango_convert.formats.ango.encode import ISCROWD_QUESTION
from ango_convert.io.outputs import dump_json, write_bytes_atomic
from ango_convert.model import ATTR_ISCROWD, Classification, Dataset
from ango_convert.ontology import build_category_schema, tool_for


@click.command()
@click.argument("source", required=False, type=click.Path(allow_dash=True, path_type=Path))
@click.option(
    "-o",
    "--output",
    "target",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Where to write the categorySchema JSON (- for stdout).",
)
@click.option(
    "--from", "from_format", type=FormatName(), help="Input format (detected if left out)."
)
@click.option(
    "-R",
    "--read-option",
    "read_pairs",
    multiple=True,
    metavar="KEY=VALUE",
    help="A reader option (see `ango-convert formats -v`).",
)
@click.option(
    "--project",
    help="Save this Ango Hub project's categorySchema instead (GET /v2/project/ID).",
)
@hub_options
def ontology(
    source: Path | None,
    target: Path,
    from_format: str | None,
    read_pairs: tuple[str, ...],
    project: str | None,
    **hub: Any,
) -> None:
    """Write an Ango categorySchema for the classes in SOURCE, or save a project's.

    Each class gets one tool per annotation kind it uses (bounding-box, polygon,
    segmentation, point...). Pose classes get a point tool with nested `keypoint` and
    `visibility` questions and a group relation `instance`; free attributes become nested
    text questions. Create the project's ontology from it, then map with --ontology.

    With --project instead of SOURCE, the project's categorySchema is read from Ango Hub
    and saved as it is; `--ontology hub` on convert, upload and export reads it live.

    \b
    Examples:
      ango-convert ontology coco.json -o category_schema.json
      ango-convert ontology --project 507f1f77bcf86cd799439011 -o category_schema.json
    """
    if (source is None) == (project is None):
        raise click.UsageError("give SOURCE (a dataset) or --project ID, not both")
    if project is not None:
        _save_live(project, target, hub)
        return
    assert source is not None  # for mypy: checked just above
    options: dict[str, Any] = parse_pairs(read_pairs, "-R")
    dataset = api.read(source, from_format, **options)
    schema = schema_for(dataset)
    write_bytes_atomic(target, dump_json(schema, indent=True))
    click.echo(f"wrote {len(schema['tools'])} tool(s) to {target}", err=True)


def _save_live(project: str, target: Path, hub: dict[str, Any]) -> None:
    from ango_convert.hub.project import fetch_category_schema

    with make_client(hub["api_key"], hub["host"], hub["config_path"], hub["timeout"]) as client:
        schema = fetch_category_schema(client, project)
    write_bytes_atomic(target, dump_json(schema, indent=True))
    counts = ", ".join(
        f"{len(schema.get(key) or [])} {key}" for key in ("tools", "classifications", "relations")
    )
    click.echo(f"saved the categorySchema of project {project} ({counts}) to {target}", err=True)


def schema_for(dataset: Dataset) -> dict[str, Any]:
    """Collect what the dataset uses and build its categorySchema."""
    kinds: dict[int, set[str]] = defaultdict(set)
    attributes: set[str] = set()
    titles: set[str] = set()
    for item in dataset.items:
        for annotation in item.annotations:
            kinds[annotation.category_id].add(tool_for(annotation))
            attributes.update(key for key in annotation.attributes if ":" not in key)
            if annotation.attributes.get(ATTR_ISCROWD) in (1, True):
                attributes.add(ISCROWD_QUESTION)  # sent as a nested answer: keep its question
        titles.update(_titles(item.classifications))
    return build_category_schema(dataset.categories, kinds, attributes, titles)


def _titles(classifications: tuple[Classification, ...]) -> set[str]:
    return {c.title for c in classifications}
