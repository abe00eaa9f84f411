"""A conversion killed midway leaves the earlier output as it was.

The child is a real process (``python -c ... main()``) on a generated input. For file
outputs it is held just before the rename into place (``os.replace`` sleeps), the worst
moment; for folder outputs it is killed while it fills its temporary folder. Either way
only a hidden ``.NAME.XXXXXXXX.tmp`` may remain, and the next run removes it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from ango_convert.io.outputs import remove_stale_temps
from tests.hostile.harness import EARLIER, snapshot, write
from tests.hub_server import API_KEY, PROJECT, HubServer

#: Runs the CLI. ANGO_TEST_HOLD names a target: the child announces "holding" and sleeps
#: (the test kills it long before it wakes) just before that target is put in place, a
#: file by os.replace or a folder by the swap. ANGO_TEST_TWO_STEP turns off the atomic
#: folder exchange, to hold between the two renames of the fallback swap.
CHILD = """
import os, sys, time
from ango_convert.io import outputs as io_outputs
hold = os.environ.get("ANGO_TEST_HOLD", "")
def wait(name):
    if hold and name == hold:
        sys.stderr.write("holding\\n"); sys.stderr.flush()
        time.sleep(60)
real_replace, real_swap = os.replace, io_outputs._swap_in
def replace(src, dst, *args, **kwargs):
    wait(os.path.basename(str(dst)))
    return real_replace(src, dst, *args, **kwargs)
def swap(temp, path):
    wait("swap:" + path.name)
    return real_swap(temp, path)
os.replace, io_outputs._swap_in = replace, swap
if os.environ.get("ANGO_TEST_TWO_STEP"):
    io_outputs._exchange = lambda first, second: False
