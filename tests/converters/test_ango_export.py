"""Ango V2/V3 exports -> IR -> COCO/YOLO/VOC: the issue's "Must show" on the samples."""

from __future__ import annotations

import json
import math
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from ango_convert import api
from ango_convert.cli.main import cli
from ango_convert.errors import ConversionError, ReadError, SchemaValidationError
from ango_convert.formats.ango.geometry import ango_corners
from ango_convert.formats.ango_export import detect_v2, detect_v3
from ango_convert.formats.ango_export.frames import frame_file_name
from ango_convert.formats.ango_export.read import read_v2, read_v3
from ango_convert.model import Box, Dataset, Item, Polygon, RotatedBox
from tests.conftest import GOLDEN, SAMPLES
from tests.converters.golden_tree import assert_tree_matches
from tests.training_checks import assert_trainable

ANGO = SAMPLES / "ango"
V3_JSON = ANGO / "export_v3.json"
V3_NDJSON = ANGO / "export_v3.ndjson"
V2_JSON = ANGO / "export_v2.json"
IMAGES = ANGO / "images"
GOLD = GOLDEN / "ango_export"
RBOX = {"x": 172.98, "y": 101.79, "width": 6.10, "height": 92.03, "rotation": -40.97}


def _items(dataset: Dataset) -> dict[str, Item]:
    return {item.id: item for item in dataset.items}


def _coco(source: Path, target: Path, **read: object) -> dict[str, object]:
    api.convert(
        source,
        target,
        to="coco",
        read_options={"images_dir": IMAGES, **read},
        write_options={"on_unsupported": "approximate"},
    )
    loaded: dict[str, object] = json.loads(target.read_text())
    return loaded


def _golden_json(output: Path, name: str, update: bool) -> None:
    golden = GOLD / name
    assert_trainable(output)
    if update:
        golden.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(output, golden)
    assert json.loads(output.read_text()) == json.loads(golden.read_text())


# --- detection and shapes -------------------------------------------------------------


