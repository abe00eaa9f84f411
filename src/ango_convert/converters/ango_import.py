"""Ango Hub label-import payloads, in two shapes.

``ango`` (the default) is the seed's request body for ``POST /v2/import/labels``::

    {"project": "<id>", "labels": [{"externalId": "a.jpg",
        "answer": {"objects": [...], "classifications": [...], "relations": [...]}}]}

``ango-flat`` is the flat "Ango Import Format" of the UI import and the SDK's
``jsonContent``: a list of ``{"externalId", "objects", "classifications", "relations"}``.

Both readers accept any of the three bodies (seed, flat, SDK ``{project, jsonContent}``).
Payloads carry no image sizes and no category ids: give ``reference`` (a COCO file of the
same images) or ``images_dir`` to get them back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import IO, Any, Literal

import orjson

from ango_convert.converters._ango_records import payload_records, refuse_duplicates
from ango_convert.converters._io import (
    atomic_file,
    json_path,
    load_json,
)
from ango_convert.converters.ango_decode import AngoDecoder, NameCollector, UnknownTools
from ango_convert.converters.ango_geometry import Pivot
from ango_convert.converters.ango_objects import AngoEncoder
from ango_convert.errors import (
    INFO_SKIPPED_INPUT,
    ConversionError,
    OnError,
    ReadError,
    SchemaValidationError,
)
from ango_convert.model import ANNOTATION_KINDS, Dataset, Item, JSONValue
from ango_convert.ontology import Ontology, load_ontology
from ango_convert.registry import FormatSpec
from ango_convert.report import WriteReport

logger = logging.getLogger(__name__)

ExternalId = Literal["name", "basename", "stem"]
Shape = Literal["seed", "flat"]
MAX_LISTED = 20


# --- writing --------------------------------------------------------------------------


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
        validate: Check every label against the bundled schema while writing.
        indent: Pretty-print the JSON.

    Returns:
        The report; unsent attributes are listed in its warnings.

    Raises:
        ConversionError: No project, unmapped classes, or colliding externalIds.
    """
    if not project:
        raise ConversionError(
            "the 'ango' payload needs a project id (--project ID); "
            "use --to ango-flat for the flat format without one"
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
    validate: bool,
    indent: bool,
) -> WriteReport:
    mapping = load_ontology(schema_map, ontology)
    if mapping.is_empty and not title_only:
        logger.warning("no --schema-map or --ontology: objects are sent by title only")
    encoder = AngoEncoder(dataset.categories, mapping, title_only=title_only, pivot=rbox_pivot)
    report = WriteReport(target=str(target))
    records = _records(dataset, encoder, shape, external_id, status, report)
    checker = _RecordChecker(shape, str(target)) if validate else None
    with atomic_file(target) as stream:
        _stream_document(stream, records, shape, project, checker, indent)
        _refuse_unmapped(encoder, mapping)
        if checker is not None:
            checker.raise_if_any()
    _note_unsent(encoder, report)
    return report


def _records(
    dataset: Dataset,
    encoder: AngoEncoder,
    shape: Shape,
    mode: ExternalId,
    status: str | None,
    report: WriteReport,
) -> Iterator[dict[str, Any]]:
    seen: dict[str, str] = {}
    for item in dataset.items:
        key = external_id_for(item, mode)
        if key in seen:
            raise ConversionError(
                f"externalId {key!r} would label two items ({seen[key]!r} and {item.file_name!r});"
                " choose another --external-id mode"
            )
        seen[key] = item.file_name
        answer = encoder.encode(item)
        report.items += 1
        report.annotations += len(item.annotations)
        if shape == "flat":
            yield {"externalId": key, **answer}
        else:
            record: dict[str, Any] = {"externalId": key, "answer": answer}
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
        f"{len(names)} name(s) have no schemaId in {mapping.source}: {listed}{more}; "
        "add them to the map, or pass --title-only to send titles"
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


# --- reading --------------------------------------------------------------------------


