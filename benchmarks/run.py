"""Benchmark ango-convert against its peers and the orjson floor; write results.md.

    python benchmarks/run.py --scale small            # ~5 minutes on 2 cores
    python benchmarks/run.py --scale large            # 1,000,000 boxes, 1 repetition
    python benchmarks/run.py --only coco_to_yolo,globox

Every cell is one whole process. Repetitions are round-robin: each repetition runs every
cell once, ours and the peers interleaved, so drift on the machine hits all alike. A
cell whose output fails its check gets FAIL, not a time. A cell slower than --slow
seconds on its first run is not repeated (its n is shown).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cells
import environment
import generate
import report
from cells import FLOOR, OURS, OURS_ONE, ROWS, Cell, Row
from content import SCALES, Content, build
from measure import run_cell

RESULTS = environment.HERE / "results.md"
DEFAULT_REPS = {"small": 3, "large": 1}


def _log(message: str) -> None:
    print(f"[run] {message}", file=sys.stderr, flush=True)


def _wanted(only: Sequence[str], row: Row, tool: str) -> bool:
    """--only takes row keys and tool names: each kind given narrows its own axis."""
    rows = [word for word in only if word in {r.key for r in ROWS}]
    tools = [word for word in only if word not in rows]
    return (not rows or row.key in rows) and (not tools or tool in tools)


def _our_status(row: Row, formats: dict[str, str]) -> str | None:
    if "*" in formats:
        return report.NOT_BUILT
    missing = [need for need in row.needs if formats.get(need) != "ok"]
    return report.NOT_BUILT if missing else None


def plan(
    scale: str,
    only: Sequence[str],
    peer_status: dict[str, str],
    formats: dict[str, str],
    out_root: Path,
) -> tuple[list[Cell], report.Results]:
    """The cells to run, and the results table pre-filled with unavailable cells."""
    data = generate.dataset(scale, *SCALES[scale])
    probe = generate.probe_set()
    todo: list[Cell] = []
    results: report.Results = {}
    floors: dict[str, Cell] = {}
    for row in ROWS:
        if _wanted(only, row, OURS):
            unavailable = _our_status(row, formats)
            results[(row.key, OURS)] = report.CellResult(unavailable=unavailable)
            if unavailable is None:
                todo.append(cells.our_cell(row, data, out_root, probe))
        one = cells.our_one_process_cell(row, data, out_root, probe)
        if one is not None and _wanted(only, row, OURS_ONE):
            unavailable = _our_status(row, formats)
            results[(row.key, OURS_ONE)] = report.CellResult(unavailable=unavailable)
            if unavailable is None:
                todo.append(one)
        for peer in environment.PEERS if row.shared else ():
            if not _wanted(only, row, peer):
                continue
            status = peer_status.get(peer, "not installed")
            results[(row.key, peer)] = report.CellResult(
                unavailable=None if status == "ok" else "not installed"
            )
            if status == "ok":
                todo.append(cells.peer_cell(row, peer, data, out_root))
        if row.floor_input and _wanted(only, row, FLOOR):
            if row.floor_input not in floors:
                floors[row.floor_input] = cells.floor_cell(row, data, out_root)
                todo.append(floors[row.floor_input])
                results[(row.key, FLOOR)] = report.CellResult()
            else:
                first = floors[row.floor_input].row.key
                results[(row.key, FLOOR)] = results[(first, FLOOR)]
    return todo, results


def warm_inputs(data: Path) -> int:
    """Read every input file of a scale once, so the page cache holds them all.

    With one repetition (the large scale), the first tool of each row would otherwise
    read 100,000 files cold from the disk and the tools after it warm. Returns the
    bytes read.
    """
    total = 0
    for folder, dirs, names in os.walk(data):
        dirs[:] = [name for name in dirs if name not in ("logs", "out")]
        for name in names:
            try:
                with open(os.path.join(folder, name), "rb") as stream:  # noqa: PTH118, PTH123
                    while chunk := stream.read(1 << 20):
                        total += len(chunk)
            except OSError:
                continue
    return total


def warm_up(peer_status: dict[str, str]) -> None:
    """Import every tool once so bytecode caches exist before anything is timed."""
    imports = [m for m in environment.PEERS if peer_status.get(m) == "ok"] + ["orjson"]
    commands = [
        [str(environment.peers_python()), "-c", "import " + ", ".join(imports)],
        [*environment.ango_convert_command(), "formats"],
    ]
    import os
    import subprocess

    # Peers' bytecode was compiled at install time; let the warm-up compile ours too,
    # even where the environment says not to write bytecode.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for command in commands:
        subprocess.run(command, capture_output=True, check=False, env=env)


def execute(
    todo: Sequence[Cell],
    results: report.Results,
    content: Content,
    reps: int,
    slow: float,
    timeout: float,
    log_dir: Path,
) -> None:
    """Round-robin: every repetition runs each still-eligible cell once.

    Before its first timed cell, each row runs that cell once untimed: otherwise the
    first cell of a row reads inputs the rows before may have pushed out of the page
    cache, and the cells after it read them warm (up to 50% apart for the same code).
    """
    warmed: set[str] = set()
    for rep in range(reps):
        for cell in todo:
            result = results[(cell.row.key, cell.tool)]
            if result.error or (result.runs and result.runs[0].seconds > slow):
                continue
            if cell.row.key not in warmed:
                warmed.add(cell.row.key)
                run_cell(cell, content, log_dir, timeout)
                _log(f"warm-up {cell.row.key:<13} {cell.tool:<13} (untimed)")
            measurement = run_cell(cell, content, log_dir, timeout)
            result.runs.append(measurement)
            verdict = measurement.error or measurement.detail
            _log(
                f"rep {rep + 1}/{reps} {cell.row.key:<13} {cell.tool:<13} "
                f"{measurement.seconds:7.2f} s {measurement.max_rss_mb:7.0f} MB  {verdict}"
            )


def _validate_label(content: Content) -> str:
    return f"validate payload ({content.box_count:,} objects)"


def section(
    scale: str,
    content: Content,
    results: report.Results,
    reps: int,
    rows: Sequence[Row],
    provenance: str,
) -> str:
    """The markdown for one scale."""
    images, boxes = SCALES[scale]
    shown = [
        r
        if r.key != "validate"
        else Row(
            r.key, _validate_label(content), r.needs, r.floor_input, r.output_is_file, r.shared
        )
        for r in rows
    ]
    peers = [p for p in environment.PEERS if any((r.key, p) in results for r in rows)]
    parts = [
        f"## Scale {scale}: {images:,} images, {boxes:,} boxes, 20 classes",
        "",
        provenance,
        "",
        f"Wall time of the whole process (interpreter start and imports included), median of "
        f"{reps} repetition{'s' if reps > 1 else ''}:",
        "",
        report.time_table(results, shown, peers, reps),
        "",
        "Fastest run of each cell (less sensitive to other load on the machine):",
        "",
        report.best_table(results, shown, peers),
        "",
        "Peak RSS of each process (median):",
        "",
        report.rss_table(results, shown, peers),
    ]
    failed = report.failures(results)
    if failed:
        parts += ["", "Failed cells (their times are not counted):", "", *failed]
    return "\n".join(parts) + "\n"


def output_root(choice: str | None, scale: str) -> Path:
    """Where outputs go: ``--out``, else a RAM file system when the machine has one.

    Every tool writes thousands of small files per run, and on a shared disk the cost of
    creating them swings by 10x from minute to minute (seen here: 5,000 empty-ish files
    took 0.35 s, then 4.5 s). That cost is the same for every tool, so it only blurs the
    comparison; RAM keeps the converters' own work in view.
    """
    if choice:
        return Path(choice) / scale
    ram = Path("/dev/shm")
    if ram.is_dir() and os.access(ram, os.W_OK):
        return ram / "ango-convert-bench" / scale
    return generate.DATA / scale / "out"


def _on_ram(out_root: Path) -> bool:
    return str(out_root).startswith("/dev/shm/")


def _where(out_root: Path) -> str:
    ram = " (a RAM file system)" if _on_ram(out_root) else ""
    return f"Outputs went to `{out_root}`{ram}."


def provenance(command: str, load_before: str, peer_status: dict[str, str], out_root: Path) -> str:
    """Where and how a section was measured."""
    machine = environment.machine()
    versions = environment.peer_versions() if peer_status else {}
    peers = ", ".join(f"{name} {version}" for name, version in versions.items())
    broken = "; ".join(f"{peer}: {why}" for peer, why in peer_status.items() if why != "ok")
    lines = [
        f"`{command}` on {machine['date']} at commit {machine['commit']}. "
        f"Machine: {machine['cores']} cores ({machine['cpu']}), {machine['ram']} RAM, "
        f"{machine['os']}, {machine['python']}. Load average (1/5/15 min) before "
        f"{load_before}, after {machine['load']} (well above 0: other work shared the cores "
        "and times are inflated). Peers: " + (peers or "none") + ".",
    ]
    lines.append(_where(out_root))
    if broken:
        lines.append(f"Peers that could not be installed: {broken}.")
    return " ".join(lines)


_PREAMBLE = """\
# Benchmark results

