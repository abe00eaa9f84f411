"""The images behind an Ango export's asset URLs: header-only size probes and downloads.

Downloads happen only on explicit request (``ango-convert convert --download-images``),
because asset URLs are signed and expire (about 33 hours after the export): an old
export's links answer 403. Each asset is saved under its externalId (pages of a
multi-image asset under the frame names the reader gives them,
``<stem>_frame<page:06d><ext>``), so the folder can be passed as ``--images`` for sizes
and for the YOLO/VOC writers to copy. Videos are saved as the video file.

Names come from the data, so they are made safe (``_io.safe_relative_path``: no ``..``,
no absolute paths, no control characters, at most 255 bytes a part), and names that are
equal once made safe (``a/b.png`` and ``a\\b.png``, or two that differ only in case) are
told apart as ``b_1.png``, ``b_2.png`` in record order, so a rerun picks the same names.
(``--images`` lookups by the asset's own name find the first of such twins.)

Downloads run in parallel threads and resume: a finished file is skipped; a file is
written under a hidden temporary name (``.<hash of the name>.part``, short whatever the
name's length) and renamed when complete, and a ``.part`` left by an interrupted run
continues with an HTTP range request when the server allows it. A progress line is
shown only when stderr is a terminal. No API key is ever sent.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import sys
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import requests

from ango_convert.errors import ConversionError, OutputError
from ango_convert.formats.ango_export.frames import frame_file_name
from ango_convert.formats.ango_export.records import iter_records
from ango_convert.formats.ango_export.selection import asset_key
from ango_convert.io.imagesize import ImageSizeError, size_of_stream
from ango_convert.io.names import UniqueNames, ensure_inside, safe_relative_path
from ango_convert.io.remote import FetchError

logger = logging.getLogger(__name__)

#: Bytes asked for when probing a size: enough for PNG/GIF/WebP and most JPEG headers.
PROBE_BYTES = 65536
CHUNK = 1 << 16
DEFAULT_WORKERS = 8
TIMEOUT = 30.0
CONSENT_HINT = "pass --download-images to fetch them (asset URLs are signed and expire)"


def probe_remote_size(url: str, *, timeout: float = TIMEOUT) -> tuple[int, int] | None:
    """An image's (width, height) from the first bytes of its URL, or None.

    Only the header is fetched (``Range: bytes=0-65535``); a server that ignores the
    range still has its answer cut after that many bytes. Failures give None, so the
    asset is listed among those without a size.
    """
    try:
        with requests.get(
            url,
            headers={"Range": f"bytes=0-{PROBE_BYTES - 1}"},
            stream=True,
            timeout=timeout,
        ) as response:
            if response.status_code not in (200, 206):
                logger.debug("size probe of an asset URL answered HTTP %s", response.status_code)
                return None
            head = _read_at_most(response, PROBE_BYTES)
    except requests.RequestException as exc:
        logger.debug("size probe failed: %s", type(exc).__name__)
        return None
    try:
        return size_of_stream(io.BytesIO(head))
    except (ImageSizeError, OSError):
        return None


class HttpFetcher:
    """The :class:`~ango_convert.io.remote.Fetcher` readers get from the API: plain
    HTTP GETs of (signed) asset URLs, never with the Ango API key."""

    def __init__(self, *, timeout: float = TIMEOUT) -> None:
        self.timeout = timeout

    def image_size(self, url: str) -> tuple[int, int] | None:
        """See :func:`probe_remote_size`."""
        return probe_remote_size(url, timeout=self.timeout)

    def get_bytes(self, url: str, limit: int) -> bytes:
        """A small file (a brush mask PNG) in memory; see :meth:`Fetcher.get_bytes`."""
        try:
            with requests.get(url, stream=True, timeout=self.timeout) as response:
                if response.status_code != 200:
                    hint = " (the signed URL has probably expired: export again)"
                    raise FetchError(
                        f"HTTP {response.status_code}"
                        + (hint if response.status_code in (401, 403) else "")
                    )
                body = _read_at_most(response, limit + 1)
        except requests.RequestException as exc:
            raise FetchError(f"transfer failed ({type(exc).__name__})") from None
        if len(body) > limit:
            raise FetchError(f"larger than {limit} bytes")
        return body


def _read_at_most(response: requests.Response, limit: int) -> bytes:
    data = bytearray()
    for chunk in response.iter_content(CHUNK):
        data += chunk
        if len(data) >= limit:
            break
    return bytes(data[:limit])


# --- downloads -------------------------------------------------------------------------


@dataclass
class DownloadReport:
    """What a download run did."""

    target: str
    downloaded: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the terminal."""
        text = f"images: {self.downloaded} downloaded, {self.skipped} already there"
        if self.failed:
            text += f", {len(self.failed)} failed"
        return f"{text} ({self.target})"


