"""Peak RSS of converting a COCO file larger than memory, against a bare ``orjson.loads``.

    python benchmarks/rss_coco.py                      # ~1 GB: 750,000 images, 7,500,000 boxes
    python benchmarks/rss_coco.py --images 5000 --boxes 50000     # a quick look
    python benchmarks/rss_coco.py --whole              # also the in-memory read (-R stream=never)

Each command is one whole process, measured like run.py does (wall time and that
process's own peak RSS): ``ango-convert convert big.json --to yolo -W images=none`` and
``--to ango --title-only --project ...`` (a payload), and the floor, a bare
``orjson.loads`` of the same file. Files from 512 MiB on are streamed by default; smaller
ones are run with ``-R stream=always`` so that the figures are of the streaming path.
Must show: peak RSS at most 25% of the floor's. Results go to results-rss.md, one
section per size (a run replaces only the section of its own size).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import environment
from cells import FLOOR, OURS, Cell, Row
from coco_big import BOXES, IMAGES, coco_big
from content import Content
from generate import DATA
from measure import Measurement, run_cell
from render import PROJECT_ID
from rss_streaming import RESULTS, _read_results, merge_section

_EMPTY = Content((), ())
Checker = Callable[[Content, Path], str]
_THRESHOLD = 512 * 2**20
_LIMIT = 0.25
_FLOOR_CODE = (
    "import sys, orjson; d = orjson.loads(open(sys.argv[1], 'rb').read()); "
    "open(sys.argv[2], 'w').write(str(len(d['annotations'])))"
)


def _yolo_check(images: int) -> Checker:
    def check(_content: Content, out: Path) -> str:
        labels = sum(1 for _ in (out / "labels").rglob("*.txt"))
        if labels != images:
            raise ValueError(f"{labels} label files, expected {images}")
        return f"{labels} label files"

    return check


def _payload_check(_content: Content, out: Path) -> str:
    with out.open("rb") as stream:
        stream.seek(-8, 2)
        tail = stream.read().rstrip()
    if not tail.endswith((b"]", b"]}")):
        raise ValueError("payload does not end with ]")
    return f"{out.stat().st_size:,} bytes"


def _floor_check(boxes: int) -> Checker:
    def check(_content: Content, out: Path) -> str:
        if out.read_text(encoding="utf-8") != str(boxes):
            raise ValueError("wrong annotation count")
        return f"{boxes} annotations"

    return check


def _cells(source: Path, images: int, boxes: int, out: Path, whole: bool) -> list[Cell]:
    cli = [*environment.ango_convert_command(), "convert", str(source), "--from", "coco"]
    stream = ["-R", "stream=always"] if source.stat().st_size < _THRESHOLD else []
    yolo = ["--to", "yolo", "-W", "images=none"]
    ango = ["--to", "ango", "--title-only", "--project", PROJECT_ID]
    row = Row("coco_big", "COCO (large) →", ("coco",), None, False, False)
    cells = [
        Cell(
            row,
            "yolo",
            (*cli, *yolo, *stream, "-o", str(out / "yolo")),
            out / "yolo",
            _yolo_check(images),
        ),
        Cell(
            row,
            "ango",
            (*cli, *ango, *stream, "-o", str(out / "payload.json")),
            out / "payload.json",
            _payload_check,
        ),
    ]
    if whole:
        argv = (*cli, *yolo, "-R", "stream=never", "-o", str(out / "yolo_whole"))
        cells.append(Cell(row, "yolo-whole", argv, out / "yolo_whole", _yolo_check(images)))
    floor = (str(environment.floor_python()), "-c", _FLOOR_CODE, str(source), str(out / "floor"))
    cells.append(Cell(row, FLOOR, floor, out / "floor", _floor_check(boxes)))
    return cells


def _out_root(folder: Path) -> Path:
    """A RAM file system when the machine has one, as run.py does: creating 750,000 label
    files on a shared disk took from 60 s to 230 s of kernel time from one run to the next."""
    ram = Path("/dev/shm")
    if ram.is_dir() and os.access(ram, os.W_OK):
        return ram / "ango-convert-bench" / "coco_big"
    return folder / "out"


def main(argv: list[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=IMAGES)
    parser.add_argument("--boxes", type=int, default=BOXES)
    parser.add_argument("--whole", action="store_true", help="also the in-memory read")
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--out", type=Path, help="outputs (default: a RAM file system)")
    args = parser.parse_args(argv)
    folder = DATA / "coco_big"
    source = coco_big(folder / f"coco_{args.images}.json", args.images, args.boxes)
    out = args.out or _out_root(folder)
    measured: list[tuple[Cell, Measurement]] = []
    for cell in _cells(source, args.images, args.boxes, out, args.whole):
        measurement = run_cell(cell, _EMPTY, folder / "logs", args.timeout)
        measured.append((cell, measurement))
        print(f"{cell.tool}: {measurement}", flush=True)
    floor_rss = measured[-1][1].max_rss_mb
    rows = [
        "| Command | Time | Peak RSS | Share of orjson.loads's peak |",
        "| --- | --- | --- | --- |",
    ]
    failures = []
    for cell, m in measured:
        label = "bare `orjson.loads`" if cell.tool == FLOOR else f"{OURS} → {cell.tool}"
        if m.error:
            failures.append(f"- {label}: {m.error}")
            rows.append(f"| {label} | FAIL | — | — |")
            continue
        share = m.max_rss_mb / floor_rss if floor_rss else float("nan")
        if cell.tool in ("yolo", "ango") and not share <= _LIMIT:
            failures.append(f"- {label}: peak RSS {share:.0%} of orjson.loads's (limit 25%)")
        rows.append(f"| {label} | {m.seconds:.1f} s | {m.max_rss_mb:,.0f} MB | {share:.0%} |")
    machine = environment.machine()
    command = " ".join(["python benchmarks/rss_coco.py", *(argv or sys.argv[1:])])
    megabytes = source.stat().st_size / 1e6
    title = f"## COCO of {args.images:,} images / {args.boxes:,} boxes ({megabytes:,.0f} MB)"
    section = "\n".join(
        [
            title,
            "",
            f"`{command}` on {machine['date']}, commit {machine['commit']}, "
            f"{machine['cores']} cores ({machine['cpu']}), {machine['ram']} RAM, "
            f"{machine['python']}, load average after {machine['load']}. Outputs went to "
            f"`{out}`; the reader's temporary buckets to the default temporary folder.",
            "",
            *rows,
            *(["", "Failed:", "", *failures] if failures else []),
        ]
    )
    for line in rows:
        print(line)
    RESULTS.write_text(merge_section(_read_results(), title, section), encoding="utf-8")
    print(f"wrote {RESULTS}", file=sys.stderr)
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
