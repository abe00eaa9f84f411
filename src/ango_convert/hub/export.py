"""Project export: ask Ango Hub for an export, download it, check it parses, save it.

``GET /v2/export`` (or ``/v2/exportV3``) answers ``{"data": {"exportPath": URL}}`` once the
file is ready; the URL is signed, so it is fetched *without* the API key. The file may be
a JSON array, NDJSON (one asset a line) or a zip holding such files (the SDK reads the
zip's first member). The download goes to a temporary file beside the target, is checked
to parse, and only then renamed into place.

If the target ends in ``.json``, ``.ndjson`` or ``.jsonl`` and the zip holds exactly one
data file, that file is extracted to the target; a ``.zip`` target keeps the zip.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from ango_convert.errors import HubError, OutputError, ReadError
from ango_convert.formats.ango_export.archive import DATA_SUFFIXES, check_sizes
from ango_convert.formats.ango_export.limits import Limits
from ango_convert.formats.ango_export.records import RecordNumbers
from ango_convert.hub.client import AngoClient, redact_url
from ango_convert.hub.sdk_export import SDK_EXPORT_PATH, sdk_export_params
from ango_convert.io.names import safe_relative_path
from ango_convert.io.outputs import atomic_file, is_special, real_target
from ango_convert.io.temps import lock, remove_stale_temps

EXPORT_PATH = "/v2/export"
EXPORT_V3_PATH = "/v2/exportV3"

Kind = Literal["json", "ndjson", "zip"]
Progress = Callable[[int, "int | None"], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportOptions:
    """Query options of the export call; None leaves a parameter out."""

    v3: bool = False
    format: Literal["json", "ndjson", "split"] | None = None
    status: str | None = None
    batches: Sequence[str] = ()
    include_assets: bool | None = None
    include_history: bool | None = None
    include_metadata: bool | None = None
    #: ``sdk``: the query the official SDK sends (see :mod:`ango_convert.hub.sdk_export`).
    wire: Literal["seed", "sdk"] = "seed"

    @property
    def path(self) -> str:
        """The endpoint these options call."""
        if self.wire == "sdk":
            return SDK_EXPORT_PATH
        return EXPORT_V3_PATH if self.v3 else EXPORT_PATH

    def params(self, project: str) -> dict[str, str]:
        """The query string, booleans spelled ``true``/``false`` as the API lists them."""
        if self.wire == "sdk":
            return sdk_export_params(
                project,
                format=self.format,
                stage=self.status,
                batches=self.batches,
                include_history=self.include_history,
                include_metadata=self.include_metadata,
                include_assets=self.include_assets,
            )
        params = {"project": project}
        if self.format:
            params["format"] = self.format
        if self.status:
            params["status"] = self.status
        if self.batches:
            params["batches"] = ",".join(self.batches)
        flags = {
            "includeAssets": self.include_assets,
            "includeHistory": self.include_history,
            "includeMetadata": self.include_metadata,
        }
        params.update(
            {key: str(value).lower() for key, value in flags.items() if value is not None}
        )
        return params


@dataclass(frozen=True, slots=True)
class ExportFile:
    """A saved export: where, what encoding, how many asset records, which zip members."""

    path: Path
    kind: Kind
    records: int
    size: int
    members: tuple[str, ...] = ()


def request_export(client: AngoClient, project: str, options: ExportOptions) -> str:
    """Ask for an export and return its signed download URL.

    Raises:
        HubError: An error answer, or one without an http(s) ``exportPath``.
    """
    data = client.get(options.path, options.params(project))
    url = data.get("exportPath")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise HubError(f"the export answer has no exportPath URL ({options.path})")
    return url


def download_export(
    client: AngoClient, url: str, target: str | Path, progress: Progress | None = None
) -> ExportFile:
    """Download ``url`` to ``target`` atomically, after checking that it parses.

    Raises:
        HubError: The download failed or does not parse.
        OutputError: The target cannot be written.
    """
    target = Path(target)
    if not is_special(target):  # a device or FIFO is written through, never renamed over
        target = real_target(target)
    with _temp_beside(target) as (temp, stream):
        size = client.download(url, stream, progress)
        stream.flush()
        result = _finish(temp, target, redact_url(url))
        _put_in_place(temp, target)
    return ExportFile(target, result.kind, result.records, size, result.members)


def _put_in_place(temp: Path, target: Path) -> None:
    """Rename the checked download over ``target``; a device or FIFO gets its bytes
    instead (renaming over it would replace the node)."""
    try:
        if is_special(target):
            with temp.open("rb") as source, atomic_file(target) as sink:
                shutil.copyfileobj(source, sink, 1 << 20)
            return
        os.replace(temp, target)
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"{target}: cannot write: {exc.strerror or exc}") from exc


def _finish(temp: Path, target: Path, source: str) -> ExportFile:
    found = check_export(temp, source)
    if found.kind != "zip" or target.suffix.lower() not in DATA_SUFFIXES:
        return found
    if len(found.members) != 1:
        raise OutputError(
            f"{target}: the export is a zip of {len(found.members)} files; save it as NAME.zip"
        )
    # The member was checked against the caps; it is copied in chunks, not read whole.
    extracted = temp.with_suffix(".member.part")
    try:
        with (
            zipfile.ZipFile(temp) as archive,
            archive.open(found.members[0]) as member,
            extracted.open("wb") as out,
        ):
            shutil.copyfileobj(member, out)
        os.replace(extracted, temp)
    finally:
        with contextlib.suppress(OSError):
            extracted.unlink()
    return check_export(temp, source)


@contextlib.contextmanager
def _temp_beside(target: Path) -> Iterator[tuple[Path, IO[bytes]]]:
    # A device or FIFO gets the checked bytes copied in: its temp goes to the temp folder.
    folder = None if is_special(target) else target.parent
    try:
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            remove_stale_temps(target)  # a killed export's .part
        handle, name = tempfile.mkstemp(prefix=f".{target.name[:50]}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write: {exc.strerror or exc}") from exc
    temp = Path(name)
    try:
        with os.fdopen(handle, "w+b") as stream:
            lock(stream.fileno())  # held while this run lives: never taken for stale
            yield temp, stream
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()


def check_export(path: Path, source: str | None = None) -> ExportFile:
    """Tell an export file's encoding and count its asset records; it must parse.

    The file is read record by record, as the export reader reads it, under the same
    caps (:mod:`ango_convert.formats.ango_export.limits`): a zip member that would unpack
    past them, or one endless line, is refused without being read whole.

    Raises:
        HubError: The file is empty, not JSON/NDJSON, a zip without such files, or over
            a cap.
    """
    label = source or str(path)
    try:
        if zipfile.is_zipfile(path):
            return _check_zip(path, label)
        with path.open("rb") as stream:
            kind, records = _count_records(stream, label)
        size = path.stat().st_size
    except OSError as exc:
        raise HubError(f"the export download cannot be read: {exc.strerror or exc}") from None
    except ReadError as exc:
        raise HubError(f"the export download does not parse: {exc}") from None
    return ExportFile(path, kind, records, size)


def _count_records(stream: IO[bytes], label: str) -> tuple[Literal["json", "ndjson"], int]:
    """The kind and the number of asset records of one JSON or NDJSON stream.

    Raises:
        ReadError: It does not parse, an NDJSON line is not an object, or a cap is passed.
    """
    records, array = 0, False
    for raw in RecordNumbers().read_stream(stream, label):
        array = raw.place.startswith("$[")
        if not array and not isinstance(raw.value, dict):
            raise ReadError(label, raw.place, "an NDJSON line must be a JSON object")
        records += 1
    return ("ndjson" if records > 1 and not array else "json"), records


def _check_zip(path: Path, source: str) -> ExportFile:
    try:
        with zipfile.ZipFile(path) as archive:
            names = [info.filename for info in archive.infolist() if not info.is_dir()]
            members = tuple(name for name in names if name.lower().endswith(DATA_SUFFIXES))
            if not members:
                raise ReadError(
                    source, None, f"the zip holds no JSON or NDJSON file ({len(names)} files)"
                )
            check_sizes(archive, list(members), source, Limits())
            records = 0
            for name in members:
                with archive.open(name) as member:
                    records += _count_records(member, f"{source}!{name}")[1]
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ReadError(source, None, f"damaged zip: {exc}") from None
    return ExportFile(path, "zip", records, path.stat().st_size, members)


@contextlib.contextmanager
def data_file(export: ExportFile) -> Iterator[Path]:
    """The export as one JSON or NDJSON file a reader can take (extracting a zip's only one).

    Raises:
        HubError: A zip holding several data files (``--format split``).
    """
    if export.kind != "zip":
        yield export.path
        return
    if len(export.members) != 1:
        raise HubError(
            f"{export.path}: the export is a zip of {len(export.members)} files; "
            "convert needs a single-file export (leave out --format split)"
        )
    folder = Path(tempfile.mkdtemp(prefix="ango-export."))
    try:
        name = safe_relative_path(export.members[0], keep_dirs=False).name
        with (
            zipfile.ZipFile(export.path) as archive,
            archive.open(export.members[0]) as member,
            (folder / name).open("wb") as out,
        ):
            shutil.copyfileobj(member, out)
        yield folder / name
    finally:
        shutil.rmtree(folder, ignore_errors=True)
