"""Reading Ango label-import payloads (seed, flat or SDK shape) back into the IR."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ango_convert.errors import (
    OnError,
    ReadError,
    shown,
)
from ango_convert.formats.ango.class_names import NameCollector
from ango_convert.formats.ango.decode import AngoDecoder
from ango_convert.formats.ango.geometry import Pivot
from ango_convert.formats.ango.object_geometry import UnknownTools
from ango_convert.formats.ango.records import payload_records, refuse_duplicates
from ango_convert.io.inputs import load_json
from ango_convert.model import Dataset, Item
from ango_convert.ontology import load_ontology
from ango_convert.report import Diagnostics, skip_notes

logger = logging.getLogger(__name__)


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
    diagnostics: Diagnostics | None = None,
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
            externalId or does not decode, noting them in ``diagnostics``.
        diagnostics: Where skipped input is noted.

    Returns:
        The dataset; item ids and file names are the externalIds (or assetIds).
    """
    document = load_json(source)
    notes = skip_notes(diagnostics, on_error)
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
    return Dataset(categories=categories, items=tuple(items))


def _item(
    record: dict[str, Any],
    index: int,
    decoder: AngoDecoder,
    images: Mapping[str, Item],
    source: Path,
) -> Item:

    where = f"record {index} (externalId {shown(record['key'])})"
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
    # A format may use another format's reader; it never goes back up to the API.
    from ango_convert.formats.coco.read import read as read_coco

    dataset = read_coco(reference)
    return Dataset(categories=dataset.categories, items=tuple(dataset.items))