def test_detect__json_ndjson_and_zip(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(V3_NDJSON, "project-export.ndjson")
    for path in (V3_JSON, V3_NDJSON, archive):
        assert detect_v3(path) and not detect_v2(path)
        assert api.detect(path) == "ango-v3"
    assert detect_v2(V2_JSON) and not detect_v3(V2_JSON)
    assert api.detect(V2_JSON) == "ango-v2"


def test_detect__ignores_other_json(tmp_path: Path) -> None:
    other = tmp_path / "coco.json"
    other.write_text('{"images": [], "annotations": [], "categories": []}')
    assert not detect_v3(other) and not detect_v2(other)


def test_sample_exports__pass_their_schemas() -> None:
    assert api.validate(V3_JSON) == "ango-export-v3"
    assert api.validate(V2_JSON) == "ango-export-v2"


# --- geometry ----------------------------------------------------------------------------


def test_rotated_box__reference_sample_corners() -> None:
    tl, bl, br, tr = ango_corners(RBOX)
    assert tl == pytest.approx((RBOX["x"], RBOX["y"]))
    # TL->TR runs along the width, TL->BL along the height, both turned by the rotation.
    assert math.dist(tl, tr) == pytest.approx(RBOX["width"])
    assert math.dist(tl, bl) == pytest.approx(RBOX["height"])
    angle = math.degrees(math.atan2(tr[1] - tl[1], tr[0] - tl[0]))
    assert angle == pytest.approx(RBOX["rotation"])
    assert br == pytest.approx((bl[0] + tr[0] - tl[0], bl[1] + tr[1] - tl[1]))
    # The sample export carries the corners as Ango writes them: same order, same values.
    record = json.loads(V3_JSON.read_text())[0]
    pole = next(t for t in record["task"]["tools"] if "rotated-bounding-box" in t)
    assert pole["rotated-bounding-box"]["corners"] == [
        [round(x, 2), round(y, 2)] for x, y in (tl, bl, br, tr)
    ]


def test_read_v3__geometry_of_every_tool() -> None:
    items = _items(read_v3(V3_JSON, images_dir=IMAGES))
    street = items["street scene.jpg"]
    kinds = [a.kind for a in street.annotations]
    assert kinds == ["box", "rotated-box", "polygon", "polygon", "polyline", "point"]
    box = street.annotations[0]
    assert isinstance(box, Box)
    assert (box.x, box.y, box.width, box.height) == (200, 150, 50, 40)  # was negative
    assert box.attributes["color"] == "red" and box.attributes["color/shade"] == "dark"
    rotated = street.annotations[1]
    assert isinstance(rotated, RotatedBox) and rotated.angle == pytest.approx(-40.97)
    building = street.annotations[2]
    assert isinstance(building, Polygon) and len(building.zones[0].holes) == 1
    assert [c.title for c in street.classifications] == ["weather", "tags"]
    assert street.classifications[0].children[0].answer == "noon"
    assert street.classifications[1].answer == ("urban", "busy")


def test_read_v3__frames_empty_and_local_sizes() -> None:
    items = _items(read_v3(V3_JSON, images_dir=IMAGES))
    assert list(items) == [
        "street scene.jpg",
        "clip.mp4#frame0",
        "clip.mp4#frame3",
        "empty.jpg",
        "nometa.png",
    ]
    frame = items["clip.mp4#frame3"]
    assert frame.file_name == "clip_frame000003.jpg"
    assert frame.attributes["ango:page"] == 3 and frame.attributes["ango:externalId"] == "clip.mp4"
    assert (frame.width, frame.height) == (320, 240)
    assert items["empty.jpg"].annotations == ()
    assert (items["nometa.png"].width, items["nometa.png"].height) == (64, 48)
    assert items["street scene.jpg"].attributes["ango:batches"] == ["Batch 1"]


def test_read__categories_sorted_or_in_ontology_order(tmp_path: Path) -> None:
    names = [c.name for c in read_v3(V3_JSON).categories]
    assert names == sorted(names)
    ontology = tmp_path / "ontology.json"
    tools = [{"title": t, "tool": "polygon", "schemaId": f"s-{t}"} for t in ("tree", "car")]
    ontology.write_text(json.dumps({"categorySchema": {"tools": tools}}))
    ordered = [c.name for c in read_v3(V3_JSON, ontology=ontology).categories]
    assert ordered[:2] == ["tree", "car"]
    assert [c.id for c in read_v3(V3_JSON).categories] == [1, 2, 3, 4, 5, 6]


# --- choosing what to convert -----------------------------------------------------------


def test_read_v3__stage_snapshot() -> None:
    items = _items(read_v3(V3_JSON, stage="Label"))
    assert len(items["street scene.jpg"].annotations) == 2
    assert items["street scene.jpg"].attributes["ango:stage"] == "Label"
    assert list(items) == ["street scene.jpg", "clip.mp4#frame0", "empty.jpg", "nometa.png"]
    assert list(read_v3(V3_JSON, stage="Review").items) == []  # no asset reached it
    current = _items(read_v3(V3_JSON, stage="complete"))  # the stage the tasks sit in
    assert len(current["street scene.jpg"].annotations) == 6


def test_read_v2__first_task_or_all_merged() -> None:
    first = _items(read_v2(V2_JSON, images_dir=IMAGES))["street scene.jpg"]
    merged = _items(read_v2(V2_JSON, images_dir=IMAGES, task="all"))["street scene.jpg"]
    assert len(merged.annotations) == len(first.annotations) + 1
    assert merged.annotations[-1].attributes["ango:taskId"] == "t-1b"
    assert merged.attributes["ango:taskIds"] == ["t-1", "t-1b"]


def test_read__filters_and_keep_empty() -> None:
    batch = _items(read_v3(V3_JSON, batch=("batch 1",)))
    assert list(batch) == ["street scene.jpg", "empty.jpg"]
    status = _items(read_v2(V2_JSON, status=("Reviewed",)))
    assert list(status) == ["nometa.png"]
    assert list(_items(read_v3(V3_JSON, stage_filter=("Label",)))) == []
    assert "empty.jpg" not in _items(read_v3(V3_JSON, keep_empty=False))


def test_read__frames_refuse_names_the_asset() -> None:
    with pytest.raises(ReadError) as caught:
        read_v3(V3_JSON, frames="refuse")  # pass 1: before any item is read
    assert caught.value.location == "$[1] (line 341) (externalId 'clip.mp4')"
    assert caught.value.reason.startswith("objects sit on 2 frame(s)/page(s) (first: page 0)")
    assert caught.value.reason.endswith("(frames=refuse)")


# --- splits ------------------------------------------------------------------------------


def test_split__ratio_is_seeded_and_order_free(tmp_path: Path) -> None:
    reversed_export = tmp_path / "reversed.json"
    reversed_export.write_text(json.dumps(json.loads(V3_JSON.read_text())[::-1]))

    def splits(path: Path, seed: int) -> dict[str, object]:
        dataset = read_v3(path, split_by="ratio", ratios="0.5,0.5", seed=seed)
        return {item.id: item.split for item in dataset.items}

    assert splits(V3_JSON, 1) == splits(reversed_export, 1)
    assert {s for seed in range(6) for s in splits(V3_JSON, seed).values()} == {"train", "val"}
    for seed in range(6):
        frames = splits(V3_JSON, seed)
        assert frames["clip.mp4#frame0"] == frames["clip.mp4#frame3"]


def test_split__by_batch_needs_a_mapping() -> None:
    with pytest.raises(ReadError, match="no batch names a split"):
        read_v3(V3_JSON, split_by="batch")
    dataset = read_v3(V3_JSON, split_by="batch", split_map="Batch 1=train,Batch 2=val")
    found = {item.id: item.split for item in dataset.items}
    assert found["empty.jpg"] == "train" and found["nometa.png"] == "val"
    with pytest.raises(ConversionError, match="ratios"):
        read_v3(V3_JSON, split_by="ratio", ratios="1")


# --- outputs -----------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_coco__golden_and_pycocotools(tmp_path: Path, update_golden: bool) -> None:
    out = tmp_path / "coco.json"
    _coco(V3_JSON, out)
    _golden_json(out, "coco_v3.json", update_golden)
    coco = COCO(str(out))
    images = {image["file_name"]: image["id"] for image in coco.dataset["images"]}
    assert set(images) == {
        "street scene.jpg",
        "clip_frame000000.jpg",
        "clip_frame000003.jpg",
        "empty.jpg",
        "nometa.png",
    }
    names = {c["id"]: c["name"] for c in coco.dataset["categories"]}
    street = coco.loadAnns(coco.getAnnIds(imgIds=images["street scene.jpg"]))
    by_name = {names[a["category_id"]]: a for a in street}
    assert by_name["car"]["bbox"] == [200, 150, 50, 40]
    assert by_name["tree"]["segmentation"] == [[20, 20, 80, 25, 60, 90]]
    building = coco.annToMask(by_name["building"])
    assert building.sum() == 100 * 100 - 40 * 40
    assert building[350, 350] == 0 and building[310, 310] == 1  # the hole stays a hole
    rle = dict(by_name["building"]["segmentation"])
    rle["counts"] = rle["counts"].encode("ascii")
    assert float(mask_utils.area(rle)) == by_name["building"]["area"] == 8400
    assert by_name["building"]["bbox"] == [300, 300, 100, 100]
    nometa = coco.loadImgs(images["nometa.png"])[0]
    assert (nometa["width"], nometa["height"]) == (64, 48)
    assert np.isclose(by_name["pole"]["bbox"][0], min(x for x, _ in ango_corners(RBOX)))


def test_coco__v2_golden(tmp_path: Path, update_golden: bool) -> None:
    out = tmp_path / "coco_v2.json"
    _coco(V2_JSON, out)
    _golden_json(out, "coco_v2.json", update_golden)


def test_json_ndjson_and_zip__identical_outputs(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.write(V3_NDJSON, "export.ndjson")
    outputs = []
    for index, source in enumerate((V3_JSON, V3_NDJSON, archive)):
        target = tmp_path / f"out{index}.json"
        _coco(source, target)
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]


def test_yolo__golden_labels(tmp_path: Path, update_golden: bool) -> None:
    out = tmp_path / "yolo"
    api.convert(
        V3_JSON,
        out,
        to="yolo",
        read_options={
            "images_dir": IMAGES,
            "split_by": "batch",
            "split_map": "Batch 1=train,Batch 2=val",
        },
        write_options={"on_unsupported": "approximate", "images_dir": IMAGES, "task": "detect"},
    )
    assert_tree_matches(out, GOLD / "yolo_v3", update_golden)
    # nometa.png is sized from the local image (64 x 48): box x=4 y=6 w=20.5 h=10.
    class_id, *numbers = (out / "labels" / "val" / "nometa.txt").read_text().split()
    assert class_id == "4"
    assert [float(n) for n in numbers] == pytest.approx([14.25 / 64, 11 / 48, 20.5 / 64, 10 / 48])


def test_voc__golden_exact_boxes(tmp_path: Path, update_golden: bool) -> None:
    out = tmp_path / "voc"
    api.convert(
        V3_JSON,
        out,
        to="voc",
        read_options={"images_dir": IMAGES},
        write_options={"images": "none", "on_unsupported": "approximate"},
    )
    assert_tree_matches(out, GOLD / "voc_v3", update_golden)
    xml = (out / "Annotations" / "street scene.xml").read_text()
    assert "<xmin>200</xmin>" in xml and "<ymax>190</ymax>" in xml


def test_missing_sizes__listed_by_the_writer(tmp_path: Path) -> None:
    with pytest.raises(ConversionError, match=r"nometa\.png"):
        api.convert(
            V3_JSON, tmp_path / "c.json", to="coco", write_options={"on_unsupported": "skip"}
        )
    assert not (tmp_path / "c.json").exists()


def test_items__re_iterable_and_equal() -> None:
    dataset = read_v3(V3_NDJSON, images_dir=IMAGES)
    assert list(dataset.items) == list(dataset.items)


# --- CLI ---------------------------------------------------------------------------------


def test_cli__convert_with_detection(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    result = runner.invoke(
        cli,
        [
            "convert",
            str(V3_JSON),
            "--to",
            "coco",
            "-o",
            str(out),
            "--images",
            str(IMAGES),
            "--on-unsupported",
            "approximate",
            "-R",
            "split_by=ratio",
        ],
    )
    assert result.exit_code == 0, result.output
    assert len(json.loads(out.read_text())["images"]) == 5


def test_cli__broken_export_one_line_and_nothing_written(runner: CliRunner, tmp_path: Path) -> None:
    broken = tmp_path / "broken export.json"
    broken.write_text(V3_JSON.read_text()[:-400])
    out = tmp_path / "out.json"
    result = runner.invoke(cli, ["convert", str(broken), "--to", "coco", "-o", str(out)])
    assert result.exit_code == 3
    assert "$[3] (line" in result.output and "truncated" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def test_read__wrong_shape_and_unknown_tool(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="looks like a V2 export"):
        read_v3(V2_JSON, validate=False)
    records = json.loads(V3_JSON.read_text())
    records[2]["task"]["tools"] = [{"objectId": "x", "title": "car", "cuboid3d": {"x": 1}}]
    odd = tmp_path / "odd.ndjson"
    odd.write_text("".join(json.dumps(r) + "\n" for r in records))
    with pytest.raises(ReadError, match=r"line 3 \(externalId 'empty.jpg'\).*cuboid3d"):
        read_v3(odd)
    skipped = _items(read_v3(odd, unknown_tools="skip"))
    assert skipped["empty.jpg"].annotations == ()


def test_read__tools_without_geometry_refused_at_read_time(tmp_path: Path) -> None:
    records = json.loads(V3_JSON.read_text())
    records[2]["task"]["tools"] = [{"objectId": "n", "title": "car", "ner": {"start": 1}}]
    records[3]["task"]["tools"] = [{"objectId": "x", "title": "car", "lock": True}]
    odd = tmp_path / "odd.ndjson"
    odd.write_text("".join(json.dumps(r) + "\n" for r in records))
    with pytest.raises(ReadError) as caught:
        read_v3(odd)  # pass 1, as the decoder would refuse it in pass 2
    assert caught.value.location == "line 3 (externalId 'empty.jpg')"
    assert caught.value.reason == (
        "objects[0]: tool 'ner' has no COCO/VOC/YOLO counterpart "
        "(skip such objects with unknown_tools=skip)"
    )
    records[2]["task"]["tools"] = []
    odd.write_text("".join(json.dumps(r) + "\n" for r in records))
    with pytest.raises(ReadError, match=r"line 4 .*objects\[0\]: tool 'no tool key'"):
        read_v3(odd)
    skipped = _items(read_v3(odd, unknown_tools="skip"))
    assert skipped["nometa.png"].annotations == ()


def test_read__schema_errors_name_the_record(tmp_path: Path) -> None:
    records = json.loads(V3_JSON.read_text())
    records[1]["task"]["tools"][0]["bounding-box"]["x"] = "ten"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(records))
    with pytest.raises(SchemaValidationError, match=r"clip.mp4.*\$\[1\]\.task\.tools\[0\]"):
        read_v3(bad)
    with pytest.raises(ReadError, match="x must be a number"):
        list(read_v3(bad, validate=False).items)


def test_ndjson__blank_lines_ok_and_bad_line_named(tmp_path: Path) -> None:
    lines = V3_NDJSON.read_text().splitlines()
    spaced = tmp_path / "spaced.ndjson"
    spaced.write_text("\n\n".join(lines) + "\n\n")
    assert len(list(read_v3(spaced).items)) == 5
    lines[2] = lines[2][:50]
    bad = tmp_path / "bad.ndjson"
    bad.write_text("\n".join(lines))
    with pytest.raises(ReadError, match=r"bad.ndjson: line 3: invalid NDJSON"):
        read_v3(bad)


# --- attributes, keypoints, names ------------------------------------------------------------


def test_attribute_map__nested_answers_become_voc_flags(tmp_path: Path) -> None:
    records = json.loads(V3_JSON.read_text())
    car = records[0]["task"]["tools"][0]
    car["classifications"].append({"title": "Hard to see", "tool": "radio", "answer": "Yes"})
    source = tmp_path / "flags.json"
    source.write_text(json.dumps(records))
    dataset = read_v3(source, attribute_map="Hard to see=difficult")
    box = _items(dataset)["street scene.jpg"].annotations[0]
    assert box.attributes["difficult"] == 1 and box.attributes["truncated"] == 1
    assert "Hard to see" not in box.attributes
    out = tmp_path / "voc"
    api.write(dataset, out, "voc", on_unsupported="skip", images="none")
    xml = (out / "Annotations" / "street scene.xml").read_text()
    assert "<difficult>1</difficult>" in xml and "<truncated>1</truncated>" in xml
    with pytest.raises(ConversionError, match="attribute_map"):
        read_v3(source, attribute_map="no-equals-sign")


def test_keypoints__points_regrouped_into_a_pose(tmp_path: Path) -> None:
    def point(name: str, x: float, index: int) -> dict[str, object]:
        return {
            "title": "person",
            "objectId": f"p1:kp:{index}",
            "point": [x, 10],
            "classifications": [{"title": "keypoint", "answer": name}],
        }

    tools = [point("nose", 5, 0), point("left_eye", 4, 1), point("right_eye", 6, 2)]
    record = {"externalId": "pose.jpg", "metadata": {"width": 20, "height": 20}}
    source = tmp_path / "pose.ndjson"
    source.write_text(json.dumps({**record, "task": {"tools": tools}}) + "\n")
    dataset = read_v3(source)
    assert dataset.categories[0].keypoint_names == ("nose", "left_eye", "right_eye")
    out = tmp_path / "pose.json"
    api.write(dataset, out, "coco")
    annotation = json.loads(out.read_text())["annotations"][0]
    assert annotation["keypoints"] == [5, 10, 2, 4, 10, 2, 6, 10, 2]
    assert annotation["num_keypoints"] == 3


def test_stage_missing__warned_with_count(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING"):
        assert list(read_v2(V2_JSON, stage="Label").items) == []
    assert "4 of 4 asset(s) never reached stage 'Label'" in caplog.text


@pytest.mark.parametrize(
    ("external_id", "page", "url", "expected"),
    [
        ("clip.mp4", 12, None, "clip_frame000012.jpg"),
        ("my.clip.v2.webm", 0, None, "my.clip.v2_frame000000.jpg"),
        ("scans/doc", 3, "https://h/p/page%203.png?sig=x", "scans/doc_frame000003.png"),
        ("ünï côdé.tiff", 7, None, "ünï côdé_frame000007.tiff"),
    ],
)
def test_frame_file_name(external_id: str, page: int, url: str | None, expected: str) -> None:
    assert frame_file_name(external_id, page, url) == expected


def test_hostile_external_ids__stay_inside_the_output(tmp_path: Path) -> None:
    tools = [{"title": "car", "bounding-box": {"x": 1, "y": 1, "width": 2, "height": 2}}]
    names = ["../../escape.jpg", "a b.c.d.jpg", "ünïcödé/ファイル.png", "C:\\win\\path.jpg"]
    rows = [
        {"externalId": n, "metadata": {"width": 8, "height": 8}, "task": {"tools": tools}}
        for n in names
    ]
    source = tmp_path / "hostile.ndjson"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    out = tmp_path / "out" / "voc"
    api.convert(source, out, to="voc", write_options={"images": "none"})
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.xml"))
    assert len(written) == 4 and all(".." not in name for name in written)
    assert not (tmp_path / "escape.xml").exists() and not (tmp_path / "out" / "escape.xml").exists()
