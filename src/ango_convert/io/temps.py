"""Hidden temps beside an output, and telling a killed run's from a live run's.

A temp (``.NAME.XXXXXXXX.tmp``, ``.part``, or ``.old`` for a folder moved aside) is
locked with ``flock`` by the run that made it for as long as it lives; the lock goes with
the process, so a temp nobody holds and older than this process was left by a killed run.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no locks, temps are judged by age only
    fcntl = None  # type: ignore[assignment]

#: When this process started: hidden temps of a target older than that were left by a
#: killed run and are removed by the next write of the same target.
_STARTED = time.time()

#: Targets with longer names share their temp prefix with others; their temps are kept.
_TEMP_PREFIX_CHARS = 50


def lock(handle: int, *, wait: bool = False) -> bool:
    """Take an exclusive ``flock`` on an open file or folder.

    Returns:
        False when another live process holds it; True when taken, or when the file
        system has no locks (then age alone tells a stale temp).
    """
    if fcntl is None:
        return True
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    except OSError:
        return True  # no locking here (some network file systems)
    return True


def remove_stale_temps(target: Path) -> list[Path]:
    """Clear what a killed run left beside ``target``: hidden temps
    (``.NAME.XXXXXXXX.tmp`` and ``.part``) older than this process and locked by no live
    process are removed, and a folder moved aside for a swap (``.NAME.XXXXXXXX.old``) is
    put back when ``target`` is missing.

    Returns:
        The temps removed.
    """
    removed: list[Path] = []
    for path in _stale(target):
        try:
            handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            if not lock(handle):
                continue  # a live run's: not stale
            if path.suffix == ".old":
                if not os.path.lexists(target):
                    os.replace(path, target)  # the earlier output, back under its name
                continue
            _remove(path)
            removed.append(path)
        except OSError:
            continue
        finally:
            os.close(handle)
    return removed


def _stale(target: Path) -> list[Path]:
    name = target.name
    if len(name) > _TEMP_PREFIX_CHARS:
        return []
    pattern = re.compile(re.escape(f".{name}.") + r"[A-Za-z0-9_]{8}\.(?:tmp|old|part)")
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
