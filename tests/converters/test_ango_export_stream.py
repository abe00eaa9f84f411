"""Record-by-record reading of exports: the array splitter, encodings, zips, flat memory."""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ango_convert.errors import ReadError
from ango_convert.formats.ango_export import json_array
from ango_convert.formats.ango_export import records as stream
from ango_convert.formats.ango_export.read import read_v3
from ango_convert.validation import load_schema

# Enough that holding every item would take several MB (about 1.7 KB each).
RECORD_COUNT = 3_000

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


def _values(path: Path) -> list[Any]:
    return [record.value for record in stream.iter_records(path)]


@settings(max_examples=150, deadline=None)
@given(
    records=st.lists(json_values, max_size=6),
    chunk=st.integers(1, 17),
    indent=st.sampled_from([None, 1, 2]),
)
def test_splitter__any_array_any_chunk(records: list[Any], chunk: int, indent: int | None) -> None:
    text = json.dumps(records, indent=indent, ensure_ascii=False)
    splitter = json_array.ArraySplitter(io.StringIO(text), "x", chunk)
    assert [value for _, value in splitter.elements()] == records


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
@pytest.mark.parametrize("shape", ["json", "ndjson"])
def test_encodings_and_shapes(tmp_path: Path, encoding: str, shape: str) -> None:
    records = [{"externalId": "ünïcödé ½.jpg", "n": n} for n in range(3)]
    text = (
        json.dumps(records, indent=2)
        if shape == "json"
        else "".join(json.dumps(r) + "\n" for r in records)
    )
    path = tmp_path / f"export.{shape}"
    path.write_bytes(text.encode(encoding))
    assert _values(path) == records


def test_single_pretty_object_is_one_record(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"externalId": "a.jpg", "task": {}}, indent=2))
    assert _values(path) == [{"externalId": "a.jpg", "task": {}}]


def test_ndjson__blank_lines_before_the_first_record(tmp_path: Path) -> None:
    path = tmp_path / "export.ndjson"
    path.write_text('\n  \n{"n": 1}\n\n{"n": 2}\n')
    places = [(r.place, r.value) for r in stream.iter_records(path)]
    assert places == [("line 3", {"n": 1}), ("line 5", {"n": 2})]
    pretty = tmp_path / "one.json"
    pretty.write_text('\n{\n  "a": 1,\n  "b": }\n')
    with pytest.raises(ReadError, match=r"one.json: line 4 column \d+: invalid JSON"):
        list(stream.iter_records(pretty))


@pytest.mark.parametrize("shape", ["json", "ndjson"])
def test_lone_surrogate__refused_in_arrays_as_in_ndjson(tmp_path: Path, shape: str) -> None:
    records = [{"externalId": "a.jpg"}, {"externalId": "b\ud800.jpg"}]  # json.dumps escapes
    text = (
        json.dumps(records, indent=1)
        if shape == "json"
        else "".join(json.dumps(r) + "\n" for r in records)
    )
    path = tmp_path / f"export.{shape}"
    path.write_text(text)
    with pytest.raises(ReadError) as caught:
        list(stream.iter_records(path))
    assert caught.value.location == ("$[1] (line 6)" if shape == "json" else "line 2")
    assert "invalid" in caught.value.reason and "surrogate" in caught.value.reason
    paired = [{"externalId": "smile \U0001f600.jpg"}, {"externalId": "\uac00\u00e9.png"}]
    path.write_text(json.dumps(paired))  # escaped: a surrogate pair, a Hangul syllable
    assert _values(path) == paired


def test_zip__members_in_name_order_with_places(tmp_path: Path) -> None:
    archive = tmp_path / "split export.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("part-2.ndjson", '{"n": 3}\n')
        zipped.writestr("part-1.json", '[{"n": 1}, {"n": 2}]')
        zipped.writestr("__MACOSX/._part-1.json", "junk")
        zipped.writestr("README.txt", "not data")
    records = list(stream.iter_records(archive))
    assert [r.value["n"] for r in records] == [1, 2, 3]
    assert [r.index for r in records] == [0, 1, 2]
    assert records[2].source.endswith("split export.zip!part-2.ndjson")
    assert records[2].place == "line 1" and records[1].place == "$[1] (line 1)"


def test_zip__without_data_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "e.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("notes.txt", "x")
    with pytest.raises(ReadError, match=r"no \.json"):
        list(stream.iter_records(archive))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('[{"a": 1}, {"a": ', r"\$\[1\] \(line 1\): truncated"),
        ('[{"a": 1}', "before the array is closed"),
        ('[{"a": 1} {"a": 2}]', "expected ',' or ']'"),
        ('[{"a": NaN}]', "NaN is not valid JSON"),
        ('[{"a": 1}] tail', "extra data"),
        ("", "empty"),
        ("hello", "expected a JSON array or NDJSON"),
    ],
)
def test_broken_json__one_located_line(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "broken.json"
    path.write_text(text)
    with pytest.raises(ReadError, match=reason) as caught:
        list(stream.iter_records(path))
    assert "\n" not in str(caught.value)


def test_export_schemas__records_and_arrays_share_definitions() -> None:
    for version in ("v2", "v3"):
        array = load_schema(f"ango-export-{version}")
        record = load_schema(f"ango-export-{version}-record")
        assert array["$defs"] == record["$defs"]
        assert array["items"] == {"$ref": record["$ref"]} == {"$ref": "#/$defs/record"}


def _big_export(path: Path, count: int) -> None:
    tools = [
        {
            "objectId": "o1",
            "schemaId": "s1",
            "title": "car",
            "bounding-box": {"x": 1, "y": 2, "width": 3, "height": 4},
        },
        {"objectId": "o2", "schemaId": "s2", "title": "tree", "polygon": [[0, 0], [9, 0], [5, 7]]},
    ]
    with path.open("wb") as out:
        for n in range(count):
            record = {
                "asset": f"https://example.invalid/{n}.jpg",
                "externalId": f"img-{n:06d}.jpg",
                "metadata": {"width": 640, "height": 480},
                "batches": ["Batch 1"],
                "task": {
                    "taskId": f"t{n}",
                    "stage": "Complete",
                    "tools": tools,
                    "classifications": [],
                    "relations": [],
                },
            }
            out.write(orjson.dumps(record) + b"\n")


def test_streaming__memory_stays_flat(tmp_path: Path) -> None:
    path = tmp_path / "big.ndjson"
    _big_export(path, RECORD_COUNT)
    tracemalloc.start()
    try:
        dataset = read_v3(path, validate=False)
        count = sum(len(item.annotations) for item in dataset.items)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 2 * RECORD_COUNT
    # Holding every item would peak above 5 MB; one record at a time stays far below.
    assert peak < 1_500_000, f"peak {peak} bytes"


def test_streaming__json_array_memory_stays_flat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(json_array, "CHUNK_CHARS", 65536)
    ndjson = tmp_path / "big.ndjson"
    _big_export(ndjson, RECORD_COUNT)
    array = tmp_path / "big.json"
    array.write_bytes(b"[\n" + b",\n".join(ndjson.read_bytes().splitlines()) + b"\n]")
    tracemalloc.start()
    try:
        places = [record.place for record in stream.iter_records(array)]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (
        len(places) == RECORD_COUNT
        and places[-1] == f"$[{RECORD_COUNT - 1}] (line {RECORD_COUNT + 1})"
    )
    # The file is about 1.2 MB; the splitter holds one chunk plus one record.
    assert array.stat().st_size > 1_000_000
    assert peak < 600_000, f"peak {peak} bytes"
