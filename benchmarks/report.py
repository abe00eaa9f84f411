"""Turn measurements into the markdown tables of benchmarks/results.md."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from cells import FLOOR, OURS, OURS_ONE, Row
from measure import Measurement

NOT_BUILT = "n/a (not built)"


@dataclass
class CellResult:
    """All runs of one cell, or why it has none."""

    runs: list[Measurement] = field(default_factory=list)
    unavailable: str | None = None

    @property
    def error(self) -> str | None:
        """The first failed run's reason."""
        return next((run.error for run in self.runs if run.error), None)

    @property
    def seconds(self) -> float | None:
        """Median wall time over passing runs; None if any run failed or none ran."""
        if self.unavailable or self.error or not self.runs:
            return None
        return statistics.median(run.seconds for run in self.runs)

    @property
    def best(self) -> float | None:
        """The fastest passing run: the least disturbed by other load on the machine."""
        if self.seconds is None:
            return None
        return min(run.seconds for run in self.runs)

    @property
    def rss_mb(self) -> float | None:
        """Median peak RSS over passing runs."""
        if self.seconds is None:
            return None
        return statistics.median(run.max_rss_mb for run in self.runs)


Results = dict[tuple[str, str], CellResult]


def _time_text(result: CellResult | None, reps: int) -> str:
    if result is None:
        return "—"
    if result.unavailable:
        return result.unavailable
    if result.error:
        return "FAIL"
    if result.seconds is None:
        return "—"
    runs = len(result.runs)
    return f"{result.seconds:.2f} s" + (f" (n={runs})" if runs < reps else "")


def _rss_text(result: CellResult | None) -> str:
    if result is None or result.rss_mb is None:
        return "—" if result is None or not result.unavailable else result.unavailable
    return f"{result.rss_mb:.0f} MB"


def fastest_peer(results: Results, row: Row, peers: Sequence[str]) -> tuple[str, float] | None:
    """The quickest passing peer on a row."""
    timed = [
        (peer, results[(row.key, peer)].seconds) for peer in peers if (row.key, peer) in results
    ]
    passing = [(peer, s) for peer, s in timed if s is not None]
    return min(passing, key=lambda item: item[1]) if passing else None


def _ratios(results: Results, row: Row, peers: Sequence[str]) -> tuple[str, str, str, str]:
    ours = results.get((row.key, OURS))
    one = results.get((row.key, OURS_ONE))
    floor = results.get((row.key, FLOOR))
    our_seconds = ours.seconds if ours else None
    one_seconds = one.seconds if one else None
    best = fastest_peer(results, row, peers) if row.shared else None
    vs_peer = vs_peer_one = "—"
    if best and our_seconds:
        vs_peer = f"{best[1] / our_seconds:.2f}× ({best[0]})"
    if best and one_seconds:
        vs_peer_one = f"{best[1] / one_seconds:.2f}×"
    speedup = f"{one_seconds / our_seconds:.2f}×" if one_seconds and our_seconds else "—"
    vs_floor = "—"
    if floor and floor.seconds and our_seconds:
        vs_floor = f"{our_seconds / floor.seconds:.2f}×"
    return vs_peer, vs_peer_one, speedup, vs_floor


def time_table(results: Results, rows: Sequence[Row], peers: Sequence[str], reps: int) -> str:
    """Median wall time per cell, with the two ratios the issue asks for."""
    header = [
        "Conversion",
        OURS,
        OURS_ONE,
        *peers,
        "floor (orjson)",
        "fastest peer ÷ ours",
        "fastest peer ÷ ours -j1",
        "-j1 ÷ ours",
        "ours ÷ floor",
    ]
    lines = [_line(header), _line(["---"] * len(header))]
    for row in rows:
        tools = (OURS, OURS_ONE, *peers)
        cells = [_time_text(results.get((row.key, tool)), reps) for tool in tools]
        floor = _time_text(results.get((row.key, FLOOR)), reps)
        lines.append(_line([row.label, *cells, floor, *_ratios(results, row, peers)]))
    return "\n".join(lines)


def best_table(results: Results, rows: Sequence[Row], peers: Sequence[str]) -> str:
    """Fastest run per cell."""
    header = ["Conversion", OURS, OURS_ONE, *peers, "floor (orjson)"]
    lines = [_line(header), _line(["---"] * len(header))]
    for row in rows:
        found = [results.get((row.key, tool)) for tool in (OURS, OURS_ONE, *peers, FLOOR)]
        texts = [f"{r.best:.2f} s" if r and r.best is not None else "—" for r in found]
        lines.append(_line([row.label, *texts]))
    return "\n".join(lines)


def rss_table(results: Results, rows: Sequence[Row], peers: Sequence[str]) -> str:
    """Median peak RSS per cell."""
    header = ["Conversion", OURS, OURS_ONE, *peers, "floor (orjson)"]
    lines = [_line(header), _line(["---"] * len(header))]
    for row in rows:
        tools = (OURS, OURS_ONE, *peers, FLOOR)
        cells = [_rss_text(results.get((row.key, tool))) for tool in tools]
        lines.append(_line([row.label, *cells]))
    return "\n".join(lines)


def failures(results: Results) -> list[str]:
    """One line per failed cell, with the reason."""
    return [
        f"- {row} / {tool}: {result.error}"
        for (row, tool), result in results.items()
        if result.error
    ]


def _line(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"
