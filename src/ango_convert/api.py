"""The Python façade: ``read``, ``write``, ``convert`` and ``validate``.

Example:
    >>> import ango_convert
    >>> dataset = ango_convert.read("samples/coco/annotations.json")  # doctest: +SKIP
    >>> ango_convert.write(dataset, "out/payload.json", "ango",
    ...                    schema_map="samples/coco/schema_map.json")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ango_convert import registry
from ango_convert._gc import cyclic_gc_paused
from ango_convert.errors import ReadError, UnknownFormatError
from ango_convert.io.inputs import load_json
from ango_convert.model import Dataset
from ango_convert.report import WriteReport


def read(source: str | Path, format: str | None = None, **options: Any) -> Dataset:
    """Read a dataset in any registered format.

    Args:
        source: A file or folder (``-`` for stdin where the format allows it).
        format: The format name; detected from the content when None.
        **options: The format's read options (see ``ango-convert formats -v``).

    Returns:
        The dataset in the intermediate representation.

    Raises:
        UnknownFormatError: The format is unknown or could not be detected.
        ReadError: The input is malformed; the message names the file and place.
    """
    name = format or detect(Path(source))
    reader = registry.get_format(name).reader()
    with cyclic_gc_paused():
        return reader(Path(source), **registry.bind_options(reader, options))


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
    writer = registry.get_format(format).writer()
    with cyclic_gc_paused():  # streamed readers do their reading in here too
        return writer(dataset, Path(target), **registry.bind_options(writer, options))


def convert(
    source: str | Path,
    target: str | Path,
    *,
    to: str,
    from_format: str | None = None,
    read_options: Mapping[str, Any] | None = None,
    write_options: Mapping[str, Any] | None = None,
) -> WriteReport:
    """Read ``source`` and write it to ``target`` in format ``to``, through the IR.

    Args:
        source: Input file or folder.
        target: Output file or folder.
        to: Output format name.
        from_format: Input format name; detected when None.
        read_options: Options for the reader.
        write_options: Options for the writer.

    Returns:
        The writer's report.
    """
    dataset = read(source, from_format, **dict(read_options or {}))
    return write(dataset, target, to, **dict(write_options or {}))


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
        raise UnknownFormatError(
            f"{source}: cannot tell the format; name it with --from "
            f"({', '.join(registry.available())})"
        )
    return name


# --- one function per format, for notebooks -------------------------------------------


def read_coco(source: str | Path, **options: Any) -> Dataset:
    """Read a COCO JSON file. Options: see ``ango-convert formats -v``."""
    return read(source, "coco", **options)


def write_coco(dataset: Dataset, target: str | Path, **options: Any) -> WriteReport:
    """Write a COCO JSON file."""
    return write(dataset, target, "coco", **options)


def read_voc(source: str | Path, **options: Any) -> Dataset:
    """Read Pascal VOC XML (a VOCdevkit folder, a folder of XML files, or one file)."""
    return read(source, "voc", **options)


def write_voc(dataset: Dataset, target: str | Path, **options: Any) -> WriteReport:
    """Write a VOCdevkit folder (Annotations/, ImageSets/Main/)."""
    return write(dataset, target, "voc", **options)


def read_yolo(source: str | Path, **options: Any) -> Dataset:
    """Read a YOLO dataset (Ultralytics data.yaml, darknet obj.data, or a bare folder)."""
    return read(source, "yolo", **options)


def write_yolo(dataset: Dataset, target: str | Path, **options: Any) -> WriteReport:
    """Write an Ultralytics YOLO dataset folder with data.yaml."""
    return write(dataset, target, "yolo", **options)


def read_ango(source: str | Path, **options: Any) -> Dataset:
    """Read an Ango label-import payload (seed, flat or SDK shape)."""
    return read(source, "ango", **options)


def write_ango(
    dataset: Dataset, target: str | Path, *, project: str, **options: Any
) -> WriteReport:
    """Write the seed's label-import body ``{project, labels: [...]}``."""
    return write(dataset, target, "ango", project=project, **options)


def write_ango_flat(dataset: Dataset, target: str | Path, **options: Any) -> WriteReport:
    """Write the flat Ango Import Format (a list of label records)."""
    return write(dataset, target, "ango-flat", **options)


def read_ango_export(source: str | Path, **options: Any) -> Dataset:
    """Read an Ango export (V2 or V3; json, ndjson or zip), detecting which."""
    name = detect(Path(source))
    if name not in ("ango-v2", "ango-v3"):
        raise UnknownFormatError(f"{source}: not an Ango V2 or V3 export (looks like {name})")
    return read(source, name, **options)
