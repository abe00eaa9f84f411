"""YOLO reading: the three layouts, the four tasks, located errors, hostile configs and
the command line."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import ango_convert
from ango_convert.errors import ReadError
from ango_convert.formats import yolo
from ango_convert.formats.lossy import Unsupported
from ango_convert.formats.yolo.encode import Encoder
from ango_convert.formats.yolo.labels import Row, Task, decode_row, parse_label_file
from ango_convert.model import (
    Box,
    Item,
    Keypoints,
    Polygon,
    RotatedBox,
)
from ango_convert.report import Diagnostics, WriteReport
from tests import imagebytes
from tests.conftest import SAMPLES
from tests.converters.formats_helpers import (
    TASKS,
    YOLO,
    assert_labels_close,
    items_by_name,
    labels_of,
    make,
)


class TestYoloRead:
    def test_read__detect_sample(self) -> None:
        dataset = yolo.read.read(YOLO / "detect")
        assert [(c.id, c.name) for c in dataset.categories] == [
            (0, "person"),
            (1, "traffic light"),
            (2, "car"),
        ]
        items = items_by_name(dataset)
        assert sorted(items) == ["empty.png", "street 1.png", "unlabelled.png", "v.1.final.png"]
        assert items["empty.png"].annotations == ()  # an empty label file
        assert items["unlabelled.png"].annotations == ()  # no label file at all
        assert items["unlabelled.png"].split == "val"
        person = items["street 1.png"].annotations[0]
        assert isinstance(person, Box)
        assert (person.x, person.y, person.width, person.height) == (24, 12, 16, 24)
        assert (items["street 1.png"].width, items["street 1.png"].height) == (64, 48)

    def test_read__segment_list_and_txt_splits(self) -> None:
        dataset = yolo.read.read(YOLO / "seg" / "data.yaml")
        items = items_by_name(dataset)
        assert sorted(items) == ["a.png", "b.png", "sub/c.png"]
        assert items["sub/c.png"].split == "train"
        polygon = items["a.png"].annotations[0]
        assert isinstance(polygon, Polygon)
        assert polygon.zones[0].outer == ((10, 5), (50, 5), (50, 45), (10, 45), (5, 25))
        # A 4-point polygon in a segment dataset stays a polygon, not an oriented box.
        assert isinstance(items["b.png"].annotations[0], Polygon)

    def test_read__obb_hand_computed(self) -> None:
        items = items_by_name(yolo.read.read(YOLO / "obb"))
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
        dataset = yolo.read.read(YOLO / "pose")
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
        _box, pose = next(iter(yolo.read.read(tmp_path))).annotations
        assert isinstance(pose, Keypoints)
        assert pose.points == ((4, 10, 2), (0, 0, 0))  # 0 0 means not labelled
        yolo.write.write(yolo.read.read(tmp_path), tmp_path / "out")
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
        assert yolo.read.detect(tmp_path)
        dataset = ango_convert.read(tmp_path)
        assert [c.name for c in dataset.categories] == ["cat", "dog"]
        items = items_by_name(dataset)
        assert items["a.png"].split == "train"
        assert items["b b.png"].split == "val"
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
        assert yolo.read.detect(tmp_path)
        items = items_by_name(ango_convert.read(tmp_path))
        assert items["s.png"].split == "train"
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
        items = items_by_name(yolo.read.read(tmp_path))
        assert items["a.png"].annotations and items["b.png"].split == "val"

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
            yolo.read.read(tmp_path / "ds")

    def test_read__yaml_alias_bomb_refused(self, tmp_path: Path) -> None:
        levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
        config = "\n".join(levels) + "\ntrain: images\nnames: [*a8]\n"
        make(tmp_path, {"data.yaml": config, "images/a.png": imagebytes.png(4, 4)})
        with pytest.raises(ReadError, match=r"line 2: invalid YAML: aliases \(\*name\)"):
            yolo.read.read(tmp_path)

    def test_read__kpt_names_from_yaml(self, tmp_path: Path) -> None:
        make(
            tmp_path,
            {
                "data.yaml": "train: images\nkpt_shape: [2, 3]\nflip_idx: [1, 0]\n"
                "kpt_names: {0: [left, right]}\nnames: [hand]\n",
                "images/h.png": imagebytes.png(10, 20),
            },
        )
        dataset = yolo.read.read(tmp_path)
        assert dataset.categories[0].keypoint_names == ("left", "right")
        assert dataset.info["yolo:flip_idx"] == [1, 0]

    @pytest.mark.parametrize(
        ("line", "message"),
        [
            ("0 0.5 0.5 0.5", r"line 2: expected 5 values: class cx cy w h, got 4 values"),
            ("7 0.5 0.5 0.5 0.5", "line 2: class id 7 is not in the dataset's class names"),
            ("0 0.5 abc 0.5 0.5", "line 2: 'abc' is not a number"),
            ("0 0.5 nan 0.5 0.5", "line 2: 'nan' is not a finite number"),
            ("0.5 0.5 0.5 0.5 0.5", "line 2: class id must be a whole number"),
            ("0 0.5 0.5 -0.5 0.5", "line 2: box width and height must be >= 0"),
            ("0 3.5 0.5 0.5 0.5", r"line 2: box \(13, 1, 2 x 2\) lies outside the image \(4 x 4\)"),
        ],
        ids=["short", "class-range", "not-number", "nan", "float-class", "negative", "outside"],
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
            yolo.read.read(tmp_path, task="detect")
        assert "x y.txt" in str(info.value)

    def test_read__explicit_task_checks_every_line(self) -> None:
        with pytest.raises(ReadError, match=r"a.txt: line 1: expected 9 values"):
            yolo.read.read(YOLO / "seg", task="obb")
        with pytest.raises(ReadError, match=r"needs kpt_shape"):
            yolo.read.read(YOLO / "detect", task="pose")

    def test_read__unprobeable_image_is_named(self, tmp_path: Path) -> None:
        make(
            tmp_path,
            {"data.yaml": "train: images\nnames: [a]\n", "images/broken.png": b"\x89PNG\r\n"},
        )
        with pytest.raises(ReadError, match=r"broken.png: cannot read the image size"):
            yolo.read.read(tmp_path)

    def test_detect(self, tmp_path: Path) -> None:
        for task in TASKS:
            assert yolo.read.detect(YOLO / task), task
            assert ango_convert.api.detect(YOLO / task) == "yolo"
        assert yolo.read.detect(YOLO / "detect" / "data.yaml")
        assert not yolo.read.detect(SAMPLES / "voc")
        (tmp_path / "notes.txt").write_text("hello")
        assert not yolo.read.detect(tmp_path)


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

    def test_cli__obb_to_ango_and_back(self, runner, tmp_path: Path) -> None:
        from ango_convert.cli.main import cli

        payload = str(tmp_path / "p.json")
        result = runner.invoke(
            cli, ["convert", str(YOLO / "obb"), "--to", "ango-flat", "-o", payload, "--title-only"]
        )
        assert result.exit_code == 0, result.output
        result = runner.invoke(
            cli,
            [
                "convert",
                payload,
                "--from",
                "ango-flat",
                "--to",
                "yolo",
                "-o",
                str(tmp_path / "y"),
                "--images",
                str(YOLO / "obb"),
                "-W",
                "class_names=plane,ship",
            ],
        )
        assert result.exit_code == 0, result.output
        assert_labels_close(labels_of(tmp_path / "y"), labels_of(YOLO / "obb"))
        assert (tmp_path / "y" / "images" / "train" / "p1.png").is_file()

    def test_cli__missing_sizes_exit_code(self, runner, tmp_path: Path) -> None:
        from ango_convert.cli.main import cli

        payload = str(tmp_path / "p.json")
        runner.invoke(
            cli,
            ["convert", str(YOLO / "detect"), "--to", "ango-flat", "-o", payload, "--title-only"],
        )
        result = runner.invoke(
            cli,
            ["convert", payload, "--from", "ango-flat", "--to", "yolo", "-o", str(tmp_path / "y")],
        )
        assert result.exit_code == 5
        assert "YOLO needs each image's size" in result.output
        assert not (tmp_path / "y").exists()


class TestYoloRowDecoder:
    """:func:`decode_row`, the one decoder of every task's rows, on fixed rows."""

    def test_detect_row_is_the_exact_box(self) -> None:
        row = Row(3, 0, (0.5, 0.5, 0.25, 0.5))
        assert decode_row(row, "detect", 7, (64, 48), None) == (
            Box(category_id=7, x=24, y=12, width=16, height=24),
        )

    @pytest.mark.parametrize(
        ("values", "box"),
        [
            ((0.5, 0.5, 1.0, 1.0), (0, 0, 64, 48)),  # the whole image
            ((0.0, 0.0, 0.0, 0.0), (0, 0, 0, 0)),  # a point on the top-left corner
            ((1.0, 1.0, 0.0, 0.0), (64, 48, 0, 0)),  # a point on the bottom-right corner
            ((0.0, 0.0, 1.0, 1.0), (-32, -24, 64, 48)),  # overhangs are kept
            ((1.0, 0.5, 2.0, 1.0), (0, 0, 128, 48)),
        ],
        ids=["whole", "zero", "one", "overhang-top-left", "overhang-right"],
    )
    def test_detect_rows_at_the_edges_are_kept(
        self, values: tuple[float, ...], box: tuple[float, ...]
    ) -> None:
        (decoded,) = decode_row(Row(1, 0, values), "detect", 0, (64, 48), None)
        assert decoded == Box(category_id=0, x=box[0], y=box[1], width=box[2], height=box[3])

    @pytest.mark.parametrize(
        ("values", "reason"),
        [
            ((1.6, 0.5, 0.2, 0.2), r"box \(96, 19.2, 12.8 x 9.6\) lies outside the image \(64 x"),
            ((0.5, -0.1, 0.1, 0.1), "lies outside the image"),
            ((0.5, 0.5, -0.1, 0.1), "box width and height must be >= 0, got -0.1 x 0.1"),
            ((1e308, 0.5, 1e308, 0.5), "lies outside the image"),  # inf in pixels
            ((-1e308, 0.5, 1e308, 0.5), r"box \(-inf, .*\) is not finite"),
        ],
        ids=["right", "above", "negative", "overflow", "overflow-nan"],
    )
    def test_detect_row_refused_with_its_reason(
        self, values: tuple[float, ...], reason: str
    ) -> None:
        with pytest.raises(ValueError, match=reason):
            decode_row(Row(1, 0, values), "detect", 0, (64, 48), None)

    @pytest.mark.parametrize(
        ("task", "values", "kinds"),
        [
            ("segment", (0.5, 0.5, 0.5, 0.5), ["box"]),
            ("segment", (0.1, 0.1, 0.9, 0.1, 0.5, 0.9), ["polygon"]),
            ("obb", (0.1, 0.1, 0.9, 0.1, 0.9, 0.9, 0.1, 0.9), ["rotated-box"]),
            ("pose", (0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 2), ["box", "keypoints"]),
        ],
    )
    def test_every_task_through_the_one_decoder(
        self, task: Task, values: tuple[float, ...], kinds: list[str]
    ) -> None:
        decoded = decode_row(Row(4, 0, values), task, 2, (100, 50), (1, 3))
        assert [a.kind for a in decoded] == kinds
        assert {a.category_id for a in decoded} == {2}
        if task == "pose":
            assert {getattr(a, "group", None) for a in decoded} == {"yolo-line-4"}

    @pytest.mark.parametrize(
        ("task", "values", "reason"),
        [
            ("detect", (0.5,) * 5, "expected 5 values: class cx cy w h, got 6 values"),
            ("segment", (0.5,) * 5, "got 6 values"),
            ("obb", (0.5,) * 4, "expected 9 values: class and 4 corners, got 5 values"),
            ("pose", (0.5,) * 4, r"expected 5 \+ 1x3 = 8 values"),
            ("pose", (0.5, 0.5, 0.5, 0.5, 0.2, 0.2, 3), "visibility must be 0, 1 or 2, got 3"),
        ],
    )
    def test_rows_refused_by_task(self, task: Task, values: tuple[float, ...], reason: str) -> None:
        with pytest.raises(ValueError, match=reason):
            decode_row(Row(1, 0, values), task, 0, (100, 50), (1, 3))

    def test_skip_notes_each_refused_line_and_keeps_the_rest(self, tmp_path: Path) -> None:
        make(
            tmp_path,
            {
                "data.yaml": "train: images\nnames: [a]\n",
                "images/i.png": imagebytes.png(10, 10),
                "labels/i.txt": "0 0.5 0.5 0.2 0.2\n0 nan 0.5 0.2 0.2\n0 2.5 0.5 0.2 0.2\n"
                "0 0.25 0.25 0.5 0.5\n",
            },
        )
        diagnostics = Diagnostics()
        dataset = yolo.read.read(tmp_path, on_error="skip", diagnostics=diagnostics)
        annotations = next(iter(dataset)).annotations
        boxes = [(a.x, a.y, a.width, a.height) for a in annotations if isinstance(a, Box)]
        assert len(boxes) == len(annotations)
        assert boxes == [(4, 4, 2, 2), (0, 0, 5, 5)]
        label = str(tmp_path / "labels" / "i.txt")
        assert [(n["file"], n["place"]) for n in diagnostics.skipped_input] == [
            (label, "line 2"),
            (label, "line 3"),
        ]
        assert "not a finite number" in str(diagnostics.skipped_input[0]["reason"])
        assert "outside the image" in str(diagnostics.skipped_input[1]["reason"])


