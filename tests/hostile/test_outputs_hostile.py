"""Hostile outputs (issue 14): devices and FIFOs as targets, two runs on one output, and
outputs that overlap their inputs (the rest is in ``test_output_errors_hostile.py``).

Each case runs through the CLI (in-process with the harness, or as a real process where
a file descriptor, a lock or a pause is the point) and checks the exit code, the one error
line, and that nothing that is not this tool's output was replaced.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from ango_convert.errors import EXIT_OUTPUT
from ango_convert.io import outputs as io_outputs
from tests.hostile.harness import (
    EARLIER,
    assert_failure,
    convert_ok,
    invoke,
    snapshot,
    write,
)
from tests.hostile.outputs_common import NEEDS_ROOT, SAMPLES, SCHEMA_MAP, coco, one_error
from tests.hub_server import API_KEY, PROJECT, HubServer

# --- 0. devices and other non-regular targets ------------------------------------------


def device(tmp_path: Path, name: str, minor: int) -> Path:
    """A character device node (1, ``minor``: 3 is null, 7 is full) inside the test's
    own folder, so a regression replaces only that node."""
    path = tmp_path / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except PermissionError:
        pytest.skip(NEEDS_ROOT)
    return path


@pytest.mark.parametrize("to", ["coco", "ango-flat", "ango"])
def test_full_device_is_written_in_place_and_reported(tmp_path: Path, to: str) -> None:
    full = device(tmp_path, "full", 7)
    source = write(tmp_path, "in/c.json", coco())
    args = ["convert", str(source), "--to", to, "-o", str(full)]
    args += [] if to == "coco" else ["--title-only"]
    args += ["--project", PROJECT] if to == "ango" else []
    result = invoke(args)
    assert_failure(result, EXIT_OUTPUT, (str(full), "cannot write"))
    assert stat.S_ISCHR(full.lstat().st_mode), "the device node was replaced"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("to", ["coco", "ango-flat"])
def test_null_device_takes_the_output_and_stays_a_device(tmp_path: Path, to: str) -> None:
    null = device(tmp_path, "null", 3)
    source = write(tmp_path, "in/c.json", coco())
    convert_ok(source, null, to)
    assert stat.S_ISCHR(null.lstat().st_mode), "the device node was replaced"


@pytest.mark.parametrize("command", ["convert", "report", "ontology", "symlink", "export"])
def test_fifo_is_written_through_not_replaced(tmp_path: Path, hub: HubServer, command: str) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    source = write(tmp_path, "in/c.json", coco())
    link = tmp_path / "stdout"  # as /dev/stdout links to /proc/self/fd/1
    link.symlink_to(fifo)
    if command == "convert":
        convert_ok(source, fifo, "coco")
    elif command == "symlink":
        convert_ok(source, link, "coco")
    elif command == "report":
        convert_ok(source, tmp_path / "out.json", "coco", "--report", str(fifo))
    else:
        hub.state.export_file = b'[{"externalId": "a.jpg"}]'
        args = ["ontology", str(source), "-o", str(fifo)]
        if command == "export":
            args = ["export", "--project", PROJECT, "--host", hub.url, "--api-key", API_KEY]
            args += ["-o", str(fifo)]
        result = invoke(args)
        assert result.exit_code == 0, result.output
    reader.join(10)
    assert stat.S_ISFIFO(fifo.lstat().st_mode), "the FIFO was replaced by a file"
    assert link.is_symlink()
    assert got and json.loads(got[0])
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_socket_target_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        source = write(tmp_path, "in/c.json", coco())
        result = invoke(["convert", str(source), "--to", "coco", "-o", str(path)])
        assert_failure(result, EXIT_OUTPUT, (str(path), "not a regular file"))
        assert stat.S_ISSOCK(path.lstat().st_mode)
    finally:
        server.close()


def test_symlinked_output_file_is_followed_not_replaced(tmp_path: Path) -> None:
    real = write(tmp_path, "real/out.json", EARLIER)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    convert_ok(write(tmp_path, "in/c.json", coco()), link, "coco")
    assert link.is_symlink() and json.loads(real.read_bytes())["images"]


def test_symlinked_output_folder_is_followed_not_replaced(tmp_path: Path) -> None:
    real = write(tmp_path, "real/ds/keep.txt", EARLIER).parent
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    convert_ok(
        write(tmp_path, "in/c.json", coco()), link, "voc", "--overwrite", "-W", "images=none"
    )
    assert link.is_symlink() and (real / "Annotations").is_dir()
    assert not (real / "keep.txt").exists()


# --- 1. two runs on one output ---------------------------------------------------------

#: Runs the CLI; with ANGO_TEST_GATE set, the run pauses (after its 20th file in a
#: folder, or just before renaming a file into place) until that gate file exists.
GATED = """
import os, sys, time
from ango_convert.io import file_writer
gate = os.environ.get("ANGO_TEST_GATE", "")
def wait():
    sys.stderr.write("paused\\n"); sys.stderr.flush()
    deadline = time.time() + 60
    while not os.path.exists(gate) and time.time() < deadline:
        time.sleep(0.01)
