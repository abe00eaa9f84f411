"""Writing outputs that are never half-written.

A file is written beside its target under a temporary name and renamed into place; a
folder is built under a temporary name and swapped in. A character device or FIFO is
written directly (renaming over it would replace the device node); other special files
are refused.

Every temp is locked (``flock``) by the run that made it, for as long as that run lives:
the clean-up of what killed runs left behind removes only temps no live process holds,
so two runs writing one target never take each other's work for stale.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from ango_convert.errors import OutputError
from ango_convert.io.inputs import STDIO
from ango_convert.io.temps import lock, remove_stale_temps

__all__ = [
    "atomic_dir",
    "atomic_file",
    "dump_json",
    "remove_stale_temps",
    "write_bytes_atomic",
    "write_into",
]

# The process umask, read once (reading it means setting it, so not per call).
_UMASK = os.umask(0o022)

os.umask(_UMASK)
#: Errors that mean the output itself cannot take the bytes (a full disk, a closed pipe),
#: as opposed to an input failing to read while the output is written.
_WRITE_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EPIPE, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS, errno.EBADF}
)


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

    ``-`` writes to stdout instead. A character device or FIFO is written directly (no
    temp, no rename); a folder or another special file is refused. On any exception the
    temporary file is removed and an existing ``target`` is left as it was.

    Raises:
        OutputError: The target cannot be written (also a full disk or a closed pipe
            met while the caller writes).
    """
    if str(target) == STDIO:
        with _stdout() as stream:
            yield stream
        return
    if is_special(Path(target)):  # through any symlink (/dev/stdout): never renamed over
        with _direct(Path(target)) as stream:
            yield stream
        return
    path = real_target(Path(target))
    directory = path.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(path)
        handle, temp_name = tempfile.mkstemp(
            prefix=f".{path.name[:50]}.", suffix=".tmp", dir=directory
        )
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    stream = _WholeWrites(io.FileIO(handle, "wb"))
    try:
        lock(stream.fileno())  # held until closed, after the rename: never stale
        with _output_errors(path):
            yield stream
        try:
            stream.flush()
            os.fsync(stream.fileno())
            # mkstemp makes the file private (0600); outputs get any new file's mode.
            Path(temp_name).chmod(0o666 & ~_UMASK)
            if is_special(path):  # became a device or FIFO meanwhile: never rename over it
                raise OutputError(f"{path}: is no longer a regular file; not replaced")
            os.replace(temp_name, path)
        except OutputError:
            raise
        except OSError as exc:
            raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    finally:
        with contextlib.suppress(OSError):
            stream.close()  # after the rename: releases the lock


def real_target(path: Path) -> Path:
    """Where writing ``path`` lands: a symlink is followed (replacing the link itself
    would leave what it names stale), and a folder is refused.

    Raises:
        OutputError: ``path`` is a folder.
    """
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    if path.is_dir():
        raise OutputError(f"{path}: is a folder, expected a file")
    return path


def is_special(path: Path) -> bool:
    """True for an existing target that is not a regular file (a device, a FIFO...)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


@contextlib.contextmanager
def _direct(path: Path) -> Iterator[IO[bytes]]:
    """Write a character device or FIFO in place: it cannot be half-written or renamed."""
    mode = path.stat().st_mode
    if not (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        raise OutputError(f"{path}: is not a regular file, device or FIFO; not written")
    try:
        handle = os.open(path, os.O_WRONLY)  # no O_CREAT, no O_TRUNC: the node stays
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    stream = _WholeWrites(io.FileIO(handle, "wb"))
    try:
        with _output_errors(path):
            yield stream
            stream.flush()
    finally:
        with contextlib.suppress(OSError):
            stream.close()


@contextlib.contextmanager
def _stdout() -> Iterator[IO[bytes]]:
    """Standard output's bytes, or a clear error when it is closed or its reader left."""
    stream = sys.stdout
    buffer = getattr(stream, "buffer", None) if stream is not None else None
    if buffer is None or buffer.closed:
        raise OutputError("stdout is closed; name an output file with -o FILE")
    # Unbuffered (python -u, PYTHONUNBUFFERED) the buffer is the descriptor's FileIO.
    raw = buffer if isinstance(buffer, io.FileIO) else getattr(buffer, "raw", None)
    try:
        with _output_errors(Path("stdout")):
            if isinstance(raw, io.FileIO):  # a real descriptor: writes checked whole
                buffer.flush()
                whole = _WholeWrites(raw, keep_open=True)
                yield whole
                whole.flush()
            else:
                yield buffer
            buffer.flush()
    except OutputError:
        _quiet_stdout()
        raise


