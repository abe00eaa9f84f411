"""Peak RSS of ``ango-convert convert export.ndjson --to coco`` as the export grows.

    python benchmarks/rss_streaming.py                  # 500, 5,000, 50,000 assets (1x/10x/100x)
    python benchmarks/rss_streaming.py --base 2000      # 2,000 / 20,000 / 200,000 assets
    python benchmarks/rss_streaming.py --gb             # also a ~1 GB export (450,000 assets)

Each size is one whole process, measured like run.py does (wall time and that process's
own peak RSS). The orjson floor, which loads the whole file, is run beside it to show
what memory that grows with the input looks like. A streaming path should stay flat:
its peak at 100x should be close to its peak at 1x. Results go to results-rss.md, one
section per set of sizes: a run replaces only the section of its own sizes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import checks
import environment
import generate
from cells import FLOOR, OURS, Cell, Row
from content import Content
from measure import Measurement, run_cell

RESULTS = environment.HERE / "results-rss.md"
GB_ASSETS = 450_000
BOXES_PER_ASSET = 10
_ROW = Row("v3_to_coco", "Ango V3 ndjson → COCO", ("ango-v3", "coco"), None, True, False)
_EMPTY = Content((), ())


def _count_check(assets: int) -> checks.Checker:
    def check(_content: Content, out: Path) -> str:
        document = checks.load_json(out)
        images, annotations = len(document["images"]), len(document["annotations"])
        if images != assets or annotations != assets * BOXES_PER_ASSET:
            raise checks.CheckError(
                f"{images} images / {annotations} annotations, expected "
                f"{assets} / {assets * BOXES_PER_ASSET}"
            )
        return f"{images} images, {annotations} annotations"

    return check


def _cells(source: Path, assets: int, out_dir: Path) -> tuple[Cell, Cell]:
    ours = Cell(
        _ROW,
        OURS,
        (
            *environment.ango_convert_command(),
            "convert",
            str(source),
            "--from",
            "ango-v3",
            "--to",
            "coco",
            "-o",
            str(out_dir / f"ours_{assets}.json"),
        ),
        out_dir / f"ours_{assets}.json",
        _count_check(assets),
    )
    floor = Cell(
        _ROW,
        FLOOR,
        (
            str(environment.floor_python()),
            str(environment.HERE / "floor.py"),
            str(source),
            str(out_dir / f"floor_{assets}.json"),
        ),
        out_dir / f"floor_{assets}.json",
        checks.check_nonempty,
    )
    return ours, floor


def _cell_text(measurement: Measurement) -> tuple[str, str]:
    if measurement.error:
        return "FAIL", "—"
    return f"{measurement.seconds:.2f} s", f"{measurement.max_rss_mb:.0f} MB"


def main(argv: list[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", type=int, default=500, help="assets at 1x")
    parser.add_argument("--factors", default="1,10,100", help="comma list of multiples")
    parser.add_argument("--gb", action="store_true", help=f"also {GB_ASSETS:,} assets (~1 GB)")
    parser.add_argument("--no-floor", action="store_true", help="skip the orjson floor")
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args(argv)
    sizes = [args.base * int(f) for f in args.factors.split(",")]
    sizes += [GB_ASSETS] if args.gb else []
    folder = generate.DATA / "rss"
    rows = [
        "| Assets | File | ango-convert time | ango-convert peak RSS | floor time | "
        "floor peak RSS |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    failures = []
    for assets in sizes:
        source = generate.v3_export(folder / f"v3_{assets}.ndjson", assets)
        ours, floor = _cells(source, assets, folder / "out")
        measured = [run_cell(ours, _EMPTY, folder / "logs", args.timeout)]
        if not args.no_floor:
            measured.append(run_cell(floor, _EMPTY, folder / "logs", args.timeout))
        tools = (OURS, FLOOR)[: len(measured)]
        failures += [
            f"- {assets:,} assets / {tool}: {m.error}"
            for tool, m in zip(tools, measured, strict=True)
            if m.error
        ]
        floor_text = _cell_text(measured[1]) if len(measured) > 1 else ("—", "—")
        texts = [*_cell_text(measured[0]), *floor_text]
        megabytes = source.stat().st_size / 1e6
        rows.append(f"| {assets:,} | {megabytes:,.0f} MB | " + " | ".join(texts) + " |")
        print(rows[-1], flush=True)
        for cell in (ours, floor):
            cell.output.unlink(missing_ok=True)
    machine = environment.machine()
    command = " ".join(["python benchmarks/rss_streaming.py", *(argv or sys.argv[1:])])
    title = "## " + ", ".join(f"{assets:,}" for assets in sizes) + " assets"
    section = "\n".join(
        [
            title,
            "",
            f"`{command}` on {machine['date']}, commit {machine['commit']}, "
            f"{machine['cores']} cores ({machine['cpu']}), {machine['ram']} RAM, "
            f"{machine['python']}, load average after {machine['load']}.",
            "",
            *rows,
            *(["", "Failed:", "", *failures] if failures else []),
        ]
    )
    RESULTS.write_text(merge_section(_read_results(), title, section), encoding="utf-8")
    print(f"wrote {RESULTS}", file=sys.stderr)


_HEADING = "# Peak RSS of V3 ndjson → COCO as the export grows"


def _read_results() -> str:
    return RESULTS.read_text(encoding="utf-8") if RESULTS.is_file() else ""


def merge_section(old: str, title: str, section: str) -> str:
    """The results file with ``section`` in place of the one with the same title (a run
    of other sizes keeps its own section), or appended."""
    sections: dict[str, str] = {}
    for chunk in old.split("\n## ")[1:]:
        name = "## " + chunk.split("\n", 1)[0]
        sections[name] = "## " + chunk.rstrip()
    sections[title] = section.rstrip()
    return "\n\n".join([_HEADING, *sections.values()]) + "\n"


if __name__ == "__main__":
    main()