real_write, real_replace, count = file_writer.write_file, os.replace, [0]
def write_file(folder, relative, data):
    count[0] += 1
    if gate and count[0] == 20:
        wait()
    return real_write(folder, relative, data)
def replace(src, dst, *args, **kwargs):
    if gate and os.path.basename(str(src)).endswith(".tmp") and os.path.isfile(src):
        wait()
    return real_replace(src, dst, *args, **kwargs)
file_writer.write_file, os.replace = write_file, replace
from ango_convert.cli.main import main
main()
"""


def gated(args: Sequence[str], gate: Path | None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ANGO_TEST_GATE": str(gate or "")}
    return subprocess.Popen(
        [sys.executable, "-c", GATED, *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_paused(process: subprocess.Popen[bytes]) -> None:
    assert process.stderr is not None
    line = process.stderr.readline()
    assert line == b"paused\n", line + process.stderr.read()


@pytest.mark.parametrize("to", ["yolo", "voc", "coco"])
def test_two_runs_on_one_output_lose_nothing(tmp_path: Path, to: str) -> None:
    """The first run pauses midway; a second run on the same target runs to the end
    meanwhile. The first run's temp is live, so it is kept: both succeed, and the output
    is the complete work of the run that finished last."""
    big = write(tmp_path, "in/big.json", coco(300))
    small = write(tmp_path, "in/small.json", coco(5))
    target = tmp_path / "out" / ("dataset" if to != "coco" else "result.json")
    gate = tmp_path / "gate"
    extra = [] if to == "coco" else ["--overwrite", "-W", "images=none"]
    first = gated(["convert", str(big), "--to", to, "-o", str(target), *extra], gate)
    try:
        wait_paused(first)
        time.sleep(0.05)  # the paused run's temp is older than the second process
        second = gated(["convert", str(small), "--to", to, "-o", str(target), *extra], None)
        _, err = second.communicate(timeout=120)
        assert second.returncode == 0, err.decode()
        gate.touch()
        _, err = first.communicate(timeout=120)
    finally:
        first.kill()
    assert first.returncode == 0, err.decode()
    if to == "coco":
        assert len(json.loads(target.read_bytes())["images"]) == 300
    else:
        files = snapshot(target)
        labels = [n for n in files if n.startswith(("labels/", "Annotations/"))]
        assert len(labels) == 300, f"{len(labels)} of 300 label files"
    assert [p.name for p in target.parent.iterdir() if p.name.startswith(".")] == []


def test_second_run_without_overwrite_does_not_replace_the_first(tmp_path: Path) -> None:
    """Both start on a missing folder; the one that finishes second was not told it may
    replace a folder, so it fails clearly and the first run's output stays."""
    big = write(tmp_path, "in/big.json", coco(300))
    small = write(tmp_path, "in/small.json", coco(5))
    target = tmp_path / "out" / "dataset"
    gate = tmp_path / "gate"
    labels_only = ["-W", "images=none"]
    first = gated(["convert", str(big), "--to", "yolo", "-o", str(target), *labels_only], gate)
    try:
        wait_paused(first)
        second = gated(
            ["convert", str(small), "--to", "yolo", "-o", str(target), *labels_only], None
        )
        _, err = second.communicate(timeout=120)
        assert second.returncode == 0, err.decode()
        gate.touch()
        _, err = first.communicate(timeout=120)
    finally:
        first.kill()
    assert first.returncode == EXIT_OUTPUT
    one_error(err, "another run wrote this folder meanwhile")
    assert len([n for n in snapshot(target) if n.startswith("labels/")]) == 5


