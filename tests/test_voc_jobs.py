"""``--jobs`` with VOC: files parsed and written across workers, the bytes of one process."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ango_convert import api
from ango_convert.errors import ReadError, UnsupportedAnnotationError
from ango_convert.formats.coco import byte_shards, document_shards
from ango_convert.formats.voc import parallel_read
from ango_convert.parallel import jobs as jobs_module
from tests.jobs_data import coco_document, same_error, tree, write_json


@pytest.fixture
def voc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A VOC folder of 150 files (hostile names included), parsed across workers."""
    monkeypatch.setattr(parallel_read, "MIN_PARALLEL_FILES", 1)
    source = write_json(tmp_path, "coco.json", coco_document(images=150))
    folder = tmp_path / "voc"
    api.convert(
        source, folder, to="voc", write_options={"images": "none", "on_unsupported": "approximate"}
    )
    return folder


def _pools(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    started: list[int] = []
    original = jobs_module._Pool.__init__

    def counting(self: object, size: int, stages: object, keep: bool) -> None:
        started.append(size)
        original(self, size, stages, keep)  # type: ignore[arg-type]

    monkeypatch.setattr(jobs_module._Pool, "__init__", counting)
    return started


@pytest.mark.parametrize("to", ["coco", "yolo"])
def test_voc_folder_gives_the_bytes_of_one_process(
    tmp_path: Path, voc: Path, monkeypatch: pytest.MonkeyPatch, to: str
) -> None:
    pools = _pools(monkeypatch)
    suffix = ".json" if to == "coco" else ""
    writes = {"images": "none"} if to == "yolo" else {}
    one, two = tmp_path / f"one{suffix}", tmp_path / f"two{suffix}"
    first = api.convert(voc, one, to=to, write_options=writes, jobs=1)
    assert pools == []
    second = api.convert(voc, two, to=to, write_options=writes, jobs=2)
    assert pools, "the files were not parsed across workers"
    if to == "coco":
        assert one.read_bytes() == two.read_bytes()
    else:
        assert tree(one) == tree(two)
    assert first.items == second.items == 150


def test_a_bad_file_gives_the_one_process_error(
    tmp_path: Path, voc: Path, caplog: pytest.LogCaptureFixture
) -> None:
    files = sorted(voc.rglob("*.xml"))
    files[-3].write_text("<annotation><object><name>car</name>", encoding="utf-8")
    with caplog.at_level(logging.INFO):
        message = same_error(ReadError, voc, tmp_path / "out.json", to="coco")
    assert files[-3].name in message
    assert "converting again in one process" in caplog.text
    assert not (tmp_path / "out.json").exists()


def test_skipping_bad_files_reads_in_one_process(
    tmp_path: Path, voc: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pools = _pools(monkeypatch)
    sorted(voc.rglob("*.xml"))[5].write_text("not xml", encoding="utf-8")
    report = api.convert(
        voc, tmp_path / "out.json", to="coco", read_options={"on_error": "skip"}, jobs=2
    )
    assert report.items == 149
    assert len(report.skipped_input) == 1
    assert pools == []  # read in one process, so its items are not in shards either


@pytest.mark.parametrize("cut", ["document", "bytes"])
@pytest.mark.parametrize("mode", ["approximate", "skip"])
def test_coco_to_voc_across_workers_gives_the_files_of_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cut: str, mode: str
) -> None:
    pools = _pools(monkeypatch)
    monkeypatch.setattr(document_shards, "MIN_SHARDED_ANNOTATIONS", 1)
    monkeypatch.setattr(byte_shards, "MIN_CUT_BYTES", 1 if cut == "bytes" else 1 << 40)
    source = write_json(tmp_path, "coco.json", coco_document(images=150))
    writes = {"images": "none", "on_unsupported": mode}
    first = api.convert(source, tmp_path / "one", to="voc", write_options=writes, jobs=1)
    second = api.convert(source, tmp_path / "two", to="voc", write_options=writes, jobs=2)
    assert pools == [2]
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
    assert first.to_dict() | {"target": ""} == second.to_dict() | {"target": ""}
    assert second.skipped or second.approximated  # the polygons were counted, not lost


def test_coco_to_voc_refusal_names_every_kind_as_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(document_shards, "MIN_SHARDED_ANNOTATIONS", 1)
    source = write_json(tmp_path, "coco.json", coco_document(images=150))
    same_error(
        UnsupportedAnnotationError,
        source,
        tmp_path / "out",
        to="voc",
        write_options={"images": "none"},
    )  # no output left by either run: same_error checks it


def test_voc_to_voc_across_workers(
    tmp_path: Path, voc: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pools = _pools(monkeypatch)
    api.convert(voc, tmp_path / "one", to="voc", write_options={"images": "none"}, jobs=1)
    api.convert(voc, tmp_path / "two", to="voc", write_options={"images": "none"}, jobs=2)
    assert len(pools) == 2  # the parse, then the write
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