from ango_convert.cli.main import main
main()
"""


def coco_document(images: int) -> dict[str, object]:
    return {
        "images": [
            {"id": n, "file_name": f"dir{n % 7}/img {n}.jpg", "width": 640, "height": 480}
            for n in range(1, images + 1)
        ],
        "categories": [{"id": 1, "name": "cat"}],
        "annotations": [
            {"id": n, "image_id": n, "category_id": 1, "bbox": [1.5, 2, 30, 40]}
            for n in range(1, images + 1)
        ],
    }


def start(args: Sequence[str], hold: str = "", two_step: bool = False) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ANGO_TEST_HOLD": hold, "ANGO_TEST_TWO_STEP": "1" if two_step else ""}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def kill_when(process: subprocess.Popen[bytes], ready: Callable[[], bool]) -> None:
    """SIGKILL the child as soon as ``ready()`` holds (it must, within 60 s)."""
    deadline = time.monotonic() + 60
    try:
        while not ready():
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the child never reached the point to kill"
            time.sleep(0.002)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait(10)
        if process.stderr:
            process.stderr.close()
    assert process.returncode == -signal.SIGKILL


def temps(folder: Path, name: str) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith(f".{name}."))


def held(process: subprocess.Popen[bytes]) -> Callable[[], bool]:
    assert process.stderr is not None
    os.set_blocking(process.stderr.fileno(), False)
    seen = bytearray()

    def ready() -> bool:
        seen.extend(process.stderr.read() or b"")  # type: ignore[union-attr]
        return b"holding" in seen

    return ready


def filling(folder: Path, name: str) -> Callable[[], bool]:
    """True once a temp folder of ``name`` holds some written files."""

    def ready() -> bool:
        return any(
            p.is_dir() and sum(1 for _ in p.rglob("*.txt")) + sum(1 for _ in p.rglob("*.xml")) > 5
            for p in temps(folder, name)
        )

    return ready


@pytest.fixture
def big_coco(tmp_path: Path) -> Path:
    return write(tmp_path, "in/big.json", json.dumps(coco_document(800)))


@pytest.mark.parametrize("to", ["coco", "ango-flat"])
def test_kill_file_output(tmp_path: Path, big_coco: Path, to: str) -> None:
    out = tmp_path / "out"
    target = write(out, "result.json", EARLIER)
    process = start(["convert", str(big_coco), "--to", to, "-o", str(target)], hold=target.name)
    kill_when(process, held(process))
    assert target.read_bytes() == EARLIER
    left = temps(out, target.name)
    assert len(left) == 1 and left[0].name.endswith(".tmp")  # hidden, never the output
    _rerun_cleans(tmp_path, ["convert", str(big_coco), "--to", to, "-o", str(target)], out)
    assert target.read_bytes() != EARLIER


@pytest.mark.parametrize("to", ["yolo", "voc"])
def test_kill_folder_output(tmp_path: Path, big_coco: Path, to: str) -> None:
    out = tmp_path / "out"
    write(out, "dataset/keep.txt", EARLIER)
    args = ["convert", str(big_coco), "--to", to, "-o", str(out / "dataset"), "--overwrite"]
    args += ["-W", "images=none"]  # the big COCO file has no images
    kill_when(start(args), filling(out, "dataset"))
    assert snapshot(out / "dataset") == {"keep.txt": EARLIER}
    assert all(p.name.endswith(".tmp") for p in temps(out, "dataset"))
    _rerun_cleans(tmp_path, args, out)
    assert "keep.txt" not in snapshot(out / "dataset")


def test_kill_while_swapping_folder(tmp_path: Path, big_coco: Path) -> None:
    """Held at the swap itself: the old folder is still in place under its own name."""
    out = tmp_path / "out"
    write(out, "dataset/keep.txt", EARLIER)
    args = ["convert", str(big_coco), "--to", "yolo", "-o", str(out / "dataset"), "--overwrite"]
    args += ["-W", "images=none"]  # the big COCO file has no images
    process = start(args, hold="swap:dataset")
    kill_when(process, held(process))
    assert snapshot(out / "dataset") == {"keep.txt": EARLIER}
    _rerun_cleans(tmp_path, args, out)


def test_kill_between_the_two_renames_of_the_fallback_swap(tmp_path: Path, big_coco: Path) -> None:
    """Without an atomic exchange the old folder is moved aside first; killed right then,
    it waits as ``.dataset.XXXXXXXX.old`` and the next write puts it back before anything."""
    out = tmp_path / "out"
    write(out, "dataset/keep.txt", EARLIER)
    args = ["convert", str(big_coco), "--to", "voc", "-o", str(out / "dataset")]
    args += ["-W", "images=none", "--overwrite"]  # the big COCO file has no images
    process = start(args, hold="dataset", two_step=True)
    kill_when(process, held(process))
    aside = [p for p in temps(out, "dataset") if p.name.endswith(".old")]
    assert len(aside) == 1 and snapshot(aside[0]) == {"keep.txt": EARLIER}
    time.sleep(0.01)
    retry = subprocess.run(
        [sys.executable, "-c", CHILD, *args[:-1]], capture_output=True, timeout=120, check=False
    )
    assert retry.returncode == 6  # put back, and so refused without --overwrite
    assert snapshot(out / "dataset") == {"keep.txt": EARLIER}


def _rerun_cleans(tmp_path: Path, args: Sequence[str], out: Path) -> None:
    """A fresh run of the same command succeeds and removes the killed run's temps."""
    time.sleep(0.01)  # the killed run's temps must be older than the new process
    result = subprocess.run(
        [sys.executable, "-c", CHILD, *args], capture_output=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr.decode()
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def test_stale_temps_only_of_the_target_are_removed(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    stale = write(tmp_path, ".a.json.abcd1234.tmp", b"x")
    fresh = write(tmp_path, ".a.json.abcd5678.tmp", b"x")
    other = write(tmp_path, ".b.json.abcd1234.tmp", b"x")
    odd = write(tmp_path, ".a.json.notatemp", b"x")
    for path in (stale, other, odd):
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    assert remove_stale_temps(target) == [stale]
    assert fresh.exists() and other.exists() and odd.exists()  # fresh: a live run's


def test_kill_export_to(tmp_path: Path, hub: HubServer) -> None:
    records = [
        {
            "asset": f"http://127.0.0.1:9/img{n}.jpg",
            "externalId": f"img {n}.jpg",
            "metadata": {"width": 640, "height": 480},
            "task": {
                "taskId": f"t{n}",
                "tools": [
                    {
                        "bounding-box": {"x": 1, "y": 2, "width": 30, "height": 40},
                        "objectId": f"o{n}",
                        "schemaId": "s-cat",
                        "title": "cat",
                    }
                ],
                "classifications": [],
                "relations": [],
            },
        }
        for n in range(60)
    ]
    hub.state.export_file = json.dumps(records).encode()
    out = tmp_path / "out"
    write(out, "dataset/keep.txt", EARLIER)
    args = ["export", "--project", PROJECT, "--host", hub.url, "--api-key", API_KEY, "--v3"]
    args += ["-o", str(tmp_path / "export.json"), "--to", "yolo", "--out", str(out / "dataset")]
    args += ["--overwrite"]
    args += ["-W", "images=none"]  # labels only: the export comes without its images
    process = start(args, hold="swap:dataset")
    kill_when(process, held(process))
    assert snapshot(out / "dataset") == {"keep.txt": EARLIER}
    assert all(p.name.endswith(".tmp") for p in temps(out, "dataset"))
    _rerun_cleans(tmp_path, args, out)
    assert "keep.txt" not in snapshot(out / "dataset")