def test_stale_temps_held_by_a_live_process_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    held = write(tmp_path, ".a.json.abcd1234.tmp", b"x")
    left = write(tmp_path, ".a.json.efgh5678.part", b"x")
    for path in (held, left):
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    code = "import fcntl, sys, time; f = open(sys.argv[1]); fcntl.flock(f, 2); print(1, flush=True)"
    code += "; time.sleep(30)"
    with subprocess.Popen(
        [sys.executable, "-c", code, str(held)], stdout=subprocess.PIPE
    ) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline() == b"1\n"
            assert io_outputs.remove_stale_temps(target) == [left]  # a killed export's .part
            assert held.exists()
        finally:
            holder.kill()
    assert io_outputs.remove_stale_temps(target) == [held]


def test_killed_export_part_is_cleaned_by_the_next_export(tmp_path: Path, hub: HubServer) -> None:
    hub.state.export_file = json.dumps([]).encode()
    part = write(tmp_path, ".export.json.abcd1234.part", b'[{"half": ')
    os.utime(part, (time.time() - 3600, time.time() - 3600))
    args = ["export", "--project", PROJECT, "--host", hub.url, "--api-key", API_KEY]
    result = invoke([*args, "-o", str(tmp_path / "export.json")])
    assert result.exit_code == 0, result.output
    assert not part.exists()


# --- 2. outputs overlapping inputs ------------------------------------------------------


@pytest.fixture
def yolo_dataset(tmp_path: Path) -> Path:
    folder = tmp_path / "ds"
    shutil.copytree(SAMPLES / "yolo" / "detect", folder)
    return folder


@pytest.mark.parametrize("images", ["symlink", "none", "copy"])
def test_output_holding_its_input_is_refused(yolo_dataset: Path, images: str) -> None:
    before = snapshot(yolo_dataset)
    args = ["convert", str(yolo_dataset / "data.yaml"), "--to", "yolo", "-o", str(yolo_dataset)]
    result = invoke([*args, "--overwrite", "-W", f"images={images}"])
    assert_failure(result, EXIT_OUTPUT, (str(yolo_dataset), "holds the input"))
    assert snapshot(yolo_dataset) == before


def test_output_folder_holding_the_images_is_refused(tmp_path: Path) -> None:
    """The annotations lie outside the output folder, their images inside it."""
    out = tmp_path / "ds"
    write(out, "images/img1.jpg", next((SAMPLES / "yolo/detect/images").glob("*/*")).read_bytes())
    source = write(tmp_path, "c.json", coco(names=["ds/images/img1.jpg"]))
    before = snapshot(out)
    for extra in (["--images", str(tmp_path), "-W", "images=symlink"], ["--images", str(out)]):
        args = ["convert", str(source), "--to", "voc", "-o", str(out), "--overwrite", *extra]
        assert_failure(invoke(args), EXIT_OUTPUT, (str(out), "input"))
        assert snapshot(out) == before


def test_output_file_that_is_the_input_is_refused(tmp_path: Path) -> None:
    source = write(tmp_path, "c.json", coco())
    before = source.read_bytes()
    result = invoke(["convert", str(source), "--to", "coco", "-o", str(source)])
    assert_failure(result, EXIT_OUTPUT, ("is also an input",))
    assert source.read_bytes() == before


@pytest.mark.parametrize("which", ["input", "output", "schema-map"])
def test_report_over_an_input_or_the_output_is_refused(tmp_path: Path, which: str) -> None:
    source = write(tmp_path, "c.json", coco())
    schema = write(tmp_path, "map.json", SCHEMA_MAP.read_bytes())
    target = write(tmp_path, "out.json", EARLIER)
    report = {"input": source, "output": target, "schema-map": schema}[which]
    before = snapshot(tmp_path)
    args = ["convert", str(source), "--to", "ango-flat", "-o", str(target)]
    result = invoke([*args, "--schema-map", str(schema), "--report", str(report)])
    assert_failure(result, EXIT_OUTPUT, (str(report),))
    assert snapshot(tmp_path) == before


def test_export_out_folder_holding_the_export_is_refused(tmp_path: Path, hub: HubServer) -> None:
    out = tmp_path / "ds"
    args = ["export", "--project", PROJECT, "--host", hub.url, "--api-key", API_KEY]
    args += ["-o", str(out / "export.json"), "--to", "yolo", "--out", str(out), "--overwrite"]
    assert_failure(invoke(args), EXIT_OUTPUT, ("holds the input",))
    assert not out.exists()
