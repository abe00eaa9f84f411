"""Reading a COCO annotation file into the IR."""

from __future__ import annotations

from pathlib import Path

from ango_convert.errors import OnError, ReadError
from ango_convert.formats.coco.document import parse_document
from ango_convert.formats.coco.document_shards import sharded_document
from ango_convert.formats.coco.keys import Located
from ango_convert.io.inputs import json_path, load_json
from ango_convert.model import Dataset
from ango_convert.parallel import Jobs
from ango_convert.report import Diagnostics, skip_notes


def read(
    source: Path,
    *,
    on_error: OnError = "strict",
    diagnostics: Diagnostics | None = None,
    jobs: Jobs | None = None,
) -> Dataset:
    """Read a COCO annotation file.

    Args:
        source: The JSON file, or ``-`` for stdin.
        on_error: ``skip`` leaves out each category, image or annotation that does not
            read and notes it in ``diagnostics``; the JSON itself must parse.
        diagnostics: Where skipped input is noted.
        jobs: Service: worker processes; a strict read of a big document then hands
            out its items in shards (see :mod:`.document_shards`).

    Returns:
        The dataset.

    Raises:
        ReadError: Malformed input; the message names the file and the JSON path.
    """
    document = load_json(source)
    notes = skip_notes(diagnostics, on_error)

    def located(exc: Located) -> ReadError:
        return ReadError(source, json_path(*exc.where), exc.reason)

    skip = None if notes is None else (lambda exc: notes.append(located(exc).note()))
    warnings = diagnostics.warnings if diagnostics is not None else None
    if jobs is not None and jobs.count > 1 and skip is None:
        dataset = sharded_document(document, source, jobs, warnings)
        if dataset is not None:
            return dataset
    try:
        return parse_document(document, skip, warnings)
    except Located as exc:
        raise located(exc) from exc
