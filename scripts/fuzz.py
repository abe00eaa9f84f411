"""Fuzz every reader with hypothesis: random, mutated and value-swapped inputs.

Usage::

    .venv/bin/python scripts/fuzz.py [--examples 10000] [--timeout 5] [TARGET ...]

Each input runs on its own with an alarm of ``--timeout`` seconds. An exception that is
not an ``AngoConvertError`` is an escape; an input still running at the alarm is a hang.
The address space is capped (``--memory-mb``) so a blow-up shows as a MemoryError escape
instead of taking the machine down. Prints, per target, the inputs run, the escapes by
type (with the first input of each, saved under ``--save``), the hangs and the peak RSS;
exits 1 when anything escaped or hung. The slowest input of each target is saved too.
"""

from __future__ import annotations

import argparse
import resource
import signal
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fuzz_targets import TARGETS, Target, inputs, run_in_temp

from ango_convert.errors import AngoConvertError


class Hang(BaseException):
    """Raised by the alarm; a BaseException so no reader's ``except Exception`` eats it."""


@dataclass
class Outcome:
    """What one target's run found."""

    runs: int = 0
    handled: int = 0
    escapes: Counter[str] = field(default_factory=Counter)
    hangs: int = 0
    slowest: float = 0.0
    samples: dict[str, bytes] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)


def _alarm(_signum: int, _frame: FrameType | None) -> None:
    raise Hang


def fuzz(target: Target, examples: int, timeout: int) -> Outcome:
    """Run ``examples`` inputs through one target."""
    outcome = Outcome()

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(inputs(target))
    def one(data: bytes) -> None:
        outcome.runs += 1
        started = time.perf_counter()
        signal.alarm(timeout)
        try:
            run_in_temp(target, data)
        except AngoConvertError:
            outcome.handled += 1
        except Hang:
            outcome.hangs += 1
            outcome.samples.setdefault("hang", data)
        except BaseException as exc:
            key = f"{type(exc).__name__}"
            outcome.escapes[key] += 1
            outcome.samples.setdefault(key, data)
            outcome.details.setdefault(key, "".join(traceback.format_exception(exc)[-3:]))
        finally:
            signal.alarm(0)
            took = time.perf_counter() - started
            if took > outcome.slowest:
                outcome.slowest = took
                outcome.samples["slowest"] = data

    one()
    return outcome


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    """Parse arguments, fuzz, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", help="Targets (default: all).")
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--timeout", type=int, default=5)
    parser.add_argument("--memory-mb", type=int, default=4096)
    parser.add_argument("--save", type=Path, default=Path("fuzz-findings"))
    args = parser.parse_args()
    limit = args.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.signal(signal.SIGALRM, _alarm)
    chosen = [t for t in TARGETS if not args.targets or t.name in args.targets]
    failed = False
    print(
        f"{'target':<12} {'inputs':>7} {'handled':>8} {'escapes':>8} {'hangs':>6} "
        f"{'slowest s':>9} {'peak RSS MB':>11}"
    )
    for target in chosen:
        started = time.perf_counter()
        outcome = fuzz(target, args.examples, args.timeout)
        escapes = sum(outcome.escapes.values())
        print(
            f"{target.name:<12} {outcome.runs:>7} {outcome.handled:>8} {escapes:>8} "
            f"{outcome.hangs:>6} {outcome.slowest:>9.2f} {_peak_rss_mb():>11.0f}"
            f"   ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
        for kind, count in outcome.escapes.items():
            print(f"    escape {kind} x{count}:\n{outcome.details[kind]}", flush=True)
        for kind, data in outcome.samples.items():
            args.save.mkdir(parents=True, exist_ok=True)
            (args.save / f"{target.name}.{kind}.bin").write_bytes(data)
        failed |= bool(escapes or outcome.hangs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