Written by benchmarks/run.py (see benchmarks/README.md); each scale keeps its latest run.
Ratios: *fastest peer ÷ ours* above 1 means ango-convert is faster (the target is 2×);
*ours ÷ floor* is how far we are from a bare orjson load + dump of the same input (for
folder inputs, of the COCO file with the same content).
"""


def write_results(new_sections: dict[str, str]) -> str:
    """Merge the new sections into results.md (other scales keep theirs); return the text."""
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.is_file() else ""
    sections = dict(re.findall(r"^## Scale (\w+)(.*?)(?=^## Scale |\Z)", old, re.M | re.S))
    sections = {scale: f"## Scale {scale}{body}" for scale, body in sections.items()}
    sections.update(new_sections)
    ordered = [sections[scale] for scale in SCALES if scale in sections]
    text = _PREAMBLE + "\n" + "\n".join(part.rstrip() + "\n" for part in ordered)
    RESULTS.write_text(text, encoding="utf-8")
    return text


def main(argv: Sequence[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=[*SCALES, "both"], default="small")
    parser.add_argument("--reps", type=int, help="repetitions (default: 3 small, 1 large)")
    parser.add_argument("--only", default="", help="comma list of row keys and/or tools")
    parser.add_argument(
        "--slow",
        type=float,
        default=20.0,
        help="do not repeat a cell whose first run took longer (s)",
    )
    parser.add_argument("--timeout", type=float, default=900.0, help="per process (s)")
    parser.add_argument("--no-peers", action="store_true", help="skip the peers' venv")
    parser.add_argument(
        "--out", help="folder for outputs (default: a RAM file system when there is one)"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    only = [word.strip() for word in args.only.split(",") if word.strip()]
    known = {row.key for row in ROWS} | {OURS, OURS_ONE, FLOOR, *environment.PEERS}
    unknown = sorted(set(only) - known)
    if unknown:
        parser.error(f"unknown --only words {unknown}; known: {', '.join(sorted(known))}")
    peer_status = {} if args.no_peers else environment.ensure_peers()
    formats = environment.our_formats()
    _log(f"our formats: {formats}")
    warm_up(peer_status)
    command = "python benchmarks/run.py " + " ".join(sys.argv[1:] if argv is None else argv)
    sections = {}
    for scale in list(SCALES) if args.scale == "both" else [args.scale]:
        load_before = environment.load_average()
        reps = args.reps or DEFAULT_REPS[scale]
        out_root = output_root(args.out, scale)
        todo, results = plan(scale, only, peer_status, formats, out_root)
        warmed = warm_inputs(generate.DATA / scale) + warm_inputs(generate.DATA / "probe")
        _log(f"page cache warmed with {warmed / 1e6:.0f} MB of inputs")
        content = build(*_manifest(scale))
        log_dir = generate.DATA / scale / "logs"
        execute(todo, results, content, reps, args.slow, args.timeout, log_dir)
        if _on_ram(out_root):  # checked already; do not leave it holding memory
            shutil.rmtree(out_root, ignore_errors=True)
        rows = [row for row in ROWS if any(key[0] == row.key for key in results)]
        about = provenance(command.strip(), load_before, peer_status, out_root)
        sections[scale] = section(scale, content, results, reps, rows, about)
        print(sections[scale])
    write_results(sections)
    _log(f"done in {time.perf_counter() - started:.0f} s; wrote {RESULTS}")


def _manifest(scale: str) -> tuple[int, int, int]:
    images, boxes = SCALES[scale]
    return generate.DEFAULT_SEED, images, boxes


if __name__ == "__main__":
    main()