# A box starting exactly on the right or bottom edge may read back a rounding error past
# it, and is then refused as outside the image: corners stay below 0.999.
CORNER = st.floats(0, 0.999)
SIZE = st.floats(0, 1, exclude_min=True)  # zero-area boxes are left out (tested apart)


@settings(max_examples=200, deadline=None)
@given(
    box=st.tuples(CORNER, CORNER, SIZE, SIZE),
    size=st.tuples(st.integers(1, 8000), st.integers(1, 8000)),
)
def test_written_detect_line_reads_back_to_the_same_box(
    tmp_path_factory: pytest.TempPathFactory,
    box: tuple[float, float, float, float],
    size: tuple[int, int],
) -> None:
    width, height = size
    x, y = box[0] * width, box[1] * height
    written = Box(category_id=5, x=x, y=y, width=box[2] * width, height=box[3] * height)
    item = Item(id="i", file_name="i.png", width=width, height=height, annotations=(written,))
    policy = Unsupported("yolo", "error", WriteReport(target="t"))
    (line,) = Encoder(task="detect", classes={5: 0}, kpt_shape=None, policy=policy).lines(item)
    label = tmp_path_factory.mktemp("line") / "i.txt"
    label.write_text(line + "\n", encoding="utf-8")
    (row,) = parse_label_file(label, {0})
    (back,) = decode_row(row, "detect", 5, size, None)
    assert isinstance(back, Box) and back.category_id == 5
    assert back.x / width == pytest.approx(x / width, abs=1e-9)
    assert back.y / height == pytest.approx(y / height, abs=1e-9)
    assert back.width / width == pytest.approx(written.width / width, abs=1e-9)
    assert back.height / height == pytest.approx(written.height / height, abs=1e-9)


FINITE = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(-2, 2),
    st.sampled_from([0.0, 1.0, 1e308, -1e308, 0.5]),
)


@given(st.tuples(FINITE, FINITE, FINITE, FINITE), st.integers(1, 4000), st.integers(1, 4000))
def test_detect_row_is_a_sound_box_or_a_one_line_reason(
    values: tuple[float, float, float, float], width: int, height: int
) -> None:
    reason = None
    try:
        decoded = decode_row(Row(1, 0, values), "detect", 7, (width, height), None)
    except ValueError as exc:
        reason, decoded = str(exc), ()
    if reason is not None:
        assert reason and "\n" not in reason
        return
    (box,) = decoded
    assert isinstance(box, Box) and box.category_id == 7 and box.group is None
    assert all(map(math.isfinite, (box.x, box.y, box.width, box.height)))
    assert box.width >= 0 and box.height >= 0
    assert box.x <= width and box.y <= height and box.x + box.width >= 0
    assert box.y + box.height >= 0
    assert box == Box(category_id=7, x=box.x, y=box.y, width=box.width, height=box.height)
