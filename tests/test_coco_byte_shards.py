"""``--jobs`` on a COCO file whose annotations the workers parse themselves.

The output must be the bytes ``--jobs 1`` gives whatever the file's layout; files the
cut cannot serve (another order, a stray record, ids repeated across shards, a nested
``annotations`` key) must still convert, or fail, exactly as in one process.
"""

from __future__ import annotations

import json
import logging
import random
from pathlib import Path
from typing import Any

import pytest

from ango_convert import api
from ango_convert.errors import ReadError
from ango_convert.formats.coco import byte_shards
from tests.jobs_data import coco_document, same_error, tree, write_json


@pytest.fixture
def cuts(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Small files are cut; the list gets True per read served by the cut, else False."""
    used: list[bool] = []
    original = byte_shards.cut_document

    def spying(*args: Any) -> Any:
        dataset = original(*args)
        used.append(dataset is not None)
        return dataset

    monkeypatch.setattr(byte_shards, "MIN_CUT_BYTES", 1)
    monkeypatch.setattr("ango_convert.formats.coco.read.cut_document", spying)
    return used


def _both(tmp_path: Path, source: Path, to: str, **writes: Any) -> tuple[Path, Path]:
    suffix = ".json" if to == "coco" else ""
    one, two = tmp_path / f"one{suffix}", tmp_path / f"two{suffix}"
    api.convert(source, one, to=to, write_options=writes, jobs=1)
    api.convert(source, two, to=to, write_options=writes, jobs=2)
    return one, two


def _same(one: Path, two: Path) -> None:
    if one.is_dir():
        assert tree(one) == tree(two)
        assert len(tree(two)) > 40
    else:
        assert one.read_bytes() == two.read_bytes()


@pytest.mark.parametrize("to", ["coco", "yolo"])
@pytest.mark.parametrize("layout", ["compact", "indented", "annotations-last", "bom"])
def test_cut_file_gives_the_bytes_of_one_process(
    tmp_path: Path, cuts: list[bool], to: str, layout: str
) -> None:
    document = coco_document(images=120)
    if layout == "annotations-last":
        document = {key: document[key] for key in ("info", "categories", "images", "annotations")}
    text = json.dumps(document, indent=2 if layout == "indented" else None)
    source = tmp_path / "coco.json"
    source.write_bytes((b"\xef\xbb\xbf" if layout == "bom" else b"") + text.encode())
    one, two = _both(tmp_path, source, to, **({"images": "none"} if to == "yolo" else {}))
    assert cuts == [True], "the cut did not serve the read"
    _same(one, two)


def test_braces_inside_strings_do_not_move_a_cut(tmp_path: Path, cuts: list[bool]) -> None:
    document = coco_document(images=120)
    for record in document["annotations"]:
        record["attributes"] = {"note": '},{"image_id": 1000, "id": 5},{', "tags": [{"a": 1}]}
    source = write_json(tmp_path, "coco.json", document)
    _same(*_both(tmp_path, source, "coco"))
    assert cuts == [True]


def test_another_order_is_parsed_whole(tmp_path: Path, cuts: list[bool]) -> None:
    document = coco_document(images=120)
    random.Random(5).shuffle(document["annotations"])
    source = write_json(tmp_path, "coco.json", document)
    _same(*_both(tmp_path, source, "yolo", images="none"))
    assert cuts == [False]


def test_a_stray_record_reruns_in_one_process(
    tmp_path: Path, cuts: list[bool], caplog: pytest.LogCaptureFixture
) -> None:
    document = coco_document(images=120)
    document["annotations"].append(dict(document["annotations"][0], id=999_999))
    source = write_json(tmp_path, "coco.json", document)
    with caplog.at_level(logging.INFO):
        _same(*_both(tmp_path, source, "coco"))
    assert cuts == [True]
    assert "converting again in one process" in caplog.text


def test_id_repeated_across_cut_shards_is_named_as_in_one_process(
    tmp_path: Path, cuts: list[bool]
) -> None:
    document = coco_document(images=120)
    document["annotations"][-1]["id"] = document["annotations"][0]["id"]
    source = write_json(tmp_path, "coco.json", document)
    message = same_error(ReadError, source, tmp_path / "out.json", to="coco")
    assert "duplicate id" in message
    assert cuts == [True]  # then the one-process rerun, which reads the file whole
    assert not (tmp_path / "out.json").exists()


def test_a_nested_annotations_key_first_is_parsed_whole(tmp_path: Path, cuts: list[bool]) -> None:
    document = coco_document(images=120)
    document = {
        "info": {"annotations": [{"id": 1}]},
        **{k: v for k, v in document.items() if k != "info"},
    }
    source = write_json(tmp_path, "coco.json", document)
    _same(*_both(tmp_path, source, "coco"))
    assert cuts == [False]


def test_bad_json_inside_the_annotations_words_the_one_process_error(
    tmp_path: Path, cuts: list[bool]
) -> None:
    source = write_json(tmp_path, "coco.json", coco_document(images=120))
    text = source.read_text(encoding="utf-8")
    middle = text.index('"image_id": 1060')
    source.write_text(text[:middle] + '"image_id": 1060,,' + text[middle + 16 :], encoding="utf-8")
    message = same_error(ReadError, source, tmp_path / "out.json", to="coco")
    assert "invalid JSON" in message


def test_near_misses_everywhere_stop_the_cut_within_its_limits(
    tmp_path: Path, cuts: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every record full of ``},{`` inside strings: the parent gives up placing cuts
    after a few near misses per place or once its byte budget is spent, and the file
    converts as in one process."""
    monkeypatch.setattr(byte_shards, "PROBE_BUDGET", 20_000)
    document = coco_document(images=120)
    for record in document["annotations"]:
        record["note"] = "},{" * 300
    source = write_json(tmp_path, "coco.json", document)
    _same(*_both(tmp_path, source, "coco"))
    assert cuts == [False]
