"""``--jobs N``: sharded reads and writes give the bytes one process gives.

The size thresholds below which inputs stay in one process are lowered here, so small
inputs take the sharded path; every test also proves that workers really ran.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from ango_convert import api
from ango_convert.cli.main import cli
from ango_convert.errors import ConversionError, ReadError
from ango_convert.formats.ango_export import shards as export_shards
from ango_convert.formats.coco import document_shards
from ango_convert.parallel import jobs as jobs_module
from ango_convert.parallel.jobs import Jobs, Stages
from ango_convert.parallel.shards import runs
from tests.jobs_data import coco_document as _coco
from tests.jobs_data import same_error
from tests.jobs_data import tree as _tree
from tests.jobs_data import write_json as _write


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Small inputs shard; yields a list that gets one entry per worker pool started."""
    started: list[int] = []
    original = jobs_module._Pool.__init__

    def counting(self: Any, size: int, stages: Any, keep: bool) -> None:
        started.append(size)
        original(self, size, stages, keep)

    monkeypatch.setattr(jobs_module._Pool, "__init__", counting)
    monkeypatch.setattr(document_shards, "MIN_SHARDED_ANNOTATIONS", 1)
    monkeypatch.setattr(export_shards, "MIN_SHARDED_BYTES", 1)
    monkeypatch.setattr(export_shards, "SHARD_BYTES", 2_000)
    monkeypatch.setattr(export_shards, "_READ_BYTES", 64)  # lines cross many refills
    return started


@pytest.mark.parametrize("task", [None, "detect", "segment"])
def test_coco_to_yolo_same_files_with_two_workers(
    tmp_path: Path, pools: list[int], task: str | None
) -> None:
    source = _write(tmp_path, "coco.json", _coco())
    writes = {"images": "none", "on_unsupported": "approximate"}
    if task:
        writes["task"] = task
    one = api.convert(source, tmp_path / "one", to="yolo", write_options=writes, jobs=1)
    assert pools == []
    two = api.convert(source, tmp_path / "two", to="yolo", write_options=writes, jobs=2)
    assert pools, "the sharded path did not run"
    assert _tree(tmp_path / "one") == _tree(tmp_path / "two")
    assert one.to_dict() | {"target": ""} == two.to_dict() | {"target": ""}
    assert len(_tree(tmp_path / "two")) > 40  # label files for every image, names deduplicated


@pytest.mark.parametrize("indent", [False, True])
def test_coco_to_coco_same_bytes_with_two_workers(
    tmp_path: Path, pools: list[int], indent: bool
) -> None:
    source = _write(tmp_path, "coco.json", _coco())
    writes = {"indent": indent}
    one = api.convert(source, tmp_path / "one.json", to="coco", write_options=writes, jobs=1)
    two = api.convert(source, tmp_path / "two.json", to="coco", write_options=writes, jobs=3)
    assert pools == [3]
    assert (tmp_path / "one.json").read_bytes() == (tmp_path / "two.json").read_bytes()
    assert one.summary().replace("one", "x") == two.summary().replace("two", "x")
    written = json.loads((tmp_path / "two.json").read_bytes())
    assert [image["id"] for image in written["images"]][:3] == [1000, 1001, 1002]


def _export(tmp_path: Path, assets: int = 60) -> Path:
    lines = []
    for index in range(assets):
        tools: list[dict[str, Any]] = [
            {
                "bounding-box": {"x": 5.0 + k, "y": 6.0, "width": 20.0 + index % 9, "height": 10.0},
                "objectId": f"{index:06d}{k}",
                "schemaId": "s-cat" if k % 2 else "s-dog",
                "title": "cat" if k % 2 else "dog",
                "classifications": [],
            }
            for k in range(index % 4)
        ]
        record = {
            "asset": f"https://assets.invalid/{index}.jpg",
            "externalId": f"photo {index:03d}.jpg" if index % 5 else f"dup/{index}.png",
            "metadata": {"width": 800, "height": 600},
            "batches": [],
            "task": {"taskId": f"t{index}", "stage": "Complete", "tools": tools},
        }
        lines.append(json.dumps(record))
    path = tmp_path / "export.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("preadv", [True, False])
