"""Ango export readers on broken records: sizes, bounds, duplicates, nesting, on_error=skip."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ango_convert.cli.main import cli
from ango_convert.errors import ReadError, SchemaValidationError
from ango_convert.formats.ango_export.bounds import outside_reason
from ango_convert.formats.ango_export.json_array import ArraySplitter
from ango_convert.formats.ango_export.read import read_v2, read_v3
from ango_convert.formats.ango_export.records import iter_records
from ango_convert.formats.ango_export.sizes import metadata_size
from ango_convert.model import (
    ATTR_OBJECT_ID,
    Box,
    Keypoints,
    Point,
    Polygon,
    Polyline,
    RotatedBox,
    Zone,
)
from ango_convert.report import Diagnostics

Record = dict[str, Any]


def box_tool(x: float = 1, y: float = 2, name: str = "o") -> Record:
    return {
        "bounding-box": {"x": x, "y": y, "width": 10, "height": 20},
        "objectId": name,
        "schemaId": "s-cat",
        "title": "cat",
    }


def asset(n: int, *tools: Record, **metadata: Any) -> Record:
    return {
        "externalId": f"img{n}.jpg",
        "metadata": metadata or {"width": 64, "height": 48},
        "task": {"taskId": f"t{n}", "tools": list(tools or [box_tool(name=f"o{n}")])},
    }


def ndjson(path: Path, records: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def ids(dataset: Any) -> list[str]:
    return [item.id for item in dataset.items]


def notes(diagnostics: Diagnostics) -> list[tuple[str, str]]:
    return [(str(n["place"]), str(n["reason"])) for n in diagnostics.skipped_input]


# --- metadata sizes --------------------------------------------------------------------


@pytest.mark.parametrize("width", [0, -5, 64.5, "64", True, 2**40, 1e300])
def test_metadata_size__bad_value_is_an_error_naming_it(width: object) -> None:
    with pytest.raises(ValueError, match=r"metadata\.width must be a positive whole number"):
        metadata_size({"metadata": {"width": width, "height": 48}})


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        (None, None),
        ({}, None),
        ({"width": 64}, None),
        ({"width": None, "height": None}, None),
        ({"width": 64, "height": 48}, (64, 48)),
        ({"width": 640.0, "height": 480.0}, (640, 480)),
    ],
)
def test_metadata_size__missing_is_unknown(
    metadata: dict[str, Any] | None, expected: tuple[int, int] | None
) -> None:
    assert metadata_size({"metadata": metadata} if metadata is not None else {}) == expected


def test_read__zero_width_names_file_asset_and_width(tmp_path: Path) -> None:
    source = ndjson(tmp_path / "e.ndjson", [asset(0), asset(1, width=0, height=48)])
    with pytest.raises(ReadError) as caught:
        read_v3(source)
    assert caught.value.location == "line 2 (externalId 'img1.jpg')"
    assert "metadata.width" in caught.value.reason and "got 0" in caught.value.reason


def test_read__negative_height_unvalidated_too(tmp_path: Path) -> None:
    source = ndjson(tmp_path / "e.ndjson", [asset(0, width=64, height=-1)])
    with pytest.raises(ReadError, match=r"metadata\.height .* got -1"):
        read_v3(source, validate=False)


# --- bounds ----------------------------------------------------------------------------

OUT = 500.0


@pytest.mark.parametrize(
    "annotation",
    [
        Box(category_id=1, x=OUT, y=OUT, width=5, height=5),
        RotatedBox(category_id=1, cx=OUT, cy=OUT, width=5, height=5, angle=30),
        Polygon(category_id=1, zones=(Zone(outer=((OUT, OUT), (OUT + 1, OUT), (OUT, OUT + 1))),)),
        Polyline(category_id=1, points=((OUT, 1), (OUT + 9, 2))),
        Point(category_id=1, x=-3, y=5),
        Keypoints(category_id=1, points=((OUT, OUT, 2), (1, 1, 0))),
    ],
    ids=lambda a: a.kind,
)
def test_outside_reason__every_shape_wholly_outside(annotation: Any) -> None:
    reason = outside_reason(annotation, 64, 48)
    assert reason is not None and "outside the image (64 x 48)" in reason
    assert reason.startswith(f"an object ({annotation.kind})")


def test_outside_reason__overhang_kept_and_object_named() -> None:
    overhang = Box(category_id=1, x=60, y=-5, width=10, height=10)
    assert outside_reason(overhang, 64, 48) is None
    edge = Point(category_id=1, x=64, y=48)  # on the far edge: touches the image
    assert outside_reason(edge, 64, 48) is None
    hidden = Keypoints(category_id=1, points=((OUT, OUT, 0),))  # unlabelled: no position
    assert outside_reason(hidden, 64, 48) is None
    named = Box(category_id=1, x=OUT, y=1, width=1, height=1, attributes={ATTR_OBJECT_ID: "b7"})
    assert (outside_reason(named, 64, 48) or "").startswith("object 'b7' (box)")


def test_read__box_outside_refused_only_when_the_size_is_known(tmp_path: Path) -> None:
    far = box_tool(x=OUT, name="far")
    unknown = {**asset(1, far), "metadata": {}}
    source = ndjson(tmp_path / "e.ndjson", [asset(0), unknown])
    assert ids(read_v3(source)) == ["img0.jpg", "img1.jpg"]  # no size: nothing to test
    source = ndjson(tmp_path / "e.ndjson", [asset(0), asset(1, far)])
    dataset = read_v3(source)  # pass 1 does not decode: the error comes with the items
    with pytest.raises(ReadError) as caught:
        list(dataset.items)
    assert caught.value.location == "line 2 (externalId 'img1.jpg')"
    assert "object 'far' (box)" in caught.value.reason


def test_read__frame_outside_its_page_is_refused(tmp_path: Path) -> None:
    paged = {**box_tool(x=OUT, name="f"), "page": 3}
    source = ndjson(tmp_path / "e.ndjson", [asset(0, paged)])
    with pytest.raises(ReadError, match="outside the image"):
        list(read_v3(source).items)


# --- duplicates ------------------------------------------------------------------------


def test_duplicates__both_places_named(tmp_path: Path) -> None:
    records = [asset(0), asset(1), asset(0)]
    source = tmp_path / "e.json"
    source.write_text(json.dumps(records, indent=1))
    with pytest.raises(ReadError) as caught:
        read_v3(source)
    error = caught.value
    assert error.location is not None and error.location.startswith("$[2] (line")
    assert "duplicate externalId 'img0.jpg' (first at $[0] (line 2))" in error.reason


def test_duplicates__zip_members_named_and_filtered_records_ignored(tmp_path: Path) -> None:
    first, second = asset(0), asset(0)
    first["batches"], second["batches"] = ["keep"], ["keep"]
    other = {**asset(0), "batches": ["other"]}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.ndjson", json.dumps(other) + "\n" + json.dumps(first) + "\n")
        archive.writestr("b.ndjson", json.dumps(second) + "\n")
    source = tmp_path / "e.zip"
    source.write_bytes(buffer.getvalue())
    with pytest.raises(ReadError) as caught:
        read_v3(source, batch=("keep",))
    assert caught.value.path == f"{source}!b.ndjson"
    assert f"(first at {source}!a.ndjson: line 2)" in caught.value.reason
    assert ids(read_v3(source, batch=("other",))) == ["img0.jpg"]


# --- nesting ---------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [3000, 100_000])
def test_deep_nesting__a_located_read_error(tmp_path: Path, depth: int) -> None:
    text = '[{"externalId": "a"}, {"x": ' + "[" * depth + "]" * depth + "}]"
    elements = ArraySplitter(io.StringIO(text), "deep.json").elements()
    assert next(elements) == ("$[0] (line 1)", {"externalId": "a"})
    with pytest.raises(ReadError) as caught:
        next(elements)
    assert caught.value.location == "$[1] (line 1)" and "nested too deeply" in caught.value.reason


def test_deep_nesting__ndjson_line_too(tmp_path: Path) -> None:
    source = tmp_path / "e.ndjson"
    source.write_text(json.dumps(asset(0)) + "\n" + "[" * 3000 + "]" * 3000 + "\n")
    with pytest.raises(ReadError, match="line 2"):
        read_v3(source)


# --- tolerant NDJSON -------------------------------------------------------------------


def test_tolerant__broken_lines_come_out_as_errors(tmp_path: Path) -> None:
    source = tmp_path / "e.ndjson"
    source.write_text('{"broken": \n{"a": 1}\n\nnot json\n{"b": 2}\n')
    with pytest.raises(ReadError, match="line 1"):
        list(iter_records(source))
    records = list(iter_records(source, tolerant=True))
    assert [(r.place, r.index, r.value) for r in records] == [
        ("line 1", 0, None),
        ("line 2", 1, {"a": 1}),
        ("line 4", 2, None),
        ("line 5", 3, {"b": 2}),
    ]
    assert [r.error is not None for r in records] == [True, False, True, False]


def test_tolerant__pretty_single_object_still_one_record(tmp_path: Path) -> None:
    source = tmp_path / "e.json"
    source.write_text(json.dumps(asset(0), indent=2))
    assert [r.value["externalId"] for r in iter_records(source, tolerant=True)] == ["img0.jpg"]


# --- on_error="skip" ---------------------------------------------------------------------


def broken_export(tmp_path: Path) -> Path:
    """Six assets: a sound one, then one fault each, then a sound one."""
    records: list[Any] = [
        asset(0),
        asset(1, width=0, height=48),  # pass 1: bad size
        asset(0),  # pass 1: duplicate
        asset(3, box_tool(x=OUT, name="far")),  # pass 2: outside the image
        {**asset(4), "task": {"tools": {"not": "a list"}}},  # pass 1: schema
        asset(5, {"segmentation": {"zones": []}, "title": "cat"}),  # pass 2: decode
        asset(6),
    ]
    lines = [json.dumps(r) for r in records]
    lines.insert(6, '{"cut": ')  # line 7: not JSON
    path = tmp_path / "export.ndjson"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_skip__every_fault_noted_once_with_its_place(tmp_path: Path) -> None:
    diagnostics = Diagnostics()
    dataset = read_v3(broken_export(tmp_path), on_error="skip", diagnostics=diagnostics)
    pass_one = [
        ("line 2 (externalId 'img1.jpg')", "metadata.width"),
        ("line 3 (externalId 'img0.jpg')", "duplicate externalId 'img0.jpg' (first at line 1)"),
        ("line 5 (externalId 'img4.jpg')", "breaks schema ango-export-v3-record"),
        ("line 7", "invalid NDJSON"),
    ]
    found = notes(diagnostics)  # before the items are read: pass 1 only
    assert [place for place, _ in found] == [place for place, _ in pass_one]
    assert all(r.startswith(w) for (_, r), (_, w) in zip(found, pass_one, strict=True))
    assert ids(dataset) == ["img0.jpg", "img6.jpg"]
    assert ids(dataset) == ["img0.jpg", "img6.jpg"]  # a second pass notes nothing new
    pass_two = notes(diagnostics)[len(pass_one) :]
    assert [p for p, _ in pass_two] == [
        "line 4 (externalId 'img3.jpg')",
        "line 6 (externalId 'img5.jpg')",
    ]
    assert "outside the image" in pass_two[0][1]
    assert pass_two[1][1].startswith("objects[0]: segmentation has no zones")
    files = {note["file"] for note in diagnostics.skipped_input}
    assert files == {str(tmp_path / "export.ndjson")}


def test_strict__the_first_fault_stops_the_read(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match=r"line 2 .*metadata\.width"):
        read_v3(broken_export(tmp_path), validate=False)
    source = ndjson(tmp_path / "s.ndjson", [asset(0), {**asset(4), "task": {"tools": {}}}])
    with pytest.raises(SchemaValidationError):
        read_v3(source)
    quiet = Diagnostics()
    read_v3(ndjson(tmp_path / "ok.ndjson", [asset(0)]), on_error="skip", diagnostics=quiet)
    assert quiet.skipped_input == []


def test_skip__v2_and_json_array(tmp_path: Path) -> None:
    records = []
    for record in (asset(0), asset(1, width=-1, height=2), asset(0)):
        task = record.pop("task")
        record["tasks"] = [{"taskId": task["taskId"], "objects": task["tools"]}]
        records.append(record)
    source = tmp_path / "v2.json"
    source.write_text(json.dumps(records))
    diagnostics = Diagnostics()
    dataset = read_v2(source, on_error="skip", diagnostics=diagnostics)
    assert ids(dataset) == ["img0.jpg"]
    assert [p for p, _ in notes(diagnostics)] == [
        "$[1] (line 1) (externalId 'img1.jpg')",
        "$[2] (line 1) (externalId 'img0.jpg')",
    ]


def test_skip__broken_array_still_stops(tmp_path: Path) -> None:
    source = tmp_path / "e.json"
    source.write_text(json.dumps([asset(0)])[:-1] + ', {"cut": ]')
    with pytest.raises(ReadError, match=r"\$\[1\]"):
        read_v3(source, on_error="skip")


def test_cli__skip_report_lists_both_passes(runner: CliRunner, tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    out = tmp_path / "out.json"
    args = ["convert", str(broken_export(tmp_path)), "--to", "coco", "-o", str(out)]
    result = runner.invoke(cli, [*args, "--on-error", "skip", "--report", str(report)])
    assert result.exit_code == 0, result.output
    skipped = json.loads(report.read_text())["skipped_input"]
    assert [Path(n["file"]).name for n in skipped] == ["export.ndjson"] * 6
    assert [n["place"].split(" ")[1] for n in skipped] == ["2", "3", "5", "7", "4", "6"]
    assert "left out 6 unreadable input part(s)" in result.output
    written = json.loads(out.read_text())
    assert [image["file_name"] for image in written["images"]] == ["img0.jpg", "img6.jpg"]
    strict = runner.invoke(cli, [*args, "--report", str(report)])
    assert strict.exit_code == 3 and "line 2" in strict.output