class _WholeWrites(io.BufferedWriter):
    """A buffered writer whose every write is whole or raises.

    ``BufferedWriter.write`` may return a short count instead of raising when a write
    fails partway (a reader closing the pipe, a disk filling up); callers such as
    :func:`shutil.copyfileobj` ignore the count, so the output would end silently short.
    """

    def __init__(self, raw: io.FileIO, *, keep_open: bool = False) -> None:
        super().__init__(raw, 1 << 16)
        self._keep_open = keep_open

    def write(self, data: Any) -> int:
        written = super().write(data)
        size = data.nbytes if isinstance(data, memoryview) else len(data)
        if written == size:
            return written  # the usual case: one call, no copy
        view = memoryview(data).cast("B")
        while written < size:
            more = super().write(view[written:])  # raises the error that cut it short
            if not more:
                raise OSError(errno.EIO, "the output took no more bytes")
            written += more
        return written

    def close(self) -> None:
        if self._keep_open:  # stdout: flush, but leave the descriptor to Python
            self.flush()
            return
        super().close()


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so Python's last flush at exit does not fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


@contextlib.contextmanager
def _output_errors(path: Path) -> Iterator[None]:
    """Turn a write error of the output (full disk, broken pipe) met in the caller's
    block into :class:`OutputError`; other errors (an input failing) pass as they are."""
    try:
        yield
    except OutputError:
        raise
    except OSError as exc:
        if exc.errno not in _WRITE_ERRNOS:
            raise
        reason = "the reader closed the pipe" if exc.errno == errno.EPIPE else exc.strerror
        raise OutputError(f"{path}: cannot write: {reason or exc}") from exc


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

    Raises:
        OutputError: ``target`` is a file, a mount point, or the current folder (or
            holds it), or cannot be written.
    """
    if str(target) == STDIO:
        raise OutputError("this format writes a folder, which cannot go to stdout (-o -)")
    path = swappable_folder(Path(target))
    remove_stale_temps(path)  # first: it may put back an earlier output
    if path.exists() and not path.is_dir():
        raise OutputError(f"{target}: exists and is not a folder")
    if path.is_dir() and any(path.iterdir()) and not overwrite:
        raise OutputError(
            f"{target}: folder exists and is not empty; pass --overwrite to replace it"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = Path(tempfile.mkdtemp(prefix=f".{path.name[:50]}.", suffix=".tmp", dir=path.parent))
        holder = os.open(temp, os.O_RDONLY)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    try:
        lock(holder)  # held until the swap is done: another run never takes it for stale
        yield temp
        temp.chmod(0o777 & ~_UMASK)  # mkdtemp makes it private (0700)
        if not overwrite and path.is_dir() and any(path.iterdir()):
            raise OutputError(
                f"{target}: another run wrote this folder meanwhile; pass --overwrite to replace it"
            )
        _swap_in(temp, path)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    finally:
        os.close(holder)


def swappable_folder(path: Path) -> Path:
    """The absolute folder ``path`` names (a symlink followed), refused when it cannot
    be swapped for another: a mount point, or the current folder or one holding it.

    Raises:
        OutputError: Such a folder.
    """
    real = Path(os.path.realpath(path))
    if real == Path(real.anchor) or os.path.ismount(real):
        raise OutputError(
            f"{path}: is a mount point, which cannot be replaced; "
            f"write into a folder inside it (-o {path.as_posix().rstrip('/')}/NAME)"
        )
    try:
        here: Path | None = Path(os.path.realpath(Path.cwd()))
    except OSError:  # the current folder was removed: nothing to protect
        here = None
    if here is not None and (real == here or real in here.parents):
        raise OutputError(
            f"{path}: is the current folder or holds it, which cannot be replaced; "
            "write into a folder inside it (-o NAME)"
        )
    return real


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
    try:
        _swap(temp, path)
    except OSError as exc:
        if isinstance(exc, OutputError):
            raise
        raise OutputError(f"{path}: cannot put the output in place: {exc.strerror or exc}") from exc


def _swap(temp: Path, path: Path) -> None:
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
    held = os.open(path, os.O_RDONLY)  # the lock moves aside with the folder
    try:
        lock(held, wait=True)
        os.replace(path, backup)
        try:
            os.replace(temp, path)
        except OSError:
            os.replace(backup, path)
            raise
        shutil.rmtree(backup, ignore_errors=True)
    finally:
        os.close(held)


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
