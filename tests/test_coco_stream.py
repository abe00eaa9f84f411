"""COCO read in bounded memory (``stream``): the same dataset, errors and notes as whole.

Chunks and buckets are made tiny here (a few hundred bytes) so that small files take
every path a 1 GB file takes: many chunks, false cut candidates inside strings and
nested objects, many buckets, annotations before images.
"""

from __future__ import annotations

import gc
import io
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ango_convert.cli.main import cli
from ango_convert.errors import ReadError
from ango_convert.formats.coco import read as coco_read
from ango_convert.formats.coco import stream, stream_scan
from ango_convert.model import Dataset, Item
from ango_convert.report import Diagnostics

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "coco" / "annotations.json"
GOLDEN = Path(__file__).resolve().parent / "golden"
FILES = [
    SAMPLE,
    GOLDEN / "coco" / "annotations.roundtrip.json",
    GOLDEN / "ango_export" / "coco_v3.json",
    GOLDEN / "ango_export" / "coco_v2.json",
]


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Chunks of ~200 bytes, buckets of ~300 bytes, temp folders under a private dir."""
    monkeypatch.setattr(stream_scan, "CHUNK_BYTES", 200)
    monkeypatch.setattr(stream, "BUCKET_BYTES", 300)
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    return temp


def read(path: Path, mode: str, on_error: str = "strict") -> tuple[Dataset, Diagnostics]:
    diagnostics = Diagnostics()
    dataset = coco_read.read(path, stream=mode, on_error=on_error, diagnostics=diagnostics)  # type: ignore[arg-type]
    return dataset, diagnostics


def assert_same(path: Path, on_error: str = "strict") -> Dataset:
    whole, whole_notes = read(path, "never", on_error)
    streamed, streamed_notes = read(path, "always", on_error)
    assert isinstance(whole.items, tuple)
    assert isinstance(streamed.items, stream.SpilledItems)
    assert streamed.categories == whole.categories
    assert streamed.info == whole.info
    assert list(streamed.items) == list(whole.items)
    assert list(streamed.items) == list(whole.items)  # a second pass reads the same
    assert streamed_notes == whole_notes
    return streamed


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_sample_and_golden_files_read_the_same(path: Path, tiny: Path) -> None:
    assert_same(path)


NASTY = 'a},{"b":1}]x "q" \\ é \u2603 \U0001f600 },{'


def nasty_document() -> dict[str, Any]:
    """Annotations first, categories last; strings and attributes full of ``},{``."""
    return {
        "annotations": [
            {
                "id": 10 + i,
                "image_id": 1 + i % 3,
                "category_id": 1 + i % 2,
                "bbox": [1.5, 2, 3, 4.25],
                "area": 12.75,
                "iscrowd": 0,
                "note": NASTY + str(i),
                "attributes": {"nested": [{"x": "},{"}, {"y": [{"z": "}]"}]}], "s": NASTY},
            }
            for i in range(12)
        ]
        + [
            {
                "id": 100,
                "image_id": 2,
                "category_id": 2,
                "segmentation": [[1, 1, 5, 1, 5, 5]],
                "bbox": [1, 1, 4, 4],
                "area": 8,
                "iscrowd": 0,
            },
            {
                "id": 101,
                "image_id": 3,
                "category_id": 1,
                "segmentation": {"size": [20, 30], "counts": [5, 10, 585]},
                "bbox": [0, 5, 1, 10],
                "iscrowd": 1,
            },
        ],
        "info": {"description": NASTY, "nested": {"a": [{"b": "}]"}]}},
        "images": [
            {"id": 3, "file_name": "three },{ \u00e9.jpg", "width": 30, "height": 20},
            {"id": 1, "file_name": NASTY + ".jpg", "width": 640, "height": 480, "x": {"}": 1}},
            {"id": 2, "file_name": "two.png", "width": 64, "height": 48},
            {"id": 4, "file_name": "empty.png"},
        ],
        "licenses": [{"id": 1, "name": "},{"}],
        "extra": {"k": [{"}": "]"}]},
        "categories": [
            {"id": 1, "name": "cat },{ \u00e9", "supercategory": "x"},
            {"id": 2, "name": "dog", "attributes_of": {"a": [{"b": 1}]}},
        ],
    }


def write(path: Path, document: object, indent: bool = False) -> Path:
    path.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2 if indent else 0))
    return path


@pytest.mark.parametrize("indent", [False, True], ids=["compact", "indented"])
def test_nested_cuts_strings_and_member_order(tmp_path: Path, tiny: Path, indent: bool) -> None:
    dataset = assert_same(write(tmp_path / "nasty.json", nasty_document(), indent))
    assert [item.id for item in dataset.items] == ["3", "1", "2", "4"]
    assert [len(item.annotations) for item in dataset.items] == [5, 4, 5, 0]


def test_unicode_escapes_and_spaces_read_the_same(tmp_path: Path, tiny: Path) -> None:
    # \u escapes for all but ASCII (orjson writes UTF-8), whitespace around every separator
    text = json.dumps(
        nasty_document(), ensure_ascii=True, indent="\t ", separators=(" , ", " :\r\n")
    )
    path = tmp_path / "escaped.json"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert b"\\u00e9" in path.read_bytes()
    assert orjson.loads(path.read_bytes()[3:]) == nasty_document()
    assert_same(path)


def broken_document() -> dict[str, Any]:
    document = nasty_document()
    document["annotations"][3]["bbox"] = [1, 2, -3, 4]
    document["annotations"][5]["image_id"] = 99
    document["annotations"][7]["id"] = 10  # duplicate of $.annotations[0]
    document["images"][2]["width"] = "wide"
    document["categories"].append({"id": 1, "name": "again"})
    return document


def test_bad_records_give_the_same_error(tmp_path: Path, tiny: Path) -> None:
    path = write(tmp_path / "broken.json", broken_document())
    messages = []
    for mode in ("never", "always"):
        with pytest.raises(ReadError) as caught:
            read(path, mode)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert "$.categories[2].id: duplicate id 1" in messages[0]


def test_bad_records_skipped_with_the_same_notes(tmp_path: Path, tiny: Path) -> None:
    path = write(tmp_path / "broken.json", broken_document())
    dataset = assert_same(path, on_error="skip")
    _, notes = read(path, "always", "skip")
    places = [note["place"] for note in notes.skipped_input]
    assert places == [
        "$.categories[2].id",
        "$.images[2].width",
        "$.annotations[1].image_id",  # its image ($.images[2]) was left out
        "$.annotations[3].bbox",
        "$.annotations[4].image_id",
        "$.annotations[5].image_id",
        "$.annotations[7].id",
        "$.annotations[10].image_id",
        "$.annotations[12].image_id",
    ]
    assert [item.id for item in dataset.items] == ["3", "1", "4"]


def test_truncated_file_is_one_line_error(tmp_path: Path, tiny: Path) -> None:
    data = orjson.dumps(nasty_document())
    for cut in (len(data) // 3, len(data) // 2, len(data) - 1, 1):
        path = tmp_path / "cut.json"
        path.write_bytes(data[:cut])
        with pytest.raises(ReadError) as caught:
            read(path, "always")
        message = str(caught.value)
        assert message.startswith(f"{path}: ") and "\n" not in message
        assert "byte " in message


def test_invalid_element_names_its_path_and_offset(tmp_path: Path, tiny: Path) -> None:
    data = orjson.dumps(nasty_document())
    bad = data.replace(b'"id":16,', b'"id":16 oops,')
    path = tmp_path / "bad.json"
    path.write_bytes(bad)
    with pytest.raises(ReadError) as caught:
        read(path, "always")
    offset = bad.index(b"oops")
    assert str(caught.value).startswith(f"{path}: $.annotations[6], byte ")
    assert abs(int(str(caught.value).split("byte ")[1].split(":")[0]) - offset) <= 1
    for text, reason in [(b"", "file is empty"), (b"[]", "expected a JSON object")]:
        path.write_bytes(text)
        with pytest.raises(ReadError, match=reason):
            read(path, "always")
    path.write_bytes(data + b" {}")
    with pytest.raises(ReadError, match="extra data after the JSON object"):
        read(path, "always")


def test_temp_folder_is_removed(tmp_path: Path, tiny: Path) -> None:
    path = write(tmp_path / "nasty.json", nasty_document())
    dataset, _ = read(path, "always")
    assert len(list(tiny.iterdir())) == 1
    list(dataset.items)
    del dataset
    gc.collect()
    assert list(tiny.iterdir()) == []
    dataset, _ = read(path, "always")
    assert isinstance(dataset.items, stream.SpilledItems)
    dataset.items.remove()
    with pytest.raises(FileNotFoundError):  # never items without their annotations
        list(dataset.items)
    del dataset
    gc.collect()
    assert list(tiny.iterdir()) == []
    with pytest.raises(ReadError):
        read(write(tmp_path / "broken.json", broken_document()), "always")
    assert list(tiny.iterdir()) == []


def test_auto_streams_from_the_threshold_never_stdin(
    tmp_path: Path, tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "nasty.json", nasty_document())
    assert isinstance(read(path, "auto")[0].items, tuple)
    monkeypatch.setattr(coco_read, "STREAM_THRESHOLD", path.stat().st_size)
    assert isinstance(read(path, "auto")[0].items, stream.SpilledItems)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(path.read_bytes())))
    assert isinstance(coco_read.read(Path("-"), stream="always").items, tuple)
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    feeder = threading.Thread(target=fifo.write_bytes, args=(path.read_bytes(),))
    feeder.start()
    try:
        assert isinstance(coco_read.read(fifo, stream="always").items, tuple)
    finally:
        feeder.join(timeout=10)


def test_cli_stream_always_writes_the_same(runner: CliRunner, tmp_path: Path, tiny: Path) -> None:
    path = write(tmp_path / "nasty.json", nasty_document())
    outputs = []
    for mode in ("never", "always"):
        out = tmp_path / f"yolo_{mode}"
        argv = ["convert", str(path), "--from", "coco", "--to", "yolo", "-R", f"stream={mode}"]
        flags = ["--task", "segment", "--on-unsupported", "skip", "-W", "images=none"]
        result = runner.invoke(cli, [*argv, *flags, "-o", str(out)])
        assert result.exit_code == 0, result.output
        outputs.append({p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()})
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) >= 4


_TEXT = st.text(alphabet=st.sampled_from(list('ab},{[]":\\ é\u2603\n')), max_size=12)


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    images = draw(st.lists(st.integers(1, 30), unique=True, max_size=8))
    annotations = [
        {
            "id": draw(st.integers(1, 40)),
            "image_id": draw(st.sampled_from(images)) if images else 1,
            "category_id": draw(st.integers(1, 3)),
            "bbox": [draw(st.integers(0, 9)), 1, draw(st.integers(0, 9)), 2],
            "note": draw(_TEXT),
            "attributes": draw(
                st.dictionaries(
                    _TEXT, st.lists(st.fixed_dictionaries({"v": _TEXT}), max_size=2), max_size=2
                )
            ),
        }
        for _ in range(draw(st.integers(0, 12)))
    ]
    members = {
        "images": [
            {"id": i, "file_name": draw(_TEXT) + ".jpg", "width": 10, "height": 10} for i in images
        ],
        "annotations": annotations,
        "categories": [{"id": i, "name": "c" + draw(_TEXT)} for i in (1, 2)],
        "info": {"t": draw(_TEXT)},
    }
    order = draw(st.permutations(list(members)))
    return {key: members[key] for key in order}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=documents(), indent=st.booleans())
def test_random_documents_read_the_same(
    tmp_path: Path, tiny: Path, document: dict[str, Any], indent: bool
) -> None:
    path = write(tmp_path / "random.json", document, indent)
    assert_same(path, on_error="skip")
    whole_error = streamed_error = None
    try:
        read(path, "never")
    except ReadError as exc:
        whole_error = str(exc)
    try:
        read(path, "always")
    except ReadError as exc:
        streamed_error = str(exc)
    assert streamed_error == whole_error


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.integers(-5, 3_000_000), st.integers(-(2**63), 2**63 - 1))))
def test_id_index_acts_as_a_dict(ids: list[int]) -> None:
    index = stream.IdIndex()
    plain: dict[int, int] = {}
    for position, key in enumerate(ids):
        assert (key in index) == (key in plain)
        if key in plain:  # the decoders never set a key twice
            assert index[key] == plain[key]
        else:
            index[key] = plain[key] = position
    assert len(index) == len(plain)
    assert sorted(index) == sorted(plain)


def test_yolo_task_auto_restarts_on_streamed_items(
    runner: CliRunner, tmp_path: Path, tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Boxes first, a polygon on the last image: the YOLO writer's provisional ``detect``
    plan changes to ``segment`` and the second pass re-reads the spilled buckets."""
    document = nasty_document()
    document["annotations"] = [
        record for record in document["annotations"] if "segmentation" not in record
    ]
    document["annotations"].append(
        {"id": 500, "image_id": 4, "category_id": 1, "segmentation": [[1, 1, 5, 1, 5, 5]]}
    )
    document["images"][3].update(width=50, height=50)
    path = write(tmp_path / "late_polygon.json", document)
    passes = []
    iterate = stream.SpilledItems.__iter__

    def counted(self: stream.SpilledItems) -> Iterator[Item]:
        passes.append(1)
        return iterate(self)

    monkeypatch.setattr(stream.SpilledItems, "__iter__", counted)
    outputs = []
    for mode in ("never", "always"):
        out = tmp_path / f"yolo_{mode}"
        argv = ["convert", str(path), "--from", "coco", "--to", "yolo", "-R", f"stream={mode}"]
        result = runner.invoke(cli, [*argv, "-W", "images=none", "-o", str(out)])
        assert result.exit_code == 0, result.output
        outputs.append({p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()})
    assert outputs[0] == outputs[1]
    assert len(passes) >= 2
    lines = [
        line.split()
        for name, text in outputs[1].items()
        if name.suffix == ".txt"
        for line in text.splitlines()
    ]
    assert {len(line) for line in lines} == {7, 9}  # segment: the polygon, boxes as 4 corners