def test_v3_export_to_coco_same_bytes_with_two_workers(
    tmp_path: Path, pools: list[int], monkeypatch: pytest.MonkeyPatch, preadv: bool
) -> None:
    if not preadv:  # platforms without it read each buffer with pread
        monkeypatch.setattr(export_shards, "_PREADV", None)
    source = _export(tmp_path)
    api.convert(source, tmp_path / "one.json", to="coco", jobs=1)
    api.convert(source, tmp_path / "two.json", to="coco", jobs=2)
    assert pools, "the sharded path did not run"
    assert (tmp_path / "one.json").read_bytes() == (tmp_path / "two.json").read_bytes()
    assert len(json.loads((tmp_path / "two.json").read_bytes())["images"]) == 60


def test_v3_export_to_yolo_with_task_same_files(tmp_path: Path, pools: list[int]) -> None:
    source = _export(tmp_path)
    writes = {"images": "none", "task": "detect"}
    api.convert(source, tmp_path / "one", to="yolo", write_options=writes, jobs=1)
    api.convert(source, tmp_path / "two", to="yolo", write_options=writes, jobs=2)
    assert len(pools) == 2  # the first pass and the write
    assert _tree(tmp_path / "one") == _tree(tmp_path / "two")


def test_v3_export_to_yolo_auto_task_writes_in_one_process(
    tmp_path: Path, pools: list[int]
) -> None:
    """Choosing the task needs every object: an export is not held whole for it."""
    source = _export(tmp_path)
    writes = {"images": "none"}
    api.convert(source, tmp_path / "one", to="yolo", write_options=writes, jobs=1)
    api.convert(source, tmp_path / "two", to="yolo", write_options=writes, jobs=2)
    assert pools == [2]  # the first pass only
    assert _tree(tmp_path / "one") == _tree(tmp_path / "two")


def test_bad_record_in_a_later_shard_gives_the_one_process_error(
    tmp_path: Path, pools: list[int]
) -> None:
    document = _coco()
    document["annotations"][5]["bbox"] = [1, 2, "wide", 4]
    document["annotations"][-3]["category_id"] = 99
    source = _write(tmp_path, "coco.json", document)
    message = same_error(ReadError, source, tmp_path / "out", to="yolo")
    assert "$.annotations[5]" in message
    assert pools, "the sharded path did not run"


def test_id_repeated_across_shards_is_named_as_in_one_process(
    tmp_path: Path, pools: list[int]
) -> None:
    document = _coco()
    document["annotations"][-1]["id"] = document["annotations"][0]["id"]
    source = _write(tmp_path, "coco.json", document)
    message = same_error(ReadError, source, tmp_path / "out.json", to="coco")
    assert "duplicate" in message or "again" in message


def test_unsized_and_unsupported_are_refused_as_in_one_process(
    tmp_path: Path, pools: list[int]
) -> None:
    document = _coco()
    for image in document["images"][5:30]:
        del image["width"]
    source = _write(tmp_path, "coco.json", document)
    same_error(ConversionError, source, tmp_path / "out", to="yolo")
    assert pools, "the sharded path did not run"


def test_duplicate_asset_across_shards_is_named_as_in_one_process(
    tmp_path: Path, pools: list[int]
) -> None:
    source = _export(tmp_path)
    lines = source.read_text(encoding="utf-8").splitlines()
    lines.append(lines[1])
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = same_error(ReadError, source, tmp_path / "out.json", to="coco")
    assert "line 61" in message and "line 2" in message