def image_urls(source: Path) -> Iterator[tuple[str, str]]:
    """(file name, URL) of every image an export references, record by record."""
    for raw in iter_records(source):
        record = raw.value
        if not isinstance(record, Mapping):
            continue
        try:
            key = asset_key(record)
        except ValueError:
            continue
        dataset = record.get("dataset")
        if isinstance(dataset, list) and dataset:
            for page, url in enumerate(dataset):
                if isinstance(url, str) and url:
                    yield frame_file_name(key, page, url), url
            continue
        url = record.get("asset")
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            yield key, url


def download_images(
    source: Path,
    target: Path,
    *,
    consent: bool,
    workers: int = DEFAULT_WORKERS,
    progress: bool | None = None,
    timeout: float = TIMEOUT,
) -> DownloadReport:
    """Download the images an export references into ``target``.

    Args:
        source: The export (json, ndjson or zip).
        target: The folder to fill (created if needed).
        consent: Must be True: the user asked for the download (``--download-images``).
        workers: Parallel downloads.
        progress: Show a progress line; None shows it only on a terminal.
        timeout: Seconds per connection attempt and per read.

    Returns:
        Counts, and ``failed`` as ``name: reason`` lines (the other files are kept).

    Raises:
        ConversionError: No consent.
        OutputError: ``target`` cannot be created.
    """
    if not consent:
        raise ConversionError(
            f"the export's images are not downloaded unless asked; {CONSENT_HINT}"
        )
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{target}: cannot create: {exc.strerror or exc}") from exc
    report = DownloadReport(target=str(target))
    show = sys.stderr.isatty() if progress is None else progress
    ticker = _Ticker(report, show)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        pending: set[Future[str]] = set()
        for name, relative, url in _planned(image_urls(source)):
            # A bounded window keeps memory flat for exports of any size.
            if len(pending) >= 4 * max(1, workers):
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                ticker.collect(done)
            pending.add(pool.submit(_fetch_one, target, name, relative, url, timeout))
        ticker.collect(wait(pending).done)
    ticker.finish()
    return report


def _planned(
    pairs: Iterator[tuple[str, str]],
) -> Iterator[tuple[str, PurePosixPath | str, str]]:
    """(name, safe relative path or why there is none, URL), twins told apart in order.

    Memory: one name per image (to spot twins), as for the writers' names.
    """
    names = UniqueNames()
    for name, url in pairs:
        try:
            safe = safe_relative_path(name)
        except ValueError as exc:
            yield name, str(exc), url
            continue
        relative = names.claim(safe)
        if relative != safe:
            logger.warning(
                "two images would be saved as %r; this one is %r", str(safe), str(relative)
            )
        yield name, relative, url


class _Ticker:
    """Folds finished downloads into the report and redraws the progress line."""

    def __init__(self, report: DownloadReport, show: bool) -> None:
        self._report = report
        self._show = show
        self._lock = threading.Lock()

    def collect(self, done: set[Future[str]]) -> None:
        for future in done:
            outcome, detail = future.result().split("\0", 1)
            with self._lock:
                if outcome == "ok":
                    self._report.downloaded += 1
                elif outcome == "skip":
                    self._report.skipped += 1
                else:
                    self._report.failed.append(detail)
        if self._show:
            report = self._report
            sys.stderr.write(
                f"\rimages: {report.downloaded} downloaded, {report.skipped} skipped, "
                f"{len(report.failed)} failed"
            )
            sys.stderr.flush()

    def finish(self) -> None:
        if self._show:
            sys.stderr.write("\n")


