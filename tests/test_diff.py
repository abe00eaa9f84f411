"""``ango-convert diff`` and ``ango_convert.views.diff``: what changed, object by object."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

import ango_convert
from ango_convert.cli.main import cli
from ango_convert.errors import EXIT_DIFFERENT
from ango_convert.model import (
    Annotation,
    Box,
    Category,
    Dataset,
    Item,
    Keypoints,
)
from ango_convert.views import diff
from ango_convert.views.diff import OUTCOMES, DiffReport

CATEGORIES = (Category(id=1, name="car"), Category(id=2, name="person"), Category(id=3, name="dog"))


def _box(category_id: int, x: float, y: float, w: float = 40, h: float = 30) -> Box:
    return Box(category_id=category_id, x=x, y=y, width=w, height=h)


def _item(name: str, *annotations: Annotation, item_id: str | None = None) -> Item:
    return Item(id=item_id or name, file_name=name, width=640, height=480, annotations=annotations)


def _totals(report: DiffReport) -> dict[str, int]:
    return {outcome: report.total(outcome) for outcome in OUTCOMES}


# --- a dataset against itself, and four known changes -----------------------------------


@pytest.mark.parametrize(
    ("source", "format_name"),
    [
        ("coco/annotations.json", "coco"),
        ("voc", "voc"),
        ("yolo/pose/data.yaml", "yolo"),
        ("yolo/obb/data.yaml", "yolo"),
        ("yolo/seg/data.yaml", "yolo"),
        ("ango/export_v3.ndjson", "ango-v3"),
    ],
)
def test_diff__a_dataset_against_itself_is_all_unchanged(
    samples: Path, source: str, format_name: str
) -> None:
    first = ango_convert.read(samples / source, format_name)
    second = ango_convert.read(samples / source, format_name)
    report = diff(first, second)
    objects = sum(row.first for row in report.classes.values())
    assert report.equal
    assert _totals(report) == {
        "unchanged": objects,
        "moved": 0,
        "relabelled": 0,
        "removed": 0,
        "added": 0,
    }
    assert objects > 0


def test_diff__reports_exactly_one_move_relabel_removal_and_addition() -> None:
    first = Dataset(
        categories=CATEGORIES,
        items=(
            _item("a.jpg", _box(1, 10, 10), _box(1, 100, 10), _box(2, 200, 10)),
            _item("b.jpg", _box(3, 10, 100), _box(1, 300, 300)),
        ),
    )
    second = Dataset(
        categories=CATEGORIES,
        items=(
            _item("b.jpg", _box(3, 10, 100), _box(1, 300, 300), _box(2, 500, 400)),  # added
            _item("a.jpg", _box(1, 11, 10), _box(3, 100, 10)),  # moved, relabelled, removed
        ),
    )
    report = diff(first, second)
    assert _totals(report) == {
        "unchanged": 2,
        "moved": 1,
        "relabelled": 1,
        "removed": 1,
        "added": 1,
    }
    car, person, dog = (report.classes[name] for name in ("car", "person", "dog"))
    assert (car.moved, car.largest_change, car.largest_change_item) == (1, 1.0, "a.jpg")
    assert (car.relabelled_away, dog.relabelled_into) == (1, 1)
    assert (person.removed, person.added) == (1, 1)
    assert dict(report.relabellings) == {("car", "dog"): 1}
    assert not report.equal
    outcomes = [example["outcome"] for example in report.examples]
    assert sorted(outcomes) == ["added", "moved", "relabelled", "removed"]


def test_diff__tolerance_and_iou_threshold() -> None:
    first = Dataset(categories=CATEGORIES, items=(_item("a.jpg", _box(1, 10, 10)),))
    nudged = Dataset(categories=CATEGORIES, items=(_item("a.jpg", _box(1, 10.004, 10)),))
    assert diff(first, nudged).equal  # within the default 0.01 px
    assert _totals(diff(first, nudged, tolerance=0.001))["moved"] == 1
    far = Dataset(categories=CATEGORIES, items=(_item("a.jpg", _box(1, 30, 10)),))
    # 20 px to the right of a 40 px box: IoU 1/3, so not the same object at 0.5.
    assert _totals(diff(first, far)) == {
        "unchanged": 0,
        "moved": 0,
        "relabelled": 0,
        "removed": 1,
        "added": 1,
    }
    assert _totals(diff(first, far, iou=0.3))["moved"] == 1
    with pytest.raises(ValueError, match="iou"):
        diff(first, far, iou=0)


def test_diff__same_class_wins_over_a_higher_iou_across_classes() -> None:
    first = Dataset(categories=CATEGORIES, items=(_item("a.jpg", _box(1, 10, 10)),))
    second = Dataset(
        categories=CATEGORIES,
        items=(_item("a.jpg", _box(2, 10, 10), _box(1, 14, 10)),),
    )
    report = diff(first, second)
    assert _totals(report) == {
        "unchanged": 0,
        "moved": 1,
        "relabelled": 0,
        "removed": 0,
        "added": 1,
    }


def test_diff__unpaired_items_count_their_objects() -> None:
    first = Dataset(categories=CATEGORIES, items=(_item("a.jpg", _box(1, 1, 1)), _item("x.jpg")))
    second = Dataset(categories=CATEGORIES, items=(_item("b.jpg", _box(2, 1, 1)),))
    report = diff(first, second)
    assert (report.items_only_first, report.items_only_second) == (2, 1)
    assert report.classes["car"].removed == 1 and report.classes["person"].added == 1
    assert not report.equal


# --- conversions: nothing changes beyond the target format's precision -------------------


def _coco_with_images(folder: Path) -> tuple[Path, Path]:
    images = folder / "images"
    images.mkdir(parents=True)
    sizes = {"a.png": (641, 479), "sub/b.png": (333, 217), "c.png": (97, 61)}
    for name, size in sizes.items():
        (images / name).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", size).save(images / name)
    boxes = {
        "a.png": [
            [12.345678, 0.1 + 0.2, 100.25, 50.125],
            [0, 0, 641, 479],
            [600.5, 400.75, 40, 78],
        ],
        "sub/b.png": [[1 / 3, 2 / 3, 17.123456789, 99.9], [300, 200, 33, 17]],
        "c.png": [],
    }
    document = {
        "images": [
            {"id": n, "file_name": name, "width": sizes[name][0], "height": sizes[name][1]}
            for n, name in enumerate(sizes, start=1)
        ],
        "categories": [{"id": 4, "name": "car"}, {"id": 9, "name": "traffic light"}],
        "annotations": [
            {"id": 100 * n + k, "image_id": n, "category_id": (4, 9)[k % 2], "bbox": bbox}
            for n, name in enumerate(sizes, start=1)
            for k, bbox in enumerate(boxes[name])
        ],
    }
    source = folder / "coco.json"
    source.write_text(json.dumps(document))
    return source, images


def test_diff__coco_against_its_yolo_and_voc_conversions_is_equal(
    runner: CliRunner, tmp_path: Path
) -> None:
    source, images = _coco_with_images(tmp_path)
    ango_convert.convert(source, tmp_path / "yolo", to="yolo", write_options={"images_dir": images})
    ango_convert.convert(source, tmp_path / "voc", to="voc", write_options={"images_dir": images})
    for target in (tmp_path / "yolo" / "data.yaml", tmp_path / "voc"):
        result = runner.invoke(cli, ["diff", str(source), str(target), "--tolerance", "1e-6"])
        assert result.exit_code == 0, result.output
        assert "equal: every object unchanged" in result.output
        assert "items: 3 paired, 0 only in A, 0 only in B" in result.output


def test_diff__coco_polygons_against_yolo_segment(tmp_path: Path) -> None:
    images = tmp_path / "images"
    images.mkdir()
    Image.new("RGB", (333, 217)).save(images / "a.png")
    document = {
        "images": [{"id": 1, "file_name": "a.png", "width": 333, "height": 217}],
        "categories": [{"id": 1, "name": "dog"}],
        "annotations": [
            {
                "id": 1,
                "image_id": 1,
                "category_id": 1,
                "segmentation": [[10.5, 20.25, 200.125, 30, 150, 180.3333, 12, 150, 5.5, 90.75]],
                "bbox": [10.5, 20.25, 189.625, 160.0833],
                "area": 1.0,
            }
        ],
    }
    source = tmp_path / "coco.json"
    source.write_text(json.dumps(document))
    ango_convert.convert(source, tmp_path / "yolo", to="yolo", write_options={"images_dir": images})
    report = diff(ango_convert.read(source, "coco"), ango_convert.read(tmp_path / "yolo", "yolo"))
    assert report.equal and _totals(report)["unchanged"] == 1


def test_diff__coco_against_its_ango_payload_is_equal(samples: Path, tmp_path: Path) -> None:
    # Masks travel as traced polygons: compared on the mask's pixels, they are unchanged.
    source = samples / "coco" / "annotations.json"
    payload = tmp_path / "payload.json"
    ango_convert.convert(source, payload, to="ango-flat", write_options={"title_only": True})
    report = diff(ango_convert.read(source, "coco"), ango_convert.read(payload, "ango-flat"))
    assert report.equal, report.to_dict()
    assert report.total("unchanged") == 8


# --- pre-labels sent against the export after review ------------------------------------


def _export_record(name: str, tools: list[dict[str, object]]) -> dict[str, object]:
    return {
        "asset": f"https://assets.example.com/{name}",
        "externalId": name,
        "metadata": {"width": 640, "height": 480},
        "task": {"taskId": f"t-{name}", "stage": "Complete", "tools": tools},
    }


def _tool(title: str, x: float, y: float, n: int) -> dict[str, object]:
    return {
        "bounding-box": {"x": x, "y": y, "width": 50, "height": 40},
        "objectId": f"o{n}",
        "schemaId": f"s-{title}",
        "title": title,
        "classifications": [],
    }


def test_diff__pre_labels_against_the_reviewed_export(runner: CliRunner, tmp_path: Path) -> None:
    payload = [
        {
            "externalId": "a.jpg",
            "objects": [
                {"title": "car", "bounding-box": {"x": 10, "y": 10, "width": 50, "height": 40}},
                {"title": "car", "bounding-box": {"x": 100, "y": 10, "width": 50, "height": 40}},
                {"title": "car", "bounding-box": {"x": 200, "y": 10, "width": 50, "height": 40}},
                {"title": "person", "bounding-box": {"x": 10, "y": 200, "width": 50, "height": 40}},
            ],
        },
        {
            "externalId": "b.jpg",
            "objects": [
                {"title": "car", "bounding-box": {"x": 10, "y": 10, "width": 50, "height": 40}},
            ],
        },
    ]
    (tmp_path / "payload.json").write_text(json.dumps(payload))
    records = [
        _export_record(
            "b.jpg", [_tool("car", 10, 10, 1), _tool("person", 400, 300, 2)]
        ),  # kept; one added
        _export_record(
            "a.jpg",
            [
                _tool("car", 10, 10, 3),  # kept as it was
                _tool("car", 103, 12, 4),  # moved by 3 px
                _tool("truck", 200, 10, 5),  # relabelled
                # the person was deleted
            ],
        ),
    ]
    export = tmp_path / "export.ndjson"
    export.write_text("".join(json.dumps(record) + "\n" for record in records))

    result = runner.invoke(
        cli,
        [
            "diff",
            str(tmp_path / "payload.json"),
            str(export),
            "--from",
            "ango-flat",
            "--from-b",
            "ango-v3",
            "--json",
        ],
    )
    assert result.exit_code == EXIT_DIFFERENT, result.output
    document = json.loads(result.stdout)
    car, person, truck = (document["classes"][n] for n in ("car", "person", "truck"))
    assert (car["first"], car["unchanged"], car["moved"], car["relabelled_away"]) == (4, 2, 1, 1)
    assert car["largest_change"] == 3 and car["largest_change_item"] == "a.jpg"
    assert car["precision"] == 0.75 and car["recall"] == 1.0  # 3 of 4 kept; all 3 pre-drawn
    assert (person["removed"], person["added"], person["precision"]) == (1, 1, 0.0)
    assert (truck["relabelled_into"], truck["second"], truck["recall"]) == (1, 1, 0.0)
    assert document["relabellings"] == [{"first": "car", "second": "truck", "count": 1}]
    assert document["totals"] == {
        "unchanged": 2,
        "moved": 1,
        "relabelled": 1,
        "removed": 1,
        "added": 1,
    }

    table = runner.invoke(
        cli,
        [
            "diff",
            str(tmp_path / "payload.json"),
            str(export),
            "--from",
            "ango-flat",
            "--from-b",
            "ango-v3",
        ],
    )
    assert table.exit_code == EXIT_DIFFERENT
    assert "car -> truck: 1" in table.output
    assert "kept/A" in table.output


def test_diff__keypoints_compared_by_name() -> None:
    coco = Category(id=1, name="person", keypoint_names=("nose", "eye", "ear"))
    payload = Category(id=7, name="person", keypoint_names=("nose", "ear"))  # eye never labelled
    first = Dataset(
        categories=(coco,),
        items=(_item("a.jpg", Keypoints(category_id=1, points=((5, 5, 2), (0, 0, 0), (9, 9, 1)))),),
    )
    second = Dataset(
        categories=(payload,),
        items=(_item("a.jpg", Keypoints(category_id=7, points=((5, 5, 2), (9, 9, 2)))),),
    )
    assert diff(first, second).equal
    moved_ear = Dataset(
        categories=(payload,),
        items=(_item("a.jpg", Keypoints(category_id=7, points=((5, 5, 2), (9, 11, 2)))),),
    )
    report = diff(first, moved_ear)
    assert report.classes["person"].moved == 1 and report.classes["person"].largest_change == 2


# --- the command -------------------------------------------------------------------------


def test_cli_diff__exit_codes_and_json(runner: CliRunner, samples: Path) -> None:
    coco = str(samples / "coco" / "annotations.json")
    same = runner.invoke(cli, ["diff", coco, coco, "--json"])
    assert same.exit_code == 0, same.output
    assert json.loads(same.stdout)["equal"] is True
    other = runner.invoke(cli, ["diff", coco, str(samples / "voc")])
    assert other.exit_code == EXIT_DIFFERENT == 10
    assert other.output.startswith("A: ") and "differ:" in other.output


def test_cli_diff__reader_options_go_where_they_apply(runner: CliRunner, samples: Path) -> None:
    export = str(samples / "ango" / "export_v3.ndjson")
    # keep_empty is an export option only: -R reaches the export, not COCO's reader.
    result = runner.invoke(
        cli, ["diff", export, export, "-R", "keep_empty=false", "-A", "batch=Batch 1", "--json"]
    )
    assert result.exit_code == EXIT_DIFFERENT, result.output
    items = json.loads(result.stdout)["items"]
    assert items == {"paired": 1, "only_first": 0, "only_second": 3}
    wrong = runner.invoke(cli, ["diff", export, export, "-R", "nope=1"])
    assert wrong.exit_code == 2 and "nope" in wrong.output


def test_cli_diff__bad_input_is_exit_3(runner: CliRunner, samples: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    result = runner.invoke(cli, ["diff", str(samples / "voc"), str(bad), "--from-b", "coco"])
    assert result.exit_code == 3 and "bad.json" in result.output