def read(
    source: Path,
    *,
    schema_map: Path | None = None,
    ontology: Path | None = None,
    reference: Path | None = None,
    rbox_pivot: Pivot = "corner",
    unknown_tools: UnknownTools = "error",
    validate: bool = True,
    on_error: OnError = "strict",
) -> Dataset:
    """Read a label-import payload in any of its shapes (seed, flat, SDK).

    Args:
        source: The payload JSON file (``-`` for stdin).
        schema_map: Map class names to schemaIds (used to name classes by schemaId).
        ontology: A project's categorySchema JSON (class order, keypoint names).
        reference: A COCO file of the same images: its categories (ids, keypoints,
            skeleton) and its images (ids, sizes) are reused.
        rbox_pivot: Rotated-box pivot convention.
        unknown_tools: ``error`` or ``skip`` objects the IR cannot hold.
        validate: Check the payload against its schema first.
        on_error: ``skip`` leaves out each record that breaks the schema, repeats an
            externalId or does not decode, listing them in ``Dataset.info["skipped_input"]``.

    Returns:
        The dataset; item ids and file names are the externalIds (or assetIds).
    """
    document = load_json(source)
    notes: list[JSONValue] | None = [] if on_error == "skip" else None
    records = refuse_duplicates(payload_records(document, source, validate, notes), source, notes)
    mapping = load_ontology(schema_map, ontology)
    collector = NameCollector(mapping)
    for _, record in records:
        collector.add(record.get("objects") or ())
    reference_set = _load_reference(reference)
    categories = collector.categories(reference_set.categories if reference_set else None)
    decoder = AngoDecoder(categories, mapping, pivot=rbox_pivot, unknown_tools=unknown_tools)
    images = {item.file_name: item for item in reference_set.items} if reference_set else {}
    items = []
    for index, record in records:
        try:
            items.append(_item(record, index, decoder, images, source))
        except ReadError as exc:
            if notes is None:
                raise
            notes.append(exc.note())
    if decoder.skipped:
        logger.warning("skipped objects of tools with no counterpart: %s", dict(decoder.skipped))
    info: dict[str, JSONValue] = {} if notes is None else {INFO_SKIPPED_INPUT: notes}
    return Dataset(categories=categories, items=tuple(items), info=info)


def _item(
    record: dict[str, Any],
    index: int,
    decoder: AngoDecoder,
    images: Mapping[str, Item],
    source: Path,
) -> Item:
    where = f"record {index} (externalId {record['key']!r})"
    try:
        annotations = decoder.decode_objects(
            record.get("objects") or (), record.get("relations") or ()
        )
        classifications = decoder.decode_classifications(record.get("classifications") or ())
    except ValueError as exc:
        raise ReadError(source, where, str(exc)) from None
    known = images.get(record["key"])
    return Item(
        id=known.id if known else record["key"],
        file_name=record["key"],
        width=known.width if known else None,
        height=known.height if known else None,
        annotations=tuple(annotations),
        classifications=classifications,
        attributes=_item_attributes(record, known),
    )


def _item_attributes(record: Mapping[str, Any], known: Item | None) -> dict[str, Any]:
    attributes = dict(known.attributes) if known else {}
    if record.get("status"):
        attributes["ango:status"] = record["status"]
    return attributes


def _load_reference(reference: Path | None) -> Dataset | None:
    if reference is None:
        return None
    from ango_convert import api

    dataset = api.read(reference, "coco")
    return Dataset(categories=dataset.categories, items=tuple(dataset.items))


def detect(path: Path) -> bool:
    """A JSON file whose start looks like a label-import body (seed or SDK shape)."""
    head = _head(path)
    return head.startswith(b"{") and (b'"labels"' in head or b'"jsonContent"' in head)


def detect_flat(path: Path) -> bool:
    """A JSON array whose first record has ``objects`` and no export ``task``."""
    head = _head(path)
    return (
        head.startswith(b"[")
        and b'"objects"' in head
        and b'"task"' not in head
        and b'"tasks"' not in head
    )


def _head(path: Path, size: int = 65536) -> bytes:
    if not path.is_file() or path.suffix.lower() != ".json":
        return b""
    try:
        with path.open("rb") as stream:
            return stream.read(size).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:  # unreadable: not claimed; reading it names the reason
        return b""


_KINDS = frozenset(ANNOTATION_KINDS)

FORMAT = FormatSpec(
    name="ango",
    summary="Ango Hub label-import body {project, labels: [{externalId, answer}]} (seed shape)",
    read=read,
    write=write,
    detect=detect,
    writes_kinds=_KINDS,
)

FORMAT_FLAT = FormatSpec(
    name="ango-flat",
    summary="Flat Ango Import Format [{externalId, objects, classifications, relations}]",
    read=read,
    write=write_flat,
    detect=detect_flat,
    writes_kinds=_KINDS,
)

__all__ = ["FORMAT", "FORMAT_FLAT", "external_id_for", "read", "write", "write_flat"]
