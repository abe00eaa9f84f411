"""Reading a COCO annotation file into the IR."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ango_convert.errors import INFO_SKIPPED_INPUT, OnError, ReadError
from ango_convert.formats.coco.decode import parse_document
from ango_convert.formats.coco.keys import Located
from ango_convert.io.inputs import json_path, load_json
from ango_convert.model import Dataset, JSONValue


def read(source: Path, *, on_error: OnError = "strict") -> Dataset:
    """Read a COCO annotation file.

    Args:
        source: The JSON file, or ``-`` for stdin.
        on_error: ``skip`` leaves out each category, image or annotation that does not
            read and lists it in ``Dataset.info["skipped_input"]``; the JSON itself must
            parse.

    Returns:
        The dataset.

    Raises:
        ReadError: Malformed input; the message names the file and the JSON path.
    """
    document = load_json(source)
    notes: list[JSONValue] = []

    def located(exc: Located) -> ReadError:
        return ReadError(source, json_path(*exc.where), exc.reason)

    skip = (lambda exc: notes.append(located(exc).note())) if on_error == "skip" else None
    try:
        dataset = parse_document(document, skip)
    except Located as exc:
        raise located(exc) from exc
    if on_error == "skip":
        dataset = dataclasses.replace(dataset, info={**dataset.info, INFO_SKIPPED_INPUT: notes})
    return dataset