def _fetch_one(
    target: Path, name: str, relative: PurePosixPath | str, url: str, timeout: float
) -> str:
    """Download one file; returns ``ok``/``skip``/``fail`` and a detail, NUL-separated."""
    if isinstance(relative, str):
        return f"fail\0{name}: {relative}"
    try:
        path = ensure_inside(target, relative)
    except OutputError as exc:
        return f"fail\0{name}: {exc}"
    if path.is_file():
        return f"skip\0{name}"
    try:
        _download(url, path, timeout)
    except _DownloadError as exc:
        return f"fail\0{name}: {exc}"
    except OSError as exc:
        return f"fail\0{name}: cannot write: {exc.strerror or exc}"
    return f"ok\0{name}"


class _DownloadError(Exception):
    """One file could not be fetched (the reason is safe to show: no URL query)."""


def _download(url: str, path: Path, timeout: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(path)
    have = part.stat().st_size if part.is_file() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        with requests.get(url, headers=headers, stream=True, timeout=timeout) as response:
            _check_status(response)
            resumed = have > 0 and response.status_code == 206
            with part.open("ab" if resumed else "wb") as sink:
                written = _copy(response, sink)
            _check_length(response, written)
    except requests.RequestException as exc:
        raise _DownloadError(
            f"transfer failed ({type(exc).__name__}); run again to resume"
        ) from None
    os.replace(part, path)


def part_path(path: Path) -> Path:
    """Where ``path`` is downloaded before it is complete: a hidden name beside it, short
    (a hash of the name) so a 255-byte name still has a temp, and the same on every run
    so an interrupted download resumes."""
    digest = hashlib.sha256(path.name.encode("utf-8", "surrogatepass")).hexdigest()[:20]
    return path.with_name(f".{digest}.part")


def _check_status(response: requests.Response) -> None:
    status = response.status_code
    if status in (200, 206):
        return
    if status == 416:  # the .part already holds everything
        return
    hint = " (the signed URL has probably expired: export again)" if status in (401, 403) else ""
    raise _DownloadError(f"HTTP {status}{hint}")


def _copy(response: requests.Response, sink: Any) -> int:
    if response.status_code == 416:
        return 0
    written = 0
    for chunk in response.iter_content(CHUNK):
        sink.write(chunk)
        written += len(chunk)
    return written


def _check_length(response: requests.Response, written: int) -> None:
    length = response.headers.get("Content-Length")
    if response.status_code == 416 or not length or not (length.isascii() and length.isdigit()):
        return
    if response.headers.get("Content-Encoding"):
        return  # requests decodes; the byte count no longer matches the header
    if int(length) != written:
        raise _DownloadError(f"got {written} of {length} bytes; run again to resume")


def default_images_dir(target: Path) -> Path:
    """Where ``--download-images`` puts images when ``--images`` is not given:
    ``<output>.images`` beside the output (outside it, so a writer that builds its
    output folder afresh does not remove them)."""
    name = PurePosixPath(target.name).name or "output"
    return target.parent / f"{name}.images"


#: The readers whose sources ``--download-images`` understands.
EXPORT_FORMATS = ("ango-v2", "ango-v3")


def download_for_convert(
    source: Path, target: Path, from_format: str, images_dir: Path | None
) -> tuple[Path, DownloadReport]:
    """``convert --download-images``: fetch an export's images before converting it.

    Args:
        source: The export being converted.
        target: The conversion's output.
        from_format: The reader's format name (must be an Ango export).
        images_dir: ``--images``, where the images go; else ``<output>.images``.

    Returns:
        The folder to pass on as ``images_dir`` (sizes, and copying by the writers),
        and the download report.

    Raises:
        ConversionError: The source is not an Ango export.
    """
    if from_format not in EXPORT_FORMATS:
        raise ConversionError(
            f"--download-images works on Ango exports ({', '.join(EXPORT_FORMATS)}), "
            f"not {from_format!r}"
        )
    folder = images_dir if images_dir is not None else default_images_dir(target)
    return folder, download_images(source, folder, consent=True)
