"""YOLO writing: 0-based contiguous ids, empty label files, safe names, images, both
layouts, and round trips through Ango, COCO and VOC within 1e-6."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import ango_convert
from ango_convert.errors import ConversionError, UnsupportedAnnotationError
from ango_convert.formats import yolo
from ango_convert.formats.lossy import OnUnsupported, Unsupported
from ango_convert.formats.yolo.encode import Encoder
from ango_convert.formats.yolo.labels import format_value
from ango_convert.model import (
    Annotation,
    Box,
    Category,
    Classification,
    Dataset,
    Item,
    Keypoints,
    Polygon,
    Polyline,
    RotatedBox,
    Zone,
)
from ango_convert.report import WriteReport
from tests import imagebytes
from tests.conftest import GOLDEN
from tests.converters.formats_helpers import (
    TASKS,
    YOLO,
    assert_labels_close,
    boxes_by_name,
    labels_of,
    make,
)
from tests.converters.golden_tree import assert_tree_matches
from tests.ir_samples import HOSTILE_NAMES, tiny_dataset


class TestYoloWrite:
    @pytest.mark.parametrize("task", TASKS)
    def test_write__golden_and_round_trip(
        self, tmp_path: Path, update_golden: bool, task: str
    ) -> None:
        report = ango_convert.write(ango_convert.read(YOLO / task), tmp_path / "out", "yolo")
        assert report.items == len(list(yolo.read.read(YOLO / task)))
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
        report = yolo.write.write(
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
        assert report.skipped["polygon"] == 1
        assert report.skipped["crowd polygon"] == 1  # crowd stays out of training labels
        # Reading the folder back restores the source ids through label_map.json.
        back = yolo.read.read(tmp_path / "out")
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
        ango_convert.convert(
            tmp_path / "coco.json", tmp_path / "out", to="yolo", write_options={"images": "none"}
        )
        config = yaml.safe_load((tmp_path / "out" / "data.yaml").read_text())
        assert config["names"] == {0: "ant", 1: "zebra"}
        label = (tmp_path / "out" / "labels" / "train" / "dir" / "a.txt").read_text()
        assert label.splitlines() == ["1 0.125 0.4 0.15 0.4", "0 0.5 0.5 1 1"]

    def test_write__needs_sizes(self, tmp_path: Path) -> None:
        box = Box(category_id=1, x=0, y=0, width=1, height=1)
        items = tuple(Item(id=f"i{n}", file_name=f"{n}.png", annotations=(box,)) for n in range(7))
        items += (Item(id="empty", file_name="e.png"),)  # no objects: no size needed
        dataset = Dataset(categories=(Category(id=1, name="x"),), items=items)
        with pytest.raises(ConversionError, match=r"7 item\(s\) have none: 'i0', .* and 2 more"):
            yolo.write.write(dataset, tmp_path / "out")
        assert not (tmp_path / "out").exists()
        folder = make(tmp_path / "imgs", {f"{n}.png": imagebytes.png(n + 1, 3) for n in range(7)})
        folder = make(folder, {"e.png": imagebytes.png(5, 5)})
        report = yolo.write.write(dataset, tmp_path / "out", images_dir=folder, images="symlink")
        assert report.items == 8
        assert (tmp_path / "out" / "images" / "train" / "3.png").is_symlink()
        assert (
            tmp_path / "out" / "labels" / "train" / "3.txt"
        ).read_text() == "0 0.125 0.1666666667 0.25 0.3333333333\n"
        assert (tmp_path / "out" / "labels" / "train" / "e.txt").read_text() == ""

    def test_write__refuses_what_the_task_cannot_hold(self, tmp_path: Path) -> None:
        rotated = RotatedBox(category_id=1, cx=5, cy=5, width=4, height=2, angle=90)
        item = Item(id="a", file_name="a.png", width=10, height=10, annotations=(rotated,))
        dataset = Dataset(categories=(Category(id=1, name="x"),), items=(item,))
        with pytest.raises(UnsupportedAnnotationError, match="cannot hold 1 rotated-box"):
            yolo.write.write(dataset, tmp_path / "out", task="detect")
        report = yolo.write.write(
            dataset, tmp_path / "out", task="detect", on_unsupported="approximate", images="none"
        )
        assert report.approximated == {"rotated-box": 1}
        assert (tmp_path / "out/labels/train/a.txt").read_text() == "0 0.5 0.5 0.2 0.4\n"

    def test_write__auto_task_and_lossless_forms(self, tmp_path: Path) -> None:
        polygon = Polygon(category_id=1, zones=(Zone(outer=((0, 0), (4, 0), (4, 4))),))
        box = Box(category_id=1, x=1, y=2, width=3, height=4)
        item = Item(id="a", file_name="a.png", width=10, height=10, annotations=(polygon, box))
        dataset = Dataset(categories=(Category(id=1, name="x"),), items=(item,))
        report = yolo.write.write(dataset, tmp_path / "out", images="none")
        assert report.warnings[-1] == "1 box written in segment form"
        assert (tmp_path / "out/labels/train/a.txt").read_text().splitlines() == [
            "0 0 0 0.4 0 0.4 0.4",
            "0 0.1 0.2 0.4 0.2 0.4 0.6 0.1 0.6",
        ]

    def test_write__obb_corners_and_angle(self, tmp_path: Path) -> None:
        rotated = RotatedBox(category_id=1, cx=50, cy=50, width=40, height=20, angle=90)
        item = Item(id="a", file_name="a.png", width=100, height=100, annotations=(rotated,))
        yolo.write.write(
            Dataset(categories=(Category(id=1, name="p"),), items=(item,)),
            tmp_path / "o",
            images="none",
        )
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
            yolo.write.write(dataset, tmp_path / "out")
        report = yolo.write.write(
            dataset, tmp_path / "out", on_unsupported="approximate", images="none"
        )
        assert report.approximated == {"polygon": 1}
        assert (tmp_path / "out/labels/train/a.txt").read_text() == "0 0 0 1 0 1 1\n"

    def test_write__pose_pairs_by_group(self, tmp_path: Path) -> None:
        report = yolo.write.write(
            tiny_dataset(), tmp_path / "out", task="pose", on_unsupported="skip", images="none"
        )
        config = yaml.safe_load((tmp_path / "out" / "data.yaml").read_text())
        assert config["kpt_shape"] == [3, 3]
        rows = labels_of(tmp_path / "out")["street scene.v2.final"]
        pose_row = next(r for r in rows if r[0] == 1)
        assert pose_row[5:] == pytest.approx(
            [60 / 640, 70 / 480, 2, 0, 0, 0, 66 / 640, 71 / 480, 1]
        )
        # car has no keypoints: its objects are left out, never given zero keypoints
        assert all(row[0] == 1 for rows in labels_of(tmp_path / "out").values() for row in rows)
        assert report.skipped == {
            "classification": 1,
            "point": 1,
            "box": 1,
            "polygon": 1,
            "crowd polygon": 1,
            "polyline": 1,
            "rotated-box": 1,
        }
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
            yolo.write.write(Dataset(categories=(), items=(item,)), tmp_path / "out")

    def test_write__duplicate_and_nested_names(self, tmp_path: Path) -> None:
        names = ["a/x.jpg", "b/x.jpg", "x.jpg", "X.png", "../../up.jpg", "c/./x.jpg"]
        items = tuple(
            Item(id=str(n), file_name=name, width=2, height=2) for n, name in enumerate(names)
        )
        yolo.write.write(Dataset(categories=(), items=items), tmp_path / "out", images="none")
        labels = sorted(
            p.relative_to(tmp_path / "out/labels/train").as_posix()
            for p in (tmp_path / "out/labels/train").rglob("*.txt")
        )
        assert labels == ["X_1.txt", "a/x.txt", "b/x.txt", "c/x.txt", "up.txt", "x.txt"]
        assert not (tmp_path / "up.txt").exists() and not (tmp_path / "out" / "images").exists()

    def test_write__copy_needs_every_image(self, tmp_path: Path) -> None:
        item = Item(id="a", file_name="nowhere.png", width=2, height=2)
        with pytest.raises(ConversionError, match=r"1 image\(s\) not found: 'nowhere.png'"):
            yolo.write.write(Dataset(categories=(), items=(item,)), tmp_path / "out", images="copy")
        with pytest.raises(ConversionError, match=r"any of the 1 item\(s\)"):
            yolo.write.write(Dataset(categories=(), items=(item,)), tmp_path / "out")
        assert not (tmp_path / "out").exists()

    def test_write__image_extension_from_source(self, tmp_path: Path) -> None:
        # An Ango externalId without an extension: the image keeps its file's one.
        make(tmp_path / "imgs", {"photo 7.jpeg": imagebytes.jpeg(30, 20)})
        item = Item(id="a", file_name="photo 7", width=30, height=20)
        yolo.write.write(
            Dataset(categories=(), items=(item,)), tmp_path / "o", images_dir=tmp_path / "imgs"
        )
        assert (tmp_path / "o/images/train/photo 7.jpeg").is_file()
        assert (tmp_path / "o/labels/train/photo 7.txt").read_text() == ""

    def test_write__class_names_order(self, tmp_path: Path) -> None:
        yolo.write.write(
            tiny_dataset(),
            tmp_path / "o",
            class_names=["person"],
            on_unsupported="skip",
            images="none",
        )
        names = yaml.safe_load((tmp_path / "o" / "data.yaml").read_text())["names"]
        assert names == {0: "person", 1: "car"}
        with pytest.raises(ConversionError, match="lacks: \\['dog'\\]"):
            yolo.write.write(tiny_dataset(), tmp_path / "p", class_names=["dog"])

    def test_write__darknet_layout_reads_back(self, tmp_path: Path) -> None:
        report = yolo.write.write(
            yolo.read.read(YOLO / "detect"), tmp_path / "dk", layout="darknet"
        )
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
        back = yolo.read.read(tmp_path / "dk")
        assert boxes_by_name(back) == boxes_by_name(yolo.read.read(YOLO / "detect"))
        assert {i.split for i in back} == {"train", "val"}
        with pytest.raises(ConversionError, match="darknet layout holds boxes only"):
            yolo.write.write(
                yolo.read.read(YOLO / "seg"), tmp_path / "x", layout="darknet", task="segment"
            )

    def test_format_value(self) -> None:
        assert [format_value(v) for v in (0.1 + 0.2, 1.0, -0.0, 1 / 3)] == [
            "0.3",
            "1",
            "0",
            "0.3333333333",
        ]
        assert math.isclose(float(format_value(0.123456789123)), 0.123456789123, abs_tol=1e-10)


class TestYoloDetectLines:
    """Detect lines: one format for boxes and for what becomes a box, fixed numbers."""

    @staticmethod
    def lines(
        *annotations: Annotation, policy: OnUnsupported = "error", report: WriteReport | None = None
    ) -> list[str]:
        report = report or WriteReport(target="t")
        encoder = Encoder(
            task="detect",
            classes={1: 0, 2: 1},
            kpt_shape=None,
            policy=Unsupported("yolo", policy, report),
        )
        item = Item(id="i", file_name="i.png", width=10, height=10, annotations=annotations)
        return encoder.lines(item)

    @pytest.mark.parametrize(
        ("box", "line"),
        [
            (
                Box(category_id=2, x=0.1, y=0.2, width=0.3, height=1 / 3),
                "1 0.025 0.03666666667 0.03 0.03333333333",
            ),
            (Box(category_id=1, x=0, y=-2e-9, width=3, height=2e-9), "0 0.15 -1e-10 0.3 2e-10"),
            (Box(category_id=1, x=0, y=0, width=10, height=10), "0 0.5 0.5 1 1"),
        ],
        ids=["ten-digits", "tiny-negative", "whole-image"],
    )
    def test_box_line(self, box: Box, line: str) -> None:
        assert self.lines(box) == [line]

    def test_zero_area_boxes_left_out_and_reported(self) -> None:
        report = WriteReport(target="t")
        zero = (
            Box(category_id=1, x=1, y=2, width=-0.0, height=0.0),
            Box(category_id=1, x=0, y=-1e-9, width=3, height=0),
            Polyline(category_id=1, points=((1, 1), (5, 1))),
        )
        assert self.lines(*zero, policy="approximate", report=report) == []
        assert report.skipped == {"zero-area box": 2, "zero-area polyline": 1}

    def test_other_kinds_become_boxes_in_the_same_format(self) -> None:
        polygon = Polygon(category_id=2, zones=(Zone(outer=((1.0, 1.0), (5.0, 1.0), (5.0, 4.0))),))
        box = Box(category_id=1, x=1, y=2, width=3, height=4, group="p")
        paired = Keypoints(category_id=1, points=((2.0, 3.0, 2), (4.0, 4.0, 1)), group="p")
        alone = Keypoints(category_id=1, points=((2.0, 3.0, 2), (4.0, 4.0, 1)), group="q")
        lines = self.lines(polygon, box, paired, alone, policy="approximate")
        # The box's own keypoints are dropped (the box is written); the others are boxed.
        assert lines == ["1 0.3 0.25 0.4 0.3", "0 0.25 0.4 0.3 0.4", "0 0.3 0.35 0.2 0.1"]
        skipping = WriteReport(target="t")
        assert self.lines(polygon, box, paired, policy="skip", report=skipping) == [lines[1]]
        assert skipping.skipped == {"polygon": 1, "keypoints": 1}


def _class_names(folder: Path) -> list[str]:
    return [c.name for c in sorted(yolo.read.read(folder).categories, key=lambda c: c.id)]


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
        yolo.write.write(dataset, folder / "once", images_dir=folder / "imgs")
        yolo.write.write(yolo.read.read(folder / "once"), folder / "twice")
        assert_labels_close(labels_of(folder / "twice"), labels_of(folder / "once"))
        back = next(iter(yolo.read.read(folder / "once"))).annotations[0]
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
        from ango_convert.formats.yolo.labels import Row, decode_row

        row = Row(1, 0, tuple(values))
        (box,) = decode_row(row, "detect", 0, size, None)
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
