"""Run the CLI in a child process and measure its peak memory (bomb cases).

The child runs ``ango-convert`` in-process and writes its own peak RSS to a file when it
exits: ``VmHWM`` of ``/proc/self/status``, which starts afresh at ``exec``, unlike
``resource.getrusage``'s ``ru_maxrss`` (a forked child starts from its parent's), so a
case is measured alone however large the test process has grown.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_CHILD = """
import sys
from ango_convert.cli.main import cli
code = 0
try:
    cli.main(sys.argv[2:], prog_name="ango-convert", standalone_mode=True)
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 1
finally:
    with open(sys.argv[1], "w") as out:
        with open("/proc/self/status") as status:
            peak = next(line for line in status if line.startswith("VmHWM:"))
        out.write(peak.split()[1])
sys.exit(code)
"""

#: Peak memory no bomb case may reach.
PEAK_LIMIT_MB = 500


@dataclass(frozen=True)
class Measured:
    """What a measured run gave: exit code, stderr, peak RSS in MB and seconds taken."""

    code: int
    stderr: str
    peak_mb: float


def run_measured(args: Sequence[str], folder: Path, timeout: float = 120) -> Measured:
    """Run ``ango-convert ARGS`` in a child process; its exit code, stderr and peak RSS."""
    rss = folder / "peak-rss.txt"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(rss), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    peak_kb = int(rss.read_text())  # VmHWM is in kB
    return Measured(done.returncode, done.stderr, peak_kb / 1024)