def test_cli_jobs_flag(runner: Any, tmp_path: Path, pools: list[int]) -> None:
    source = _write(tmp_path, "coco.json", _coco())
    for jobs, out in (("1", "one"), ("2", "two")):
        result = runner.invoke(
            cli,
            ["convert", str(source), "--to", "yolo", "-o", str(tmp_path / out),
             "-W", "images=none", "--on-unsupported", "approximate", "--jobs", jobs],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    assert _tree(tmp_path / "one") == _tree(tmp_path / "two")
    assert pools == [2]
    refused = runner.invoke(cli, ["convert", str(source), "--to", "coco", "-o", "x", "-j", "0"])
    assert refused.exit_code == 2
    assert "--jobs" in refused.output


def test_staged_keeps_shard_order_and_state() -> None:
    """The engine itself: summaries settle in order, each emit sees its own survey."""
    settled: list[int] = []
    taken: list[tuple[int, str]] = []

    def settle(k: int, summary: int) -> int:
        settled.append(summary)
        return k

    stages = Stages(
        survey=lambda k: (f"state{k}", k * 10),
        settle=settle,
        emit=lambda state, seed: f"{state}:{seed}",
        take=lambda k, result: taken.append((k, result)),
    )
    for barrier in (False, True):
        settled.clear()
        taken.clear()
        Jobs(2).staged(7, stages, barrier=barrier)
        assert settled == [0, 10, 20, 30, 40, 50, 60]
        assert taken == [(k, f"state{k}:{k}") for k in range(7)]


def test_surveyed_first__a_slow_shard_does_not_hold_its_workers_next_ones() -> None:
    """With every shard surveyed first, a free worker takes the next shard, and each
    shard is emitted by the worker that surveyed it (which holds its state)."""
    taken: list[tuple[int, tuple[int, int, int]]] = []

    def survey(k: int) -> tuple[int, int]:
        if k == 0:
            time.sleep(1.0)  # the other worker surveys shards 1-9 meanwhile
        return os.getpid(), os.getpid()

    stages = Stages(
        survey=survey,
        settle=lambda k, pid: k,
        emit=lambda pid, seed: (pid, os.getpid(), seed),
        take=lambda k, result: taken.append((k, result)),
    )
    Jobs(2).staged(10, stages, barrier=True)
    assert [k for k, _ in taken] == list(range(10))
    assert all(surveyed == emitted for _, (surveyed, emitted, _) in taken)
    assert [seed for _, (_, _, seed) in taken] == list(range(10))
    slow_worker = taken[0][1][0]
    assert [pid for _, (pid, _, _) in taken[1:]].count(slow_worker) == 0


def test_map_raises_shard_failed_for_a_worker_error() -> None:
    def boom(k: int) -> int:
        if k == 3:
            raise ValueError("three")
        return k

    with pytest.raises(jobs_module.ShardFailed, match="three"):
        Jobs(2).map(boom, 5)
    assert Jobs(2).map(lambda k: k * k, 5) == [0, 1, 4, 9, 16]


@pytest.mark.parametrize(
    "spoil",
    [
        lambda d: d["annotations"][7].__setitem__("id", 3.5),
        lambda d: d["annotations"].__setitem__(8, "text"),
        lambda d: d["annotations"][-9].__setitem__("image_id", 999_999),
        lambda d: d["annotations"][-2].__setitem__("id", 2**70),
        lambda d: d["images"][30].__setitem__("id", d["images"][3]["id"]),
        lambda d: d["images"][33].__setitem__("file_name", 5),
        lambda d: d["annotations"][-1].pop("id"),
    ],
    ids=["float-id", "not-object", "no-such-image", "huge-id", "image-id-twice", "bad-image",
         "no-id"],
)  # fmt: skip
def test_documents_the_sorting_cannot_vouch_for_read_as_in_one_process(
    tmp_path: Path, pools: list[int], spoil: Any
) -> None:
    document = _coco()
    spoil(document)
    source = _write(tmp_path, "coco.json", document)
    same_error(ReadError, source, tmp_path / "out.json", to="coco")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_interrupt_mid_run__exit_130_nothing_left(tmp_path: Path) -> None:
    """Ctrl-C while workers decode: exit 130, no output, no fragments, no workers left."""
    import signal
    import subprocess
    import sys

    source = _write(tmp_path, "coco.json", _coco(images=200))
    out = tmp_path / "out.json"
    code = (
        "import sys, time\n"
        "from ango_convert.formats.coco import document_shards as d\n"
        "d.MIN_SHARDED_ANNOTATIONS = 1\n"
        "real = d.decode_annotation\n"
        "def slow(*args):\n"
        "    time.sleep(0.05)\n"
        "    return real(*args)\n"
        "d.decode_annotation = slow\n"
        "from ango_convert.cli.main import main\n"
        "sys.argv[0] = 'ango-convert'\n"
        "main()\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code, "convert", str(source), "--to", "coco", "-o", str(out),
         "--jobs", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(_group(child.pid)) < 3:
        time.sleep(0.05)
    assert len(_group(child.pid)) >= 3, "the workers did not start"
    os.killpg(child.pid, signal.SIGINT)  # as a terminal does: the whole group
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == 130, stderr
    assert b"interrupted" in stderr
    assert not out.exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["coco.json"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _group(child.pid):
        time.sleep(0.05)
    assert _group(child.pid) == []


def _group(group: int) -> list[int]:
    """The live (not zombie) processes of a process group, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize("count", [0, 1, 17, 2_001])
@pytest.mark.parametrize("pieces", [1, 3, 16])
def test_runs_cover_every_index_once_in_order(count: int, pieces: int) -> None:
    parts = runs(count, pieces)
    assert [index for part in parts for index in part] == list(range(count))
    assert all(len(part) > 0 for part in parts)
    assert len(parts) <= pieces
