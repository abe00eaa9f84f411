"""``--jobs 2`` against ``--jobs 1`` on the large set, alternating, with identical outputs.

    python benchmarks/jobs.py                 # 5 repetitions of each, large scale
    python benchmarks/jobs.py --reps 3 --scale small

Runs V3 ndjson -> COCO and COCO -> YOLO (labels only, ``-W images=none``) as whole
processes, ``--jobs 1`` and ``--jobs 2`` in turn (the order flips every repetition, so
neither setting always runs first on a warm machine), and prints each setting's fastest
and median wall time and their ratio. Every ``--jobs 2`` output is compared byte for byte
with the ``--jobs 1`` output of the same repetition. Shared machines are noisy; the ratio
of runs taken side by side is the figure to read, not the seconds.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import environment
from generate import DATA

_CONVERSIONS = {
    "Ango V3 ndjson → COCO": ("export_v3.ndjson", ["--from", "ango-v3", "--to", "coco"], ".json"),
    "COCO → YOLO": ("coco.json", ["--from", "coco", "--to", "yolo", "-W", "images=none"], ""),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "large"], default="large")
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    data = DATA / args.scale
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as scratch:
        for name, (source, options, suffix) in _CONVERSIONS.items():
            times = _alternate(data / source, options, Path(scratch), suffix, args.reps)
            _print(name, times)


def _alternate(
    source: Path, options: list[str], scratch: Path, suffix: str, reps: int
) -> dict[int, list[float]]:
    times: dict[int, list[float]] = {1: [], 2: []}
    for rep in range(reps):
        outputs = {}
        for jobs in (1, 2) if rep % 2 == 0 else (2, 1):
            output = scratch / f"jobs{jobs}{suffix}"
            shutil.rmtree(output, ignore_errors=True)
            output.unlink(missing_ok=True)
            command = [*environment.ango_convert_command(), "convert", str(source), *options]
            start = time.perf_counter()
            subprocess.run([*command, "-o", str(output), "-j", str(jobs)], check=True,
                           capture_output=True)  # fmt: skip
            times[jobs].append(time.perf_counter() - start)
            outputs[jobs] = output
        if not _same(outputs[1], outputs[2]):
            raise SystemExit(f"--jobs 2 wrote other bytes than --jobs 1 for {source.name}")
    return times


def _same(one: Path, two: Path) -> bool:
    if one.is_file():
        return filecmp.cmp(one, two, shallow=False)
    ones = sorted(path.relative_to(one) for path in one.rglob("*"))
    twos = sorted(path.relative_to(two) for path in two.rglob("*"))
    return ones == twos and all(
        filecmp.cmp(one / path, two / path, shallow=False)
        for path in ones
        if (one / path).is_file()
    )


def _print(name: str, times: dict[int, list[float]]) -> None:
    fastest = {jobs: min(runs) for jobs, runs in times.items()}
    median = {jobs: statistics.median(runs) for jobs, runs in times.items()}
    print(
        f"{name}: --jobs 1 {fastest[1]:.2f} s (median {median[1]:.2f}), "
        f"--jobs 2 {fastest[2]:.2f} s (median {median[2]:.2f}); "
        f"ratio {fastest[1] / fastest[2]:.2f}x fastest, {median[1] / median[2]:.2f}x median; "
        f"outputs identical ({len(times[1])} runs each)"
    )


if __name__ == "__main__":
    main()
