"""Reading a COCO annotation file into the IR."""

from __future__ import annotations

from pathlib import Path
from stat import S_ISREG
from typing import Literal

from ango_convert.errors import OnError, ReadError
from ango_convert.formats.coco.byte_shards import cut_document
from ango_convert.formats.coco.document import parse_document
from ango_convert.formats.coco.document_shards import sharded_document
from ango_convert.formats.coco.keys import Located
from ango_convert.formats.coco.stream import read_streamed
from ango_convert.formats.coco.stream_scan import Malformed
from ango_convert.io.inputs import STDIO, json_path, parse_json, read_bytes
from ango_convert.model import Dataset
from ango_convert.parallel import Jobs
from ango_convert.report import Diagnostics, skip_notes

Stream = Literal["auto", "always", "never"]

#: Files of at least this size are streamed when ``stream="auto"`` (512 MiB): parsing
#: a COCO file whole takes about ten times its size in memory.
STREAM_THRESHOLD = 512 * 2**20


def read(
    source: Path,
    *,
    on_error: OnError = "strict",
    stream: Stream = "auto",
    diagnostics: Diagnostics | None = None,
    jobs: Jobs | None = None,
) -> Dataset:
    """Read a COCO annotation file.

    Args:
        source: The JSON file, or ``-`` for stdin.
        on_error: ``skip`` leaves out each category, image or annotation that does not
            read and notes it in ``diagnostics``; the JSON itself must parse.
        stream: ``auto`` reads files of :data:`STREAM_THRESHOLD` (512 MiB) or more in
            bounded memory, smaller ones whole; ``always`` and ``never`` force either
            way. Streaming reads the arrays in chunks, spills the annotations to a
            private temporary folder (removed afterwards) and yields the items lazily;
            the dataset is the same either way. Stdin, pipes and devices are always
            read whole.
        diagnostics: Where skipped input is noted.
        jobs: Service: worker processes; a strict read of a big document held in
            memory then hands out its items in shards (see :mod:`.document_shards`);
            a streamed read runs in one process.

    Returns:
        The dataset.

    Raises:
        ReadError: Malformed input; the message names the file and the JSON path (and
            the byte offset of invalid JSON in a streamed file).
    """
    streams = _streams(source, stream)
    notes = skip_notes(diagnostics, on_error)

    def located(exc: Located) -> ReadError:
        return ReadError(source, json_path(*exc.where), exc.reason)

    skip = None if notes is None else (lambda exc: notes.append(located(exc).note()))
    warnings = diagnostics.warnings if diagnostics is not None else None
    sharding = not streams and jobs is not None and jobs.count > 1 and skip is None
    data = None if streams else read_bytes(source)
    if sharding and data is not None and jobs is not None:
        dataset = cut_document(data, source, jobs, warnings)
        if dataset is not None:
            return dataset
    document = None if data is None else parse_json(data, source)
    del data  # the parsed document takes ten times as much: let the bytes go first
    if sharding and jobs is not None:
        dataset = sharded_document(document, source, jobs, warnings)
        if dataset is not None:
            return dataset
    try:
        if streams:  # in one process: workers would each need the whole document
            return read_streamed(Path(source), skip, warnings)
        return parse_document(document, skip, warnings)
    except Located as exc:
        raise located(exc) from exc
    except Malformed as exc:
        place = f"{json_path(*exc.where)}, byte {exc.offset}" if exc.where else f"byte {exc.offset}"
        raise ReadError(source, place, exc.reason) from None


def _streams(source: Path, stream: Stream) -> bool:
    """Whether to stream: only a regular file (not stdin, a pipe or a device, which cannot
    be mapped), ``always``, or ``auto`` by its size."""
    if stream == "never" or str(source) == STDIO:
        return False
    try:
        info = Path(source).stat()
    except OSError:
        return False  # the whole-file read names the problem
    if not S_ISREG(info.st_mode):
        return False
    return stream == "always" or info.st_size >= STREAM_THRESHOLD
