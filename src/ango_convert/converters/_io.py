"""File plumbing shared by the formats: atomic outputs, JSON with located errors, safe names.

Outputs are never half-written: a file is written beside its target under a temporary
name and renamed into place; a folder is built under a temporary name and swapped in.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Any

import orjson

from ango_convert.errors import OutputError, ReadError

STDIO = "-"
# The process umask, read once (reading it means setting it, so not per call).
_UMASK = os.umask(0o022)
os.umask(_UMASK)
UTF8_BOM = b"\xef\xbb\xbf"
MAX_NAME_BYTES = 255
#: When this process started: hidden temps of a target older than that were left by a
#: killed run and are removed by the next write of the same target.
_STARTED = time.time()
#: Targets with longer names share their temp prefix with others; their temps are kept.
_TEMP_PREFIX_CHARS = 50


# --- reading ------------------------------------------------------------------------


def read_bytes(path: str | Path) -> bytes:
    """Read a whole input file (or stdin for ``-``), with a ReadError on failure."""
    if str(path) == STDIO:
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as stream:  # noqa: PTH123 -- no Path object per small file
            return stream.read()
    except FileNotFoundError:
        raise ReadError(path, None, "no such file") from None
    except IsADirectoryError:
        raise ReadError(path, None, "is a folder, expected a file") from None
    except OSError as exc:
        raise ReadError(path, None, exc.strerror or str(exc)) from exc


def parse_json(data: bytes, source: str | Path) -> Any:
    """Parse JSON bytes, tolerating a UTF-8 BOM; errors name the line and column.

    NaN and Infinity are refused, as JSON requires.
    """
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    if not data.strip():
        raise ReadError(source, None, "file is empty, expected JSON")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ReadError(
            source, f"line {exc.lineno} column {exc.colno}", f"invalid JSON: {exc.msg}"
        ) from None


#: Deepest bracket nesting a YAML document may have: PyYAML slows to seconds near 1000
#: levels (a 3 KB file) before it fails with RecursionError.
MAX_YAML_NESTING = 100
_BRACKETS = re.compile(rb"[\[\]{}]")


def yaml_too_deep(data: bytes) -> bool:
    """True when flow brackets nest deeper than :data:`MAX_YAML_NESTING` (quotes ignored:
    a name would need that many unbalanced brackets to trip it)."""
    depth = 0
    for match in _BRACKETS.finditer(data):
        depth += 1 if match.group() in (b"[", b"{") else -1
        if depth > MAX_YAML_NESTING:
            return True
    return False


def load_json(path: str | Path) -> Any:
    """Read and parse a JSON file (or stdin for ``-``)."""
    return parse_json(read_bytes(path), path)


def json_path(*parts: str | int) -> str:
    """Format a JSON path such as ``$.images[3].file_name``."""
    text = "$"
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            text += f".{part}"
        else:
            text += f"[{part!r}]"
    return text


# --- writing ------------------------------------------------------------------------


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


# --- names ----------------------------------------------------------------------------

_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
# Names every rule below leaves as they are: one plain part, no dot or space at its ends.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_\-]+(?:[.][A-Za-z0-9_\-]+)*")


def is_plain_name(name: str) -> bool:
    """True for a name every rule of :func:`safe_relative_path` leaves as it is: one part
    of letters, digits, ``_``, ``-`` and inner dots, within the length limit."""
    return len(name) <= MAX_NAME_BYTES and _PLAIN_NAME.fullmatch(name) is not None


def safe_relative_path(name: str, *, keep_dirs: bool = True) -> PurePosixPath:
    """Turn a file name taken from data into a relative path that stays inside a folder.

    Backslashes count as separators; empty, ``.`` and ``..`` parts, drive letters and
    leading slashes are dropped; control and Windows-reserved characters become ``_``;
    each part is cut to 255 bytes keeping its extension.

    Args:
        name: The name as the data gives it.
        keep_dirs: Keep sub-folders (``a/b.jpg``); otherwise keep only the base name.

    Raises:
        ValueError: Nothing usable is left of the name.
    """
    if is_plain_name(name):
        return PurePosixPath(name)  # the common case, called once per output file
    text = unicodedata.normalize("NFC", name).replace("\\", "/")
    parts = []
    for raw in text.split("/"):
        part = _UNSAFE_CHARS.sub("_", raw).strip()
        if part in ("", ".", "..") or re.fullmatch(r"[A-Za-z]:", raw):
            continue
        parts.append(_fit_bytes(part))
    if not keep_dirs:
        parts = parts[-1:]
    if not parts:
        raise ValueError(f"file name {name!r} has no usable part")
    return PurePosixPath(*parts)


def safe_base_name(name: str) -> str:
    """The last part of :func:`safe_relative_path` (``keep_dirs=False``), as a string.

    Raises:
        ValueError: Nothing usable is left of the name.
    """
    if is_plain_name(name):
        return name  # the common case: a plain name is its own safe base name
    return safe_relative_path(name, keep_dirs=False).name


def stem_of(name: str) -> str:
    """``PurePosixPath(name).stem`` of a single name, without making a path."""
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def _fit_bytes(part: str) -> str:
    if len(part.encode("utf-8")) <= MAX_NAME_BYTES:
        return part
    stem, dot, ext = part.rpartition(".")
    if not dot or len(ext) > 16:
        stem, ext = part, ""
    suffix = f".{ext}" if ext else ""
    budget = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    cut = stem.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    return cut + suffix


class UniqueNames:
    """Hands out output names, renaming collisions instead of overwriting.

    Names are compared case-insensitively, since outputs may land on such file systems.
    The second ``a.jpg`` becomes ``a_1.jpg``, the third ``a_2.jpg``.
    """

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def claim_name(self, name: str) -> str:
        """:meth:`claim` for a single name without folders, as a string."""
        key = name.lower()
        if key not in self._taken:
            self._taken.add(key)
            return name
        return self.claim(PurePosixPath(name)).name

    def claim(self, path: PurePosixPath) -> PurePosixPath:
        """Return ``path`` or, if taken, the first free ``stem_N`` variant of it."""
        candidate = path
        counter = 0
        while str(candidate).lower() in self._taken:
            counter += 1
            candidate = path.with_name(f"{path.stem}_{counter}{path.suffix}")
        self._taken.add(str(candidate).lower())
        return candidate


def ensure_inside(root: Path, relative: PurePosixPath) -> Path:
    """Join ``relative`` under ``root`` and prove the result does not escape it."""
    resolved_root = root.resolve()
    target = (resolved_root / relative).resolve()
    if resolved_root != target and resolved_root not in target.parents:
        raise OutputError(f"refusing to write {relative}: it would land outside {root}")
    return target
