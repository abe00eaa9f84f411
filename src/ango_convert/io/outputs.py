"""Writing outputs that are never half-written.

A file is written beside its target under a temporary name and renamed into place; a
folder is built under a temporary name and swapped in.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from ango_convert.errors import OutputError
from ango_convert.io.inputs import STDIO

# The process umask, read once (reading it means setting it, so not per call).
_UMASK = os.umask(0o022)

os.umask(_UMASK)
#: When this process started: hidden temps of a target older than that were left by a
#: killed run and are removed by the next write of the same target.
_STARTED = time.time()

#: Targets with longer names share their temp prefix with others; their temps are kept.
_TEMP_PREFIX_CHARS = 50


def dump_json(data: Any, *, indent: bool = False) -> bytes:
    """Serialise to JSON bytes (UTF-8, no NaN), optionally indented by two spaces."""
    option = orjson.OPT_INDENT_2 if indent else 0
    try:
        return orjson.dumps(data, option=option | orjson.OPT_APPEND_NEWLINE)
    except TypeError as exc:
        raise OutputError(f"cannot serialise output as JSON: {exc}") from exc


@contextlib.contextmanager
def atomic_file(target: str | Path) -> Iterator[IO[bytes]]:
    """Open a temporary file beside ``target`` and rename it into place on success.

    ``-`` writes to stdout instead. On any exception the temporary file is removed and
    an existing ``target`` is left as it was.
    """
    if str(target) == STDIO:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    path = Path(target)
    directory = path.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(path)
        handle, temp_name = tempfile.mkstemp(
            prefix=f".{path.name[:50]}.", suffix=".tmp", dir=directory
        )
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp makes the file private (0600); outputs get the mode any new file would.
        Path(temp_name).chmod(0o666 & ~_UMASK)
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise


def write_bytes_atomic(target: str | Path, data: bytes) -> None:
    """Write bytes to ``target`` atomically (or to stdout for ``-``)."""
    try:
        with atomic_file(target) as stream:
            stream.write(data)
    except OSError as exc:
        if isinstance(exc, OutputError):
            raise
        raise OutputError(f"{target}: cannot write: {exc.strerror or exc}") from exc


@contextlib.contextmanager
def atomic_dir(target: str | Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Build a folder under a temporary name beside ``target`` and swap it in on success.

    Args:
        target: The folder to produce.
        overwrite: Replace an existing non-empty ``target``. Without it such a folder is
            refused, so a typo cannot wipe a user's data.

    Yields:
        The temporary folder to fill.
    """
    path = Path(target)
    remove_stale_temps(path)  # first: it may put back an earlier output
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path}: exists and is not a folder")
    if path.is_dir() and any(path.iterdir()) and not overwrite:
        raise OutputError(f"{path}: folder exists and is not empty; pass --overwrite to replace it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = Path(tempfile.mkdtemp(prefix=f".{path.name[:50]}.", suffix=".tmp", dir=path.parent))
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    try:
        yield temp
        temp.chmod(0o777 & ~_UMASK)  # mkdtemp makes it private (0700)
        _swap_in(temp, path)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


def remove_stale_temps(target: Path) -> list[Path]:
    """Clear what a killed run left beside ``target``: hidden temps
    (``.NAME.XXXXXXXX.tmp``) older than this process are removed, and a folder moved
    aside for a swap (``.NAME.XXXXXXXX.old``) is put back when ``target`` is missing.

    Returns:
        The temps removed.
    """
    removed: list[Path] = []
    for path in _stale(target):
        with contextlib.suppress(OSError):
            if path.suffix == ".old" and not os.path.lexists(target):
                os.replace(path, target)  # the earlier output, back under its name
                continue
            _remove(path)
            removed.append(path)
    return removed


def _stale(target: Path) -> list[Path]:
    name = target.name
    if len(name) > _TEMP_PREFIX_CHARS:
        return []
    pattern = re.compile(re.escape(f".{name}.") + r"[A-Za-z0-9_]{8}\.(?:tmp|old)")
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return []
    found = []
    for entry in entries:
        with contextlib.suppress(OSError):
            if (
                pattern.fullmatch(entry.name)
                and entry.stat(follow_symlinks=False).st_mtime < _STARTED
            ):
                found.append(Path(entry.path))
    return sorted(found)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink()


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``).

    Returns:
        False when the system cannot (another OS, an old kernel or file system).
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # only for replacing a folder: kept out of every command's start-up

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange)
    return bool(result == 0)


def _swap_in(temp: Path, path: Path) -> None:
    if not path.exists():
        os.replace(temp, path)
        return
    if _exchange(temp, path):  # one atomic step: ``temp`` now holds the old folder
        shutil.rmtree(temp, ignore_errors=True)
        return
    # Two steps: a kill between them leaves the old folder as ``.NAME.XXXXXXXX.old``,
    # which the next write of ``path`` puts back (see remove_stale_temps).
    backup = Path(tempfile.mkdtemp(prefix=f".{path.name[:50]}.", suffix=".old", dir=path.parent))
    backup.rmdir()
    os.replace(path, backup)
    try:
        os.replace(temp, path)
    except OSError:
        os.replace(backup, path)
        raise
    shutil.rmtree(backup, ignore_errors=True)


def write_into(folder: Path, relative: str, data: bytes) -> None:
    """Write one file inside a folder that :func:`atomic_dir` is building.

    The folder as a whole is swapped in atomically, so its files need no temporary
    name or fsync of their own (which made 10,000 small files take seconds).

    Raises:
        OutputError: The file system refused.
    """
    path = folder / relative
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise OutputError(f"{relative}: cannot write: {exc.strerror or exc}") from exc
