"""Run one cell as a child process: wall time, its own peak RSS, exit status, check."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import checks
from cells import Cell
from content import Content


@dataclass(frozen=True)
class Measurement:
    """One run of one cell. ``error`` is None when the run exited 0 and passed its check."""

    seconds: float
    max_rss_mb: float
    error: str | None
    detail: str = ""


def _clear(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


_LAUNCHER = Path(__file__).resolve().parent / "launch.py"


def _launch(
    cell: Cell, stdout: IO[bytes], stderr: IO[bytes], result: Path, timeout: float
) -> tuple[float, float, int]:
    """Run the cell under launch.py; return (seconds, peak RSS in MB, exit code)."""
    argv = [sys.executable, "-I", "-S", str(_LAUNCHER), str(result), *cell.argv]
    process = subprocess.Popen(
        argv, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL, start_new_session=True
    )
    timer = threading.Timer(timeout, _kill_group, (process.pid,))
    timer.start()
    try:
        process.wait()
    finally:
        timer.cancel()
    try:
        seconds, rss_kib, code = result.read_text(encoding="utf-8").split()
    except (OSError, ValueError):
        # No result: the launcher itself was killed, by the timer or the kernel.
        return timeout, 0.0, -9
    return float(seconds), int(rss_kib) / 1024, int(code)


def run_cell(cell: Cell, content: Content, log_dir: Path, timeout: float) -> Measurement:
    """Run ``cell`` once (through launch.py, for a true per-process peak RSS); check it."""
    _clear(cell.output)
    cell.output.parent.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    base = f"{cell.row.key}.{cell.tool}"
    stdout_path = cell.output if cell.stdout_is_output else log_dir / f"{base}.stdout"
    stderr_path = log_dir / f"{base}.stderr"
    result_path = log_dir / f"{base}.time"
    result_path.unlink(missing_ok=True)
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        seconds, rss, code = _launch(cell, stdout, stderr, result_path, timeout)
    if code == -9 and rss == 0.0:
        return Measurement(
            seconds, rss, f"killed: timed out after {timeout:.0f} s, or out of memory"
        )
    if code != 0:
        lines = stderr_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return Measurement(seconds, rss, f"exit {code}: {checks.first_error(lines)}")
    try:
        detail = cell.check(content, cell.output)
    except checks.CheckError as exc:
        return Measurement(seconds, rss, f"wrong output: {exc}")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return Measurement(seconds, rss, f"unreadable output: {type(exc).__name__}: {exc}")
    return Measurement(seconds, rss, None, detail)
