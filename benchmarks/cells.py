"""What the runner times: one row per conversion, one cell per tool.

Every cell is one whole process (interpreter start and imports included), run the way a
user would run the tool. Our cells are ``ango-convert`` commands; each peer's cell runs
its script in benchmarks/peers/ with the peers' venv; the floor is benchmarks/floor.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import checks
import environment
from content import Content
from render import PROJECT_ID

OURS = "ango-convert"
#: Ours in one process (``--jobs 1``); ``OURS`` runs with the default, every core.
OURS_ONE = "ango-convert -j1"
FLOOR = "floor"

_PROBE_CODE = """\
import json, os, sys
from ango_convert.io.imagesize import image_size
folder, target = sys.argv[1], sys.argv[2]
sizes = {e.name: list(image_size(e.path)) for e in os.scandir(folder)
         if e.name.endswith(('.png', '.jpg'))}
with open(target, 'w') as out:
    json.dump(sizes, out)
"""


@dataclass(frozen=True)
class Row:
    """One conversion: its key, label, the formats ours needs, and the floor's input."""

    key: str
    label: str
    needs: tuple[str, ...]
    floor_input: str | None
    output_is_file: bool
    shared: bool


ROWS = (
    Row("coco_to_yolo", "COCO → YOLO", ("coco", "yolo"), "coco.json", False, True),
    Row("coco_to_voc", "COCO → VOC", ("coco", "voc"), "coco.json", False, True),
    Row("yolo_to_coco", "YOLO → COCO", ("yolo", "coco"), "coco.json", True, True),
    Row("voc_to_coco", "VOC → COCO", ("voc", "coco"), "coco.json", True, True),
    Row("coco_to_ango", "COCO → Ango payload", ("coco", "ango"), "coco.json", True, False),
    Row(
        "v3_to_coco", "Ango V3 ndjson → COCO", ("ango-v3", "coco"), "export_v3.ndjson", True, False
    ),
    Row(
        "validate",
        "validate payload",
        ("ango_convert.cli.inspect_cmd",),
        "payload.json",
        True,
        False,
    ),
    Row(
        "probe",
        "probe 10,000 image sizes",
        ("ango_convert.io.imagesize",),
        None,
        True,
        False,
    ),
)

CHECKERS: dict[str, checks.Checker] = {
    "coco_to_yolo": checks.check_yolo,
    "coco_to_voc": checks.check_voc,
    "yolo_to_coco": checks.check_coco,
    "voc_to_coco": checks.check_coco_voc,
    "coco_to_ango": checks.check_payload,
    "v3_to_coco": checks.check_coco,
}


@dataclass(frozen=True)
class Cell:
    """One tool on one row: the command, where it writes, how its output is checked."""

    row: Row
    tool: str
    argv: tuple[str, ...]
    output: Path
    check: Callable[[Content, Path], str]
    stdout_is_output: bool = False


def _our_argv(row: Row, data: Path, out: Path, probe: Path) -> list[str]:
    cli = environment.ango_convert_command()
    convert = [*cli, "convert"]
    commands = {
        # labels only, as the peers write them (the generated COCO file has no images)
        "coco_to_yolo": [
            *convert,
            str(data / "coco.json"),
            "--from",
            "coco",
            "--to",
            "yolo",
            "-W",
            "images=none",
        ],
        "coco_to_voc": [
            *convert,
            str(data / "coco.json"),
            "--from",
            "coco",
            "--to",
            "voc",
            "-W",
            "images=none",
        ],
        "yolo_to_coco": [*convert, str(data / "yolo"), "--from", "yolo", "--to", "coco"],
        "voc_to_coco": [*convert, str(data / "voc"), "--from", "voc", "--to", "coco"],
        "coco_to_ango": [
            *convert,
            str(data / "coco.json"),
            "--from",
            "coco",
            "--to",
            "ango",
            "--title-only",
            "--project",
            PROJECT_ID,
        ],
        "v3_to_coco": [
            *convert,
            str(data / "export_v3.ndjson"),
            "--from",
            "ango-v3",
            "--to",
            "coco",
        ],
    }
    if row.key == "validate":
        return [*cli, "validate", str(data / "payload.json")]
    if row.key == "probe":
        return [str(environment.project_python()), "-c", _PROBE_CODE, str(probe), str(out)]
    return [*commands[row.key], "-o", str(out)]


def _output(out_root: Path, row: Row, tool: str) -> Path:
    folder = out_root / row.key
    if tool == FLOOR or row.output_is_file:
        return folder / f"{tool}.json"
    return folder / tool


def our_cell(row: Row, data: Path, out_root: Path, probe: Path) -> Cell:
    """Our command for a row."""
    out = _output(out_root, row, OURS)
    if row.key == "probe":
        sizes = probe / "sizes.json"
        return Cell(
            row,
            OURS,
            tuple(_our_argv(row, data, out, probe)),
            out,
            lambda _c, o: checks.check_probe(sizes, o),
        )
    if row.key == "validate":
        out = out.with_suffix(".txt")
        return Cell(
            row,
            OURS,
            tuple(_our_argv(row, data, out, probe)),
            out,
            checks.check_stdout_valid,
            stdout_is_output=True,
        )
    return Cell(row, OURS, tuple(_our_argv(row, data, out, probe)), out, CHECKERS[row.key])


def our_one_process_cell(row: Row, data: Path, out_root: Path, probe: Path) -> Cell | None:
    """Our command with ``--jobs 1``, for the conversion rows (None for the others)."""
    if row.key in ("validate", "probe"):
        return None
    cell = our_cell(row, data, out_root, probe)
    out = _output(out_root, row, "ango-convert-j1")
    argv = [out if arg == str(cell.output) else arg for arg in cell.argv]
    return Cell(row, OURS_ONE, (*map(str, argv), "--jobs", "1"), out, cell.check)


def peer_cell(row: Row, peer: str, data: Path, out_root: Path) -> Cell:
    """A peer's script for a shared row."""
    script = environment.HERE / "peers" / f"{peer}_{row.key}.py"
    out = _output(out_root, row, peer)
    if peer == "datumaro":
        # datumaro writes a dataset folder, whatever the output format.
        out = out_root / row.key / peer
    argv = (str(environment.peers_python()), str(script), str(data), str(out))
    return Cell(row, peer, argv, out, CHECKERS[row.key])


def floor_cell(row: Row, data: Path, out_root: Path) -> Cell:
    """orjson load + dump of the row's input file."""
    assert row.floor_input is not None
    out = _output(out_root, row, FLOOR)
    argv = (
        str(environment.floor_python()),
        str(environment.HERE / "floor.py"),
        str(data / row.floor_input),
        str(out),
    )
    return Cell(row, FLOOR, argv, out, checks.check_nonempty)
