"""The Python façade, and the one orchestrator: ``read``, ``write``, ``convert``, ``validate``.

The command line calls these functions; what a run reads, skips and approximates travels
in a :class:`~ango_convert.report.Diagnostics` handed to the reader and merged into the
writer's :class:`~ango_convert.report.WriteReport`.

Example:
    >>> import ango_convert
    >>> dataset = ango_convert.read("samples/coco/annotations.json")  # doctest: +SKIP
    >>> ango_convert.write(dataset, "out/payload.json", "ango",
    ...                    schema_map="samples/coco/schema_map.json")  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ango_convert import _exit, registry
from ango_convert._gc import cyclic_gc_paused
from ango_convert.errors import ConversionError, ReadError, UnknownFormatError
from ango_convert.io.inputs import load_json
from ango_convert.io.overlap import refuse_overlap
from ango_convert.io.remote import Fetcher
from ango_convert.model import Dataset
from ango_convert.parallel import Jobs, ShardFailed
from ango_convert.report import Diagnostics, WriteReport

logger = logging.getLogger(__name__)


def read(
    source: str | Path,
    format: str | None = None,
    *,
    diagnostics: Diagnostics | None = None,
    **options: Any,
) -> Dataset:
    """Read a dataset in any registered format.

    Args:
        source: A file or folder (``-`` for stdin where the format allows it).
        format: The format name; detected from the content when None.
        diagnostics: Collects what the read left out (``on_error="skip"``) and warned
            about. Without one, what a reader notes before it returns is logged as
            warnings; a lazy reader's later notes need one to be seen.
        **options: The format's read options (see ``ango-convert formats -v``).

    Returns:
        The dataset in the intermediate representation.

    Raises:
        UnknownFormatError: The format is unknown or could not be detected.
        ReadError: The input is malformed; the message names the file and place.
    """
    return _read(source, format, diagnostics, None, options)


def _read(
    source: str | Path,
    format: str | None,
    diagnostics: Diagnostics | None,
    jobs: Jobs | None,
    options: Mapping[str, Any],
) -> Dataset:
    name = format or detect(Path(source))
    reader = registry.get_format(name).reader()
    noted = diagnostics if diagnostics is not None else Diagnostics()
    services = _services(reader, noted, jobs)
    with cyclic_gc_paused():
        dataset = reader(Path(source), **registry.bind_options(reader, options), **services)
    if diagnostics is None:
        _log_unclaimed(noted)
    return dataset


def write(dataset: Dataset, target: str | Path, format: str, **options: Any) -> WriteReport:
    """Write a dataset in a registered format.

    Args:
        dataset: The dataset to write.
        target: The output file or folder (``-`` for stdout where the format allows it).
        format: The format name.
        **options: The format's write options (see ``ango-convert formats -v``).

    Returns:
        What was written, skipped and approximated.
    """
    return _write(dataset, target, format, None, options)


def _write(
    dataset: Dataset,
    target: str | Path,
    format: str,
    jobs: Jobs | None,
    options: Mapping[str, Any],
) -> WriteReport:
    writer = registry.get_format(format).writer()
    services = {"jobs": jobs} if jobs is not None else {}
    with cyclic_gc_paused():  # streamed readers do their reading in here too
        return writer(dataset, Path(target), **registry.bind_options(writer, options), **services)


def convert(
    source: str | Path,
    target: str | Path,
    *,
    to: str,
    from_format: str | None = None,
    read_options: Mapping[str, Any] | None = None,
    write_options: Mapping[str, Any] | None = None,
    download_images: bool = False,
    jobs: int = 1,
) -> WriteReport:
    """Read ``source`` and write it to ``target`` in format ``to``, through the IR.

    Args:
        source: Input file or folder.
        target: Output file or folder.
        to: Output format name.
        from_format: Input format name; detected when None.
        read_options: Options for the reader.
        write_options: Options for the writer.
        download_images: Ango exports only: first download the images behind the asset
            URLs (into the ``images_dir`` option, else ``<target>.images``) and use them
            for sizes and copying, and download brush mask PNGs (``fetch_masks``). Asset
            URLs are signed and expire, so this is opt-in.
        jobs: Worker processes to use (the command line's ``--jobs``, whose default is
            every core this process may use). Readers and writers that work in shards
            use them on big inputs (see :mod:`ango_convert.parallel`); the output is
            byte-identical to ``jobs=1``, and a failure in a worker runs the
            conversion again in one process, so errors read as they do without.

    Returns:
        The writer's report, with what the read left out and warned about.

    Raises:
        OutputError: ``target`` is, or holds, an input (the source, a schema map, an
            ontology or the images folder), which writing it would overwrite or remove.
    """
    reads = dict(read_options or {})
    writes = dict(write_options or {})
    refuse_overlap(target, [source, *_input_paths(reads), *_input_paths(writes)])
    name = from_format or detect(Path(source))
    steps: list[str] = []
    if download_images:
        steps = _download_images(Path(source), Path(target), name, to, reads, writes)
    workers = _workers(jobs, to)
    try:
        report = _convert(source, target, name, to, reads, writes, workers)
    except ShardFailed as failure:
        logger.info("a worker failed (%s); converting again in one process", failure)
        report = _convert(source, target, name, to, reads, writes, None)
    report.steps[:0] = steps
    return report


def _convert(
    source: str | Path,
    target: str | Path,
    name: str,
    to: str,
    reads: Mapping[str, Any],
    writes: Mapping[str, Any],
    jobs: Jobs | None,
) -> WriteReport:
    diagnostics = Diagnostics()
    # One pause for both steps: objects the read made while the collector was paused
    # are all still young, and a collection between the steps would walk every one.
    with cyclic_gc_paused():
        dataset = _read(source, name, diagnostics, jobs, reads)
        report = _write(dataset, target, to, jobs, writes)
    _exit.retain(dataset)  # the command line ends without freeing it (see _exit)
    report.add(diagnostics)  # after the write: lazy readers note while the writer reads
    return report


def _workers(jobs: int, to: str) -> Jobs | None:
    """Worker processes for ``jobs``, when there are two or more and the writer can
    write shards (readers are only given them then, so a writer that cannot never
    meets sharded items)."""
    if jobs < 1:
        raise ConversionError(f"jobs must be 1 or more, got {jobs}")
    if jobs == 1 or "jobs" not in registry.services_of(registry.get_format(to).writer()):
        return None
    workers = Jobs(jobs)
    return workers if workers.count > 1 else None


def validate(document: Any, schema: str | None = None) -> str:
    """Validate a payload or export against the bundled JSON Schemas.

    Args:
        document: A path to a JSON file, or already-parsed JSON.
        schema: A schema name; picked from the content when None.

    Returns:
        The name of the schema the document passed.

    Raises:
        SchemaValidationError: With every problem and its JSON path.
    """
    from ango_convert import validation

    source = "<data>"
    if isinstance(document, (str, Path)):
        source = str(document)
        document = load_json(document)
    return validation.validate(document, schema, source=source)


def detect(source: Path) -> str:
    """Name the format of a file or folder from its content.

    Raises:
        UnknownFormatError: No registered format claims it.
    """
    if str(source) == "-":
        raise UnknownFormatError("reading stdin needs the format named (--from)")
    if not source.exists():
        raise ReadError(source, None, "no such file or folder")
    name = registry.detect_format(source)
    if name is None:
        error = UnknownFormatError(f"{source}: cannot tell the format")
        error.hint = f"name it with {{from_format=FORMAT}} ({', '.join(registry.available())})"
        raise error
    return name


# --- plumbing ---------------------------------------------------------------------------


class _HttpFetcher:
    """The network seam readers get (see :mod:`ango_convert.io.remote`): a
    :class:`~ango_convert.hub.images.HttpFetcher` made on first use, so the HTTP stack
    is imported only when a reader really fetches something."""

    def __init__(self) -> None:
        self._fetcher: Fetcher | None = None

    def image_size(self, url: str) -> tuple[int, int] | None:
        if self._fetcher is None:
            from ango_convert.hub.images import HttpFetcher

            self._fetcher = HttpFetcher()
        return self._fetcher.image_size(url)

    def get_bytes(self, url: str, limit: int) -> bytes:
        if self._fetcher is None:
            from ango_convert.hub.images import HttpFetcher

            self._fetcher = HttpFetcher()
        return self._fetcher.get_bytes(url, limit)


#: Options naming files or folders a conversion reads.
_INPUT_OPTIONS = ("schema_map", "ontology", "images_dir")


def _input_paths(options: Mapping[str, Any]) -> list[str | Path]:
    return [options[key] for key in _INPUT_OPTIONS if isinstance(options.get(key), (str, Path))]


def _services(
    reader: Callable[..., Any], diagnostics: Diagnostics, jobs: Jobs | None
) -> dict[str, Any]:
    provided = {"diagnostics": diagnostics, "fetcher": _HttpFetcher(), "jobs": jobs}
    return {name: provided[name] for name in registry.services_of(reader)}


def _log_unclaimed(diagnostics: Diagnostics) -> None:
    for note in diagnostics.skipped_input:
        logger.warning("left out %s %s: %s", note["file"], note["place"], note["reason"])
    for warning in diagnostics.warnings:
        logger.warning("%s", warning)


def _download_images(
    source: Path,
    target: Path,
    from_format: str,
    to: str,
    reads: dict[str, Any],
    writes: dict[str, Any],
) -> list[str]:
    """Fetch an export's images, point both sides' ``images_dir`` at them, and return
    the lines that say what happened."""
    from ango_convert.hub.images import download_for_convert

    given = reads.get("images_dir") or writes.get("images_dir")
    folder, fetched = download_for_convert(source, target, from_format, given)
    reader = registry.get_format(from_format).reader()
    if "fetch_masks" in {option.name for option in registry.options_of(reader)}:
        reads["fetch_masks"] = True  # the same consent covers the brush mask PNGs
    for options, function in (
        (reads, reader),
        (writes, registry.get_format(to).writer()),
    ):
        if "images_dir" in {option.name for option in registry.options_of(function)}:
            options["images_dir"] = folder
    return [f"image not downloaded: {failure}" for failure in fetched.failed] + [fetched.summary()]


# --- one typed function per format ----------------------------------------------------


class _FormatFunction:
    """``read_coco`` and friends: the format's own read or write function, reached
    through :func:`read` or :func:`write` (format modules load on the first call).

    ``help()`` and :func:`inspect.signature` show the format function's real options;
    static type checkers see its typed signature (see the ``TYPE_CHECKING`` block).
    """

    def __init__(self, format_name: str, role: str) -> None:
        self._format = format_name
        self._role = role
        self.__name__ = f"{role}_{format_name.replace('-', '_')}"

    def _function(self) -> Callable[..., Any]:
        spec = registry.get_format(self._format)
        return spec.reader() if self._role == "read" else spec.writer()

    @property
    def __signature__(self) -> Any:
        import inspect

        return inspect.signature(self._function())

    @property
    def __doc__(self) -> str | None:  # type: ignore[override]
        return self._function().__doc__

    def __call__(self, *args: Any, **options: Any) -> Any:
        if self._role == "read":
            return read(args[0], self._format, **options)
        dataset, target = args
        return write(dataset, target, self._format, **options)


if TYPE_CHECKING:
    from typing import Concatenate, ParamSpec

    from ango_convert.formats.ango.read import read as _read_ango
    from ango_convert.formats.ango.write import write as _write_ango
    from ango_convert.formats.ango.write import write_flat as _write_ango_flat
    from ango_convert.formats.ango_export.read import read_v2 as _read_ango_v2
    from ango_convert.formats.ango_export.read import read_v3 as _read_ango_v3
    from ango_convert.formats.coco.read import read as _read_coco
    from ango_convert.formats.coco.write import write as _write_coco
    from ango_convert.formats.voc.read import read as _read_voc
    from ango_convert.formats.voc.write import write as _write_voc
    from ango_convert.formats.yolo.read import read as _read_yolo
    from ango_convert.formats.yolo.write import write as _write_yolo

    P = ParamSpec("P")

    def _typed_reader(
        function: Callable[Concatenate[Path, P], Dataset],
    ) -> Callable[Concatenate[str | Path, P], Dataset]: ...

    def _typed_writer(
        function: Callable[Concatenate[Dataset, Path, P], WriteReport],
    ) -> Callable[Concatenate[Dataset, str | Path, P], WriteReport]: ...

    read_coco = _typed_reader(_read_coco)
    write_coco = _typed_writer(_write_coco)
    read_voc = _typed_reader(_read_voc)
    write_voc = _typed_writer(_write_voc)
    read_yolo = _typed_reader(_read_yolo)
    write_yolo = _typed_writer(_write_yolo)
    read_ango = _typed_reader(_read_ango)
    write_ango = _typed_writer(_write_ango)
    write_ango_flat = _typed_writer(_write_ango_flat)
    read_ango_v2 = _typed_reader(_read_ango_v2)
    read_ango_v3 = _typed_reader(_read_ango_v3)
else:
    read_coco = _FormatFunction("coco", "read")
    write_coco = _FormatFunction("coco", "write")
    read_voc = _FormatFunction("voc", "read")
    write_voc = _FormatFunction("voc", "write")
    read_yolo = _FormatFunction("yolo", "read")
    write_yolo = _FormatFunction("yolo", "write")
    read_ango = _FormatFunction("ango", "read")
    write_ango = _FormatFunction("ango", "write")
    write_ango_flat = _FormatFunction("ango-flat", "write")
    read_ango_v2 = _FormatFunction("ango-v2", "read")
    read_ango_v3 = _FormatFunction("ango-v3", "read")


def read_ango_export(
    source: str | Path, *, diagnostics: Diagnostics | None = None, **options: Any
) -> Dataset:
    """Read an Ango export (V2 or V3; json, ndjson or zip), detecting which.

    The options are those of :data:`read_ango_v2` or :data:`read_ango_v3`, whichever
    the export is; call those directly for typed options.
    """
    name = detect(Path(source))
    if name not in ("ango-v2", "ango-v3"):
        raise UnknownFormatError(f"{source}: not an Ango V2 or V3 export (looks like {name})")
    return read(source, name, diagnostics=diagnostics, **options)
