"""Writing Ango label-import payloads: the seed's {project, labels} body and the flat list."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Any, Literal

import orjson

from ango_convert.errors import (
    ConversionError,
    SchemaValidationError,
)
from ango_convert.formats.ango.brushes import BrushPainter
from ango_convert.formats.ango.encode import AngoEncoder
from ango_convert.formats.ango.geometry import Pivot
from ango_convert.io.inputs import json_path
from ango_convert.io.outputs import atomic_file
from ango_convert.model import Dataset, Item
from ango_convert.ontology import Ontology, load_ontology
from ango_convert.report import WriteReport, count_objects

ExternalId = Literal["name", "basename", "stem"]
Shape = Literal["seed", "flat"]

logger = logging.getLogger(__name__)

MAX_LISTED = 20


def external_id_for(item: Item, mode: ExternalId = "name") -> str:
    """The externalId of an item: its file name as given, its base name, or its stem."""
    if mode == "name":
        return item.file_name
    path = PurePosixPath(item.file_name.replace("\\", "/"))
    return path.name if mode == "basename" else path.stem


def write(
    dataset: Dataset,
    target: Path,
    *,
    project: str | None = None,
    schema_map: Path | None = None,
    ontology: Path | None = None,
    title_only: bool = False,
    external_id: ExternalId = "name",
    status: str | None = None,
    rbox_pivot: Pivot = "corner",
    brush_dir: Path | None = None,
    brush_url_base: str | None = None,
    validate: bool = True,
    indent: bool = False,
) -> WriteReport:
    """Write the seed's label-import body for ``POST /v2/import/labels``.

    Args:
        dataset: What to write.
        target: Output JSON file, or ``-`` for stdout.
        project: The Ango project id for the body's ``project`` field (required).
        schema_map: JSON/YAML ``{"class name": "schemaId"}`` map.
        ontology: A project's categorySchema JSON, matched on title and tool type.
        title_only: Send unmapped classes by title instead of refusing them.
        external_id: How the externalId is made from the file name.
        status: Optional task status to set on every label (e.g. ``Completed``).
        rbox_pivot: Rotated-box pivot convention (``corner`` or ``center``).
        brush_dir: Where masks of brush classes (``brush`` tools of ``ontology``) are
            painted, one PNG per asset; default ``<target>.brushes`` beside the payload.
        brush_url_base: The URL the user hosts ``brush_dir`` at: labels then carry
            ``brushDataUrl = <base>/<png name>``; without it they carry the PNG's path
            relative to the payload, which ``ango-convert upload`` uploads to Hub.
        validate: Check every label against the bundled schema while writing.
        indent: Pretty-print the JSON.

    Returns:
        The report; unsent attributes are listed in its warnings.

    Raises:
        ConversionError: No project, unmapped classes, or colliding externalIds.
    """
    if not project:
        raise ConversionError(
            "the 'ango' payload needs a project id",
            "pass {project=ID}, or write format 'ango-flat' for the flat format without one",
        )
    return _write(
        dataset,
        target,
        "seed",
        project=project,
        schema_map=schema_map,
        ontology=ontology,
        title_only=title_only,
        external_id=external_id,
        status=status,
        rbox_pivot=rbox_pivot,
        brush_dir=brush_dir,
        brush_url_base=brush_url_base,
        validate=validate,
        indent=indent,
    )


def write_flat(
    dataset: Dataset,
    target: Path,
    *,
    schema_map: Path | None = None,
    ontology: Path | None = None,
    title_only: bool = False,
    external_id: ExternalId = "name",
    rbox_pivot: Pivot = "corner",
    brush_dir: Path | None = None,
    brush_url_base: str | None = None,
    validate: bool = True,
    indent: bool = False,
) -> WriteReport:
    """Write the flat Ango Import Format: a list of label records.

    Args are as for :func:`write`, without ``project`` and ``status``.
    """
    return _write(
        dataset,
        target,
        "flat",
        project=None,
        schema_map=schema_map,
        ontology=ontology,
        title_only=title_only,
        external_id=external_id,
        status=None,
        rbox_pivot=rbox_pivot,
        brush_dir=brush_dir,
        brush_url_base=brush_url_base,
        validate=validate,
        indent=indent,
    )


def _write(
    dataset: Dataset,
    target: Path,
    shape: Shape,
    *,
    project: str | None,
    schema_map: Path | None,
    ontology: Path | None,
    title_only: bool,
    external_id: ExternalId,
    status: str | None,
    rbox_pivot: Pivot,
    brush_dir: Path | None,
    brush_url_base: str | None,
    validate: bool,
    indent: bool,
) -> WriteReport:
    mapping = load_ontology(schema_map, ontology)
    if mapping.is_empty and not title_only:
        logger.warning("no --schema-map or --ontology: objects are sent by title only")
    encoder = AngoEncoder(dataset.categories, mapping, title_only=title_only, pivot=rbox_pivot)
    report = WriteReport(target=str(target))
    painter = _painter(dataset, mapping, target, brush_dir, brush_url_base)
    records = _records(dataset, encoder, shape, external_id, status, report, painter)
    checker = _RecordChecker(shape, str(target)) if validate else None
    with atomic_file(target) as stream:
        _stream_document(stream, records, shape, project, checker, indent)
        _refuse_unmapped(encoder, mapping)
        if checker is not None:
            checker.raise_if_any()
    _note_unsent(encoder, report)
    _note_brushes(painter, report)
    return report


def _painter(
    dataset: Dataset,
    mapping: Ontology,
    target: Path,
    brush_dir: Path | None,
    brush_url_base: str | None,
) -> BrushPainter | None:
    if str(target) == "-":
        folder, relative_to = brush_dir, None
    else:
        folder = brush_dir or target.parent / f"{target.name}.brushes"
        relative_to = target.parent
    painter = BrushPainter(dataset.categories, mapping, folder, brush_url_base, relative_to)
    if not painter.active:
        return None
    if folder is None:  # refused before a byte goes to stdout
        names = ", ".join(sorted(c.name for c in dataset.categories if painter.is_brush(c.id)))
        raise ConversionError(
            f"masks of brush classes ({names}) are painted into PNG files: give a folder for "
            "them with the brush_dir option (-W brush_dir=DIR)"
        )
    return painter


def _note_brushes(painter: BrushPainter | None, report: WriteReport) -> None:
    if painter is None or not painter.written:
        return
    report.steps.append(f"brush masks: {len(painter.written)} PNG(s) in {painter.folder}")
    if painter.url_base is None and painter.escapes:
        report.warnings.append(
            f"brush PNGs are in {painter.folder}, outside the payload's folder: upload reads "
            "them only inside it; host them and pass --brush-url-base, or keep brush_dir there"
        )
    if painter.overlaps:
        report.warnings.append(
            f"{painter.overlaps} pixel(s) belong to two brush masks; each keeps the later "
            "mask's colour (a brush PNG holds one class a pixel)"
        )


def _records(
    dataset: Dataset,
    encoder: AngoEncoder,
    shape: Shape,
    mode: ExternalId,
    status: str | None,
    report: WriteReport,
    painter: BrushPainter | None = None,
) -> Iterator[dict[str, Any]]:
    seen: dict[str, str] = {}
    for item in dataset.items:
        key = external_id_for(item, mode)
        if key in seen:
            raise ConversionError(
                f"externalId {key!r} would label two items ({seen[key]!r} and {item.file_name!r})",
                "choose another mode: {external_id=basename} or {external_id=stem}",
            )
        seen[key] = item.file_name
        extra: dict[str, Any] = {}
        if painter is not None:
            others, brushes = painter.split(item)
            if brushes:
                extra["brushDataUrl"] = painter.write(key, brushes)
                item = dataclasses.replace(item, annotations=others)
                report.annotations += len(brushes)
        answer = encoder.encode(item)
        report.items += 1
        report.annotations += count_objects(item.annotations)
        if shape == "flat":
            yield {"externalId": key, **answer, **extra}
        else:
            record: dict[str, Any] = {"externalId": key, "answer": answer, **extra}
            if status:
                record["status"] = status
            yield record


def _stream_document(
    stream: IO[bytes],
    records: Iterator[dict[str, Any]],
    shape: Shape,
    project: str | None,
    checker: _RecordChecker | None,
    indent: bool,
) -> None:

    option = orjson.OPT_INDENT_2 if indent else 0
    if shape == "seed":
        stream.write(b'{"project":' + orjson.dumps(project) + b',"labels":[')
    else:
        stream.write(b"[")
    for index, record in enumerate(records):
        if checker is not None:
            checker.check(record, index)
        stream.write((b",\n" if index else b"\n") + orjson.dumps(record, option=option))
    stream.write(b"\n]}\n" if shape == "seed" else b"\n]\n")


def _refuse_unmapped(encoder: AngoEncoder, mapping: Ontology) -> None:
    unmapped = encoder.stats.unmapped
    if not unmapped:
        return
    names = sorted(unmapped)
    listed = "; ".join(f"{name} x{unmapped[name]}" for name in names[:MAX_LISTED])
    more = f"; and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else ""
    raise ConversionError(
        f"{len(names)} name(s) have no schemaId in {mapping.source}: {listed}{more}",
        "add them to the map, or pass {title_only=True} to send titles",
    )


def _note_unsent(encoder: AngoEncoder, report: WriteReport) -> None:
    stats = encoder.stats
    if stats.unsent_attributes:
        names = ", ".join(f"{k} x{v}" for k, v in sorted(stats.unsent_attributes.items()))
        report.warnings.append(f"not sent (no schemaId in the map): {names}")
        report.skipped.update({f"attribute {k}": v for k, v in stats.unsent_attributes.items()})
    report.approximated.update(stats.approximated)


class _RecordChecker:
    """Validates records one by one while they stream out, keeping every issue."""

    def __init__(self, shape: Shape, source: str) -> None:
        from ango_convert import validation

        self._schema = "ango-import" if shape == "seed" else "ango-import-flat"
        self._definition = "label" if shape == "seed" else "record"
        self._prefix = "labels" if shape == "seed" else None
        self._validation = validation
        self._source = source
        self.issues: list[Any] = []

    def check(self, record: dict[str, Any], index: int) -> None:
        parts: tuple[str | int, ...] = (self._prefix, index) if self._prefix else (index,)
        self.issues += self._validation.definition_issues(
            record, self._schema, self._definition, json_path(*parts)
        )

    def raise_if_any(self) -> None:
        if self.issues:
            raise SchemaValidationError(self._source, self._schema, self.issues)
