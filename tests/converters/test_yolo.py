"""YOLO: the three layouts, the four tasks, located errors, and an Ultralytics layout
written back with 0-based contiguous ids, empty label files and safe names."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import ango_convert
from ango_convert.converters import yolo
from ango_convert.converters._yolo_labels import format_value
from ango_convert.errors import ConversionError, ReadError, UnsupportedAnnotationError
from ango_convert.model import (
    Box,
    Category,
    Classification,
    Dataset,
    Item,
    Keypoints,
    Polygon,
    RotatedBox,
    Zone,
)
from tests import imagebytes
from tests.conftest import GOLDEN, SAMPLES
from tests.converters.golden_tree import assert_tree_matches
from tests.ir_samples import HOSTILE_NAMES, tiny_dataset

YOLO = SAMPLES / "yolo"
TASKS = ("detect", "seg", "obb", "pose")


def make(folder: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def labels_of(folder: Path) -> dict[str, list[list[float]]]:
    """Label rows per image stem, as numbers."""
    return {
        path.stem: [[float(v) for v in line.split()] for line in path.read_text().splitlines()]
        for path in sorted(folder.rglob("labels/**/*.txt"))
    }


def assert_labels_close(
    left: dict[str, list[list[float]]], right: dict[str, list[list[float]]]
) -> None:
    """Same rows within 1e-6 per image; a missing label file equals an empty one."""
    left = {stem: rows for stem, rows in left.items() if rows}
    right = {stem: rows for stem, rows in right.items() if rows}
    assert sorted(left) == sorted(right)
    for stem, rows in left.items():
        assert len(rows) == len(right[stem]), stem
        for a, b in zip(sorted(rows), sorted(right[stem]), strict=True):
            assert a[0] == b[0]
            assert max(abs(x - y) for x, y in zip(a, b, strict=True)) <= 1e-6, (stem, a, b)


def boxes_by_name(dataset: Dataset) -> dict[str, list[tuple[float, ...]]]:
    return {
        item.file_name: [
            (a.category_id, a.x, a.y, a.width, a.height)
            for a in item.annotations
            if isinstance(a, Box)
        ]
        for item in dataset
    }


def items_by_name(dataset: Dataset) -> dict[str, Item]:
    return {item.file_name: item for item in dataset}


class TestYoloRead:
    def test_read__detect_sample(self) -> None:
        dataset = yolo.read(YOLO / "detect")
        assert [(c.id, c.name) for c in dataset.categories] == [
            (0, "person"),
            (1, "traffic light"),
            (2, "car"),
        ]
        items = items_by_name(dataset)
        assert sorted(items) == ["empty.png", "street 1.png", "unlabelled.png", "v.1.final.png"]
        assert items["empty.png"].annotations == ()  # an empty label file
        assert items["unlabelled.png"].annotations == ()  # no label file at all
        assert items["unlabelled.png"].attributes["split"] == "val"
        person = items["street 1.png"].annotations[0]
        assert isinstance(person, Box)
        assert (person.x, person.y, person.width, person.height) == (24, 12, 16, 24)
        assert (items["street 1.png"].width, items["street 1.png"].height) == (64, 48)

    def test_read__segment_list_and_txt_splits(self) -> None:
        dataset = yolo.read(YOLO / "seg" / "data.yaml")
        items = items_by_name(dataset)
        assert sorted(items) == ["a.png", "b.png", "sub/c.png"]
        assert items["sub/c.png"].attributes["split"] == "train"
        polygon = items["a.png"].annotations[0]
        assert isinstance(polygon, Polygon)
        assert polygon.zones[0].outer == ((10, 5), (50, 5), (50, 45), (10, 45), (5, 25))
        # A 4-point polygon in a segment dataset stays a polygon, not an oriented box.
        assert isinstance(items["b.png"].annotations[0], Polygon)

    def test_read__obb_hand_computed(self) -> None:
        items = items_by_name(yolo.read(YOLO / "obb"))
        plane, ship = items["p1.png"].annotations
        # Corners (60,30) (60,70) (40,70) (40,30) on 100 x 100: centre (50,50), the first
        # edge points down (+y), so 40 wide, 20 high, rotated 90 degrees clockwise.
        assert isinstance(plane, RotatedBox)
        assert (plane.cx, plane.cy, plane.width, plane.height) == pytest.approx((50, 50, 40, 20))
        assert plane.angle == pytest.approx(90)
        # A corner at x = -0.01 (outside the image) is kept as it is.
        assert isinstance(ship, RotatedBox)
        assert ship.cx == pytest.approx(9.5) and ship.width == pytest.approx(21)

    def test_read__pose_three_values_a_point(self) -> None:
        dataset = yolo.read(YOLO / "pose")
        assert dataset.categories[0].keypoint_names == ("kp0", "kp1", "kp2")
        assert dataset.info["yolo:kpt_shape"] == [3, 3]
        box, pose = items_by_name(dataset)["walker.png"].annotations[:2]
        assert isinstance(box, Box) and isinstance(pose, Keypoints)
        assert box.group == pose.group is not None
        assert pose.points == ((32, 12, 2), (48, 12, 1), (0, 0, 0))

    def test_read__pose_two_values_a_point(self, tmp_path: Path) -> None:
        make(
            tmp_path,
            {
                "data.yaml": "train: images\nkpt_shape: [2, 2]\nnames: [hand]\n",
                "images/h.png": imagebytes.png(10, 20),
                "labels/h.txt": "0 0.5 0.5 0.2 0.4 0.4 0.5 0 0\n",
            },
        )
        _box, pose = next(iter(yolo.read(tmp_path))).annotations
        assert isinstance(pose, Keypoints)
        assert pose.points == ((4, 10, 2), (0, 0, 0))  # 0 0 means not labelled
        yolo.write(yolo.read(tmp_path), tmp_path / "out")
        assert (
            tmp_path / "out/labels/train/h.txt"
        ).read_text() == "0 0.5 0.5 0.2 0.4 0.4 0.5 0 0\n"
        assert yaml.safe_load((tmp_path / "out/data.yaml").read_text())["kpt_shape"] == [2, 2]

    def test_read__darknet_layout(self, tmp_path: Path) -> None:
        make(
            tmp_path,
            {
                "obj.data": "classes = 2\ntrain = data/train.txt\nvalid = data/valid.txt\n"
                "names = data/obj.names\nbackup = backup/\n",
                "obj.names": "cat\ndog\n\n",
                "train.txt": "data/obj_train_data/a.png\n",
                "valid.txt": "/home/someone/darknet/data/obj_train_data/b b.png\n",
                "obj_train_data/a.png": imagebytes.png(100, 100),
                "obj_train_data/a.txt": "1 0.5 0.5 0.5 0.5\n",
                "obj_train_data/b b.png": imagebytes.png(10, 10),
                "obj_train_data/b b.txt": "",
            },
        )
        assert yolo.detect(tmp_path)
        dataset = ango_convert.read(tmp_path)
        assert [c.name for c in dataset.categories] == ["cat", "dog"]
        items = items_by_name(dataset)
        assert items["a.png"].attributes["split"] == "train"
        assert items["b b.png"].attributes["split"] == "val"
        assert items["a.png"].annotations[0].category_id == 1

    def test_read__bare_folder_with_classes_txt(self, tmp_path: Path) -> None:
        make(
            tmp_path,
            {
                "classes.txt": "ship\n",
                "images/train/s.png": imagebytes.png(20, 20),
                "labels/train/s.txt": "0 0.5 0.5 1 1\n",
                "images/val/t.png": imagebytes.png(20, 20),
            },
        )
        assert yolo.detect(tmp_path)
        items = items_by_name(ango_convert.read(tmp_path))
        assert items["s.png"].attributes["split"] == "train"
        assert items["t.png"].annotations == ()

    def test_read__roboflow_parent_paths(self, tmp_path: Path) -> None:
        make(
            tmp_path,
            {
                "data.yaml": "train: ../train/images\nval: ../valid/images\nnc: 1\nnames: ['x']\n",
                "train/images/a.png": imagebytes.png(8, 8),
                "train/labels/a.txt": "0 0.5 0.5 0.5 0.5\n",
                "valid/images/b.png": imagebytes.png(8, 8),
            },
        )
        items = items_by_name(yolo.read(tmp_path))
        assert items["a.png"].annotations and items["b.png"].attributes["split"] == "val"

    @pytest.mark.parametrize(
        ("config", "message"),
        [
            ("train: ../../../etc\nnames: [x]\n", "points outside the dataset folder"),
            ("train: /etc\nnames: [x]\n", "points outside the dataset folder"),
            ("train: list.txt\nnames: [x]\n", "not found inside the dataset folder"),
            ("train: images\nnames: {a: x}\n", "class id 'a' is not a whole number"),
            ("train: images\nnames: [x]\nkpt_shape: [3, 4]\n", "expected \\[K, 2\\] or \\[K, 3\\]"),
            ("train: [images\nnames: [x]\n", "invalid YAML"),
        ],
        ids=["parent-escape", "absolute-escape", "list-escape", "bad-names", "bad-kpt", "bad-yaml"],
    )
    def test_read__hostile_or_bad_config(self, tmp_path: Path, config: str, message: str) -> None:
        make(
            tmp_path / "ds",
            {
                "data.yaml": config,
                "list.txt": "/etc/passwd\n",
                "images/a.png": imagebytes.png(4, 4),
            },
        )
        with pytest.raises(ReadError, match=message):
            yolo.read(tmp_path / "ds")

    @pytest.mark.parametrize(
        ("line", "message"),
        [
            ("0 0.5 0.5 0.5", r"line 2: expected 5 values: class cx cy w h, got 4 values"),
            ("7 0.5 0.5 0.5 0.5", "line 2: class id 7 is not in the dataset's class names"),
            ("0 0.5 abc 0.5 0.5", "line 2: 'abc' is not a number"),
            ("0 0.5 nan 0.5 0.5", "line 2: 'nan' is not a finite number"),
            ("0.5 0.5 0.5 0.5 0.5", "line 2: class id must be a whole number"),
            ("0 0.5 0.5 -0.5 0.5", "line 2: box width and height must be >= 0"),
        ],
        ids=["short", "class-range", "not-number", "nan", "float-class", "negative"],
    )
    def test_read__bad_lines_are_located(self, tmp_path: Path, line: str, message: str) -> None:
        make(
            tmp_path,
            {
                "data.yaml": "train: images\nnames: [a, b]\n",
                "images/x y.png": imagebytes.png(4, 4),
                "labels/x y.txt": f"0 0.5 0.5 0.5 0.5\n{line}\n",
            },
        )
        with pytest.raises(ReadError, match=message) as info:
            yolo.read(tmp_path, task="detect")
        assert "x y.txt" in str(info.value)

    def test_read__explicit_task_checks_every_line(self) -> None:
        with pytest.raises(ReadError, match=r"a.txt: line 1: expected 9 values"):
            yolo.read(YOLO / "seg", task="obb")
        with pytest.raises(ReadError, match=r"needs kpt_shape"):
            yolo.read(YOLO / "detect", task="pose")

    def test_read__unprobeable_image_is_named(self, tmp_path: Path) -> None:
        make(
            tmp_path,
            {"data.yaml": "train: images\nnames: [a]\n", "images/broken.png": b"\x89PNG\r\n"},
        )
        with pytest.raises(ReadError, match=r"broken.png: cannot read the image size"):
            yolo.read(tmp_path)

    def test_detect(self, tmp_path: Path) -> None:
        for task in TASKS:
            assert yolo.detect(YOLO / task), task
            assert ango_convert.api.detect(YOLO / task) == "yolo"
        assert yolo.detect(YOLO / "detect" / "data.yaml")
        assert not yolo.detect(SAMPLES / "voc")
        (tmp_path / "notes.txt").write_text("hello")
        assert not yolo.detect(tmp_path)


class TestYoloWrite:
    @pytest.mark.parametrize("task", TASKS)
    def test_write__golden_and_round_trip(
        self, tmp_path: Path, update_golden: bool, task: str
    ) -> None:
        report = ango_convert.write(ango_convert.read(YOLO / task), tmp_path / "out", "yolo")
        assert report.items == len(list(yolo.read(YOLO / task)))
        assert_tree_matches(tmp_path / "out", GOLDEN / "yolo" / task, update_golden)
        assert_labels_close(labels_of(tmp_path / "out"), labels_of(YOLO / task))

    def test_write__coco_ids_become_contiguous(self, tmp_path: Path) -> None:
        # Category ids 3 and 90 (COCO style) become classes 0 and 1, in id order.
        images = make(
            tmp_path / "imgs",
            {
                HOSTILE_NAMES[0]: imagebytes.png(640, 480),
                HOSTILE_NAMES[1]: imagebytes.png(100, 100),
                HOSTILE_NAMES[2]: imagebytes.jpeg(10, 10),
            },
        )
        report = yolo.write(
            tiny_dataset(),
            tmp_path / "out",
            task="detect",
            on_unsupported="skip",
            images_dir=images,
        )
        config = yaml.safe_load((tmp_path / "out" / "data.yaml").read_text())
        assert config["names"] == {0: "car", 1: "person"} and config["nc"] == 2
        label_map = json.loads((tmp_path / "out" / "label_map.json").read_text())
        assert label_map["0"] == {"name": "car", "source_id": 3}
        assert label_map["1"]["source_id"] == 90
        assert label_map["1"]["keypoint_names"] == ["nose", "left eye", "right eye"]
        classes = {row[0] for rows in labels_of(tmp_path / "out").values() for row in rows}
        assert classes == {0.0, 1.0}
        assert report.skipped["polygon"] == 2
        # Reading the folder back restores the source ids through label_map.json.
        back = yolo.read(tmp_path / "out")
        assert [(c.id, c.name) for c in back.categories] == [(3, "car"), (90, "person")]

    def test_write__coco_file_to_yolo(self, tmp_path: Path) -> None:
        coco = {
            "images": [{"id": 5, "file_name": "dir/a.jpg", "width": 200, "height": 100}],
            "annotations": [
                {
                    "id": 1,
                    "image_id": 5,
                    "category_id": 42,
                    "bbox": [10, 20, 30, 40],
                    "area": 1200,
                    "iscrowd": 0,
                },
                {
                    "id": 2,
                    "image_id": 5,
                    "category_id": 7,
                    "bbox": [0, 0, 200, 100],
                    "area": 20000,
                    "iscrowd": 0,
                },
            ],
            "categories": [{"id": 42, "name": "zebra"}, {"id": 7, "name": "ant"}],
        }
        (tmp_path / "coco.json").write_text(json.dumps(coco))
        ango_convert.convert(tmp_path / "coco.json", tmp_path / "out", to="yolo")
        config = yaml.safe_load((tmp_path / "out" / "data.yaml").read_text())
        assert config["names"] == {0: "ant", 1: "zebra"}
        label = (tmp_path / "out" / "labels" / "train" / "dir" / "a.txt").read_text()
        assert label.splitlines() == ["1 0.125 0.4 0.15 0.4", "0 0.5 0.5 1 1"]

    def test_write__needs_sizes(self, tmp_path: Path) -> None:
        items = tuple(Item(id=f"i{n}", file_name=f"{n}.png") for n in range(7))
        dataset = Dataset(categories=(), items=items)
        with pytest.raises(ConversionError, match=r"7 item\(s\) have none: 'i0', .* and 2 more"):
            yolo.write(dataset, tmp_path / "out")
        assert not (tmp_path / "out").exists()
        folder = make(tmp_path / "imgs", {f"{n}.png": imagebytes.png(n + 1, 3) for n in range(7)})
        report = yolo.write(dataset, tmp_path / "out", images_dir=folder, images="symlink")
        assert report.items == 7
        assert (tmp_path / "out" / "images" / "train" / "3.png").is_symlink()
        assert (tmp_path / "out" / "labels" / "train" / "3.txt").read_text() == ""

    def test_write__refuses_what_the_task_cannot_hold(self, tmp_path: Path) -> None:
        rotated = RotatedBox(category_id=1, cx=5, cy=5, width=4, height=2, angle=90)
        item = Item(id="a", file_name="a.png", width=10, height=10, annotations=(rotated,))
        dataset = Dataset(categories=(Category(id=1, name="x"),), items=(item,))
        with pytest.raises(UnsupportedAnnotationError, match="cannot hold 1 rotated-box"):
            yolo.write(dataset, tmp_path / "out", task="detect")
        report = yolo.write(dataset, tmp_path / "out", task="detect", on_unsupported="approximate")
        assert report.approximated == {"rotated-box": 1}
        assert (tmp_path / "out/labels/train/a.txt").read_text() == "0 0.5 0.5 0.2 0.4\n"

    def test_write__auto_task_and_lossless_forms(self, tmp_path: Path) -> None:
        polygon = Polygon(category_id=1, zones=(Zone(outer=((0, 0), (4, 0), (4, 4))),))
        box = Box(category_id=1, x=1, y=2, width=3, height=4)
        item = Item(id="a", file_name="a.png", width=10, height=10, annotations=(polygon, box))
        dataset = Dataset(categories=(Category(id=1, name="x"),), items=(item,))
        report = yolo.write(dataset, tmp_path / "out")
        assert report.warnings[-1] == "1 box written in segment form"
        assert (tmp_path / "out/labels/train/a.txt").read_text().splitlines() == [
            "0 0 0 0.4 0 0.4 0.4",
            "0 0.1 0.2 0.4 0.2 0.4 0.6 0.1 0.6",
        ]

    def test_write__obb_corners_and_angle(self, tmp_path: Path) -> None:
        rotated = RotatedBox(category_id=1, cx=50, cy=50, width=40, height=20, angle=90)
        item = Item(id="a", file_name="a.png", width=100, height=100, annotations=(rotated,))
        yolo.write(Dataset(categories=(Category(id=1, name="p"),), items=(item,)), tmp_path / "o")
        assert (
            tmp_path / "o/labels/train/a.txt"
        ).read_text() == "0 0.6 0.3 0.6 0.7 0.4 0.7 0.4 0.3\n"

    def test_write__multi_zone_polygon_keeps_largest(self, tmp_path: Path) -> None:
        small = Zone(outer=((0, 0), (1, 0), (1, 1)))
        big = Zone(outer=((0, 0), (10, 0), (10, 10)), holes=(((1, 1), (2, 1), (2, 2)),))
        polygon = Polygon(category_id=1, zones=(small, big))
        item = Item(id="a", file_name="a.png", width=10, height=10, annotations=(polygon,))
        dataset = Dataset(categories=(Category(id=1, name="x"),), items=(item,))
        with pytest.raises(UnsupportedAnnotationError):
            yolo.write(dataset, tmp_path / "out")
        report = yolo.write(dataset, tmp_path / "out", on_unsupported="approximate")
        assert report.approximated == {"polygon": 1}
        assert (tmp_path / "out/labels/train/a.txt").read_text() == "0 0 0 1 0 1 1\n"

    def test_write__pose_pairs_by_group(self, tmp_path: Path) -> None:
        report = yolo.write(tiny_dataset(), tmp_path / "out", on_unsupported="approximate")
        config = yaml.safe_load((tmp_path / "out" / "data.yaml").read_text())
        assert config["kpt_shape"] == [3, 3]
        rows = labels_of(tmp_path / "out")["street scene.v2.final"]
        pose_row = next(r for r in rows if r[0] == 1)
        assert pose_row[5:] == pytest.approx(
            [60 / 640, 70 / 480, 2, 0, 0, 0, 66 / 640, 71 / 480, 1]
        )
        assert report.skipped == {"classification": 1, "point": 1}
        assert "1 box written" not in " ".join(report.warnings)

    def test_write__classifications_refused(self, tmp_path: Path) -> None:
        item = Item(
            id="a",
            file_name="a.png",
            width=4,
            height=4,
            classifications=(Classification(title="weather", answer="sunny"),),
        )
        with pytest.raises(UnsupportedAnnotationError, match="1 classification"):
            yolo.write(Dataset(categories=(), items=(item,)), tmp_path / "out")

    def test_write__duplicate_and_nested_names(self, tmp_path: Path) -> None:
        names = ["a/x.jpg", "b/x.jpg", "x.jpg", "X.png", "../../up.jpg", "c/./x.jpg"]
        items = tuple(
            Item(id=str(n), file_name=name, width=2, height=2) for n, name in enumerate(names)
        )
        yolo.write(Dataset(categories=(), items=items), tmp_path / "out", images="none")
        labels = sorted(
            p.relative_to(tmp_path / "out/labels/train").as_posix()
            for p in (tmp_path / "out/labels/train").rglob("*.txt")
        )
        assert labels == ["X_1.txt", "a/x.txt", "b/x.txt", "c/x.txt", "up.txt", "x.txt"]
        assert not (tmp_path / "up.txt").exists() and not (tmp_path / "out" / "images").exists()

    def test_write__copy_needs_every_image(self, tmp_path: Path) -> None:
        item = Item(id="a", file_name="nowhere.png", width=2, height=2)
        with pytest.raises(ConversionError, match=r"1 image\(s\) not found: 'nowhere.png'"):
            yolo.write(Dataset(categories=(), items=(item,)), tmp_path / "out", images="copy")
        report = yolo.write(Dataset(categories=(), items=(item,)), tmp_path / "out")
        assert "1 image(s) not found" in report.warnings[0]

    def test_write__image_extension_from_source(self, tmp_path: Path) -> None:
        # An Ango externalId without an extension: the image keeps its file's one.
        make(tmp_path / "imgs", {"photo 7.jpeg": imagebytes.jpeg(30, 20)})
        item = Item(id="a", file_name="photo 7", width=30, height=20)
        yolo.write(
            Dataset(categories=(), items=(item,)), tmp_path / "o", images_dir=tmp_path / "imgs"
        )
        assert (tmp_path / "o/images/train/photo 7.jpeg").is_file()
        assert (tmp_path / "o/labels/train/photo 7.txt").read_text() == ""

    def test_write__class_names_order(self, tmp_path: Path) -> None:
        yolo.write(tiny_dataset(), tmp_path / "o", class_names=["person"], on_unsupported="skip")
        names = yaml.safe_load((tmp_path / "o" / "data.yaml").read_text())["names"]
        assert names == {0: "person", 1: "car"}
        with pytest.raises(ConversionError, match="lacks: \\['dog'\\]"):
            yolo.write(tiny_dataset(), tmp_path / "p", class_names=["dog"])

    def test_write__darknet_layout_reads_back(self, tmp_path: Path) -> None:
        report = yolo.write(yolo.read(YOLO / "detect"), tmp_path / "dk", layout="darknet")
        assert (tmp_path / "dk" / "obj.data").read_text().splitlines() == [
            "classes = 3",
            "train = data/train.txt",
            "valid = data/val.txt",
            "names = data/obj.names",
            "backup = backup/",
        ]
        assert (tmp_path / "dk" / "val.txt").read_text().splitlines() == [
            "data/obj_val_data/unlabelled.png",
            "data/obj_val_data/v.1.final.png",
        ]
        assert "obj_train_data/street 1.txt" in report.files
        back = yolo.read(tmp_path / "dk")
        assert boxes_by_name(back) == boxes_by_name(yolo.read(YOLO / "detect"))
        assert {i.attributes["split"] for i in back} == {"train", "val"}
        with pytest.raises(ConversionError, match="darknet layout holds boxes only"):
            yolo.write(yolo.read(YOLO / "seg"), tmp_path / "x", layout="darknet", task="segment")

    def test_format_value(self) -> None:
        assert [format_value(v) for v in (0.1 + 0.2, 1.0, -0.0, 1 / 3)] == [
            "0.3",
            "1",
            "0",
            "0.3333333333",
        ]
        assert math.isclose(float(format_value(0.123456789123)), 0.123456789123, abs_tol=1e-10)


class TestYoloCli:
    def test_cli__yolo_to_voc_and_back(self, runner, tmp_path: Path) -> None:
        from ango_convert.cli.main import cli

        result = runner.invoke(
            cli, ["convert", str(YOLO / "detect"), "--to", "voc", "-o", str(tmp_path / "v")]
        )
        assert result.exit_code == 0, result.output
        result = runner.invoke(
            cli,
            [
                "convert",
                str(tmp_path / "v"),
                "--to",
                "yolo",
                "-o",
                str(tmp_path / "y"),
                "--images",
                str(YOLO / "detect" / "images"),
                "-W",
                "class_names=person,traffic light,car",
            ],
        )
        assert result.exit_code == 0, result.output
        assert_labels_close(labels_of(tmp_path / "y"), labels_of(YOLO / "detect"))
        assert (tmp_path / "y" / "images" / "val" / "v.1.final.png").is_file()

    def test_cli__bad_label_exit_code(self, runner, tmp_path: Path) -> None:
        from ango_convert.cli.main import cli

        make(
            tmp_path / "in",
            {
                "data.yaml": "train: images\nnames: [a]\n",
                "images/i.png": imagebytes.png(4, 4),
                "labels/i.txt": "0 0.5 0.5 0.5 0.5 0.1\n",
            },
        )
        result = runner.invoke(
            cli, ["convert", str(tmp_path / "in"), "--to", "voc", "-o", str(tmp_path / "out")]
        )
        assert result.exit_code == 3
        assert "i.txt: line 1: expected 5 values" in result.output


def _class_names(folder: Path) -> list[str]:
    return [c.name for c in sorted(yolo.read(folder).categories, key=lambda c: c.id)]


class TestYoloThroughOtherFormats:
    @pytest.mark.parametrize("shape", ["ango", "ango-flat"])
    @pytest.mark.parametrize("task", TASKS)
    def test_yolo_to_ango_to_yolo__within_1e6(self, tmp_path: Path, task: str, shape: str) -> None:
        options: dict[str, object] = {"title_only": True}
        if shape == "ango":
            options["project"] = "507f1f77bcf86cd799439011"
        ango_convert.convert(YOLO / task, tmp_path / "p.json", to=shape, write_options=options)
        # The payload has neither image sizes nor class ids: the images give the sizes
        # and class_names the order.
        ango_convert.convert(
            tmp_path / "p.json",
            tmp_path / "y",
            to="yolo",
            from_format=shape,
            write_options={"images_dir": YOLO / task, "class_names": _class_names(YOLO / task)},
        )
        assert_labels_close(labels_of(tmp_path / "y"), labels_of(YOLO / task))

    @pytest.mark.parametrize("task", ["detect", "seg", "pose"])
    def test_yolo_to_coco_to_yolo__within_1e6(self, tmp_path: Path, task: str) -> None:
        ango_convert.convert(YOLO / task, tmp_path / "c.json", to="coco")
        ango_convert.convert(
            tmp_path / "c.json",
            tmp_path / "y",
            to="yolo",
            write_options={"images_dir": YOLO / task},
        )
        assert_labels_close(labels_of(tmp_path / "y"), labels_of(YOLO / task))
        names = yaml.safe_load((tmp_path / "y" / "data.yaml").read_text())["names"]
        assert list(names.values()) == _class_names(YOLO / task)

    def test_yolo_obb_to_coco__refused_or_approximated(self, tmp_path: Path) -> None:
        with pytest.raises(UnsupportedAnnotationError, match="rotated-box"):
            ango_convert.convert(YOLO / "obb", tmp_path / "c.json", to="coco")

    def test_yolo_to_voc_to_yolo__boxes_within_1e6(self, tmp_path: Path) -> None:
        ango_convert.convert(YOLO / "detect", tmp_path / "v", to="voc")
        ango_convert.convert(
            tmp_path / "v",
            tmp_path / "y",
            to="yolo",
            write_options={
                "images_dir": YOLO / "detect",
                "class_names": _class_names(YOLO / "detect"),
            },
        )
        assert_labels_close(labels_of(tmp_path / "y"), labels_of(YOLO / "detect"))
        splits = {p.parent.name for p in (tmp_path / "y" / "labels").rglob("*.txt")}
        assert splits == {"train", "val"}  # the split survives VOC's ImageSets


class TestYoloProperties:
    @settings(max_examples=60, deadline=None)
    @given(
        cx=st.floats(0, 640),
        cy=st.floats(0, 480),
        width=st.floats(0.5, 300),
        height=st.floats(0.5, 300),
        angle=st.floats(-179.9, 180),
    )
    def test_obb__corners_round_trip(
        self,
        tmp_path_factory: pytest.TempPathFactory,
        cx: float,
        cy: float,
        width: float,
        height: float,
        angle: float,
    ) -> None:
        folder = tmp_path_factory.mktemp("obb")
        rotated = RotatedBox(category_id=0, cx=cx, cy=cy, width=width, height=height, angle=angle)
        item = Item(id="a", file_name="a.png", width=640, height=480, annotations=(rotated,))
        dataset = Dataset(categories=(Category(id=0, name="x"),), items=(item,))
        make(folder, {"imgs/a.png": imagebytes.png(640, 480)})
        yolo.write(dataset, folder / "once", images_dir=folder / "imgs")
        yolo.write(yolo.read(folder / "once"), folder / "twice")
        assert_labels_close(labels_of(folder / "twice"), labels_of(folder / "once"))
        back = next(iter(yolo.read(folder / "once"))).annotations[0]
        assert isinstance(back, RotatedBox)
        assert (back.cx, back.cy, back.width, back.height) == pytest.approx(
            (cx, cy, width, height), abs=1e-4
        )

    @settings(max_examples=60, deadline=None)
    @given(
        values=st.lists(st.floats(0, 1), min_size=4, max_size=4),
        size=st.tuples(st.integers(1, 5000), st.integers(1, 5000)),
    )
    def test_detect__line_survives_ir(self, values: list[float], size: tuple[int, int]) -> None:
        from ango_convert.converters._yolo_labels import Row, to_annotations

        row = Row(1, 0, tuple(values))
        box = to_annotations(row, "detect", 0, size, None)[0]
        assert isinstance(box, Box)
        width, height = size
        back = [
            (box.x + box.width / 2) / width,
            (box.y + box.height / 2) / height,
            box.width / width,
            box.height / height,
        ]
        printed = [float(format_value(v)) for v in back]
        assert printed == pytest.approx(values, abs=1e-6)
