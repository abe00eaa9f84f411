"""Outputs that trainers accept as they are (issue 13): the YOLO task chosen or refused
out loud, hints in the caller's language, no zero-area box anywhere, and every bundled
sample scoring AP 1.0 against itself in pycocotools once converted to COCO."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from ango_convert import api
from ango_convert.cli.main import cli
from ango_convert.errors import ConversionError, UnknownFormatError, UnsupportedAnnotationError
from ango_convert.formats import yolo
from ango_convert.model import (
    ATTR_ISCROWD,
    Box,
    Category,
    Dataset,
    Item,
    Keypoints,
    Point,
    Polygon,
    Zone,
)
from tests import imagebytes
from tests.conftest import SAMPLES
from tests.training_checks import assert_trainable, degenerate_boxes

COCO_SAMPLE = SAMPLES / "coco" / "annotations.json"


def _run(runner: CliRunner, *args: str | Path) -> Any:
    return runner.invoke(cli, [str(arg) for arg in args])


# --- task choice -----------------------------------------------------------------------


def test_task__mixed_kinds_refused_naming_task_and_counts(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = _run(runner, "convert", COCO_SAMPLE, "--to", "yolo", "-o", tmp_path / "ds")
    assert result.exit_code == 5
    message = result.stderr
    # the crowd mask is left out by the writer, so it does not vote
    assert "none holds all 6 objects (2 box, 1 keypoints, 1 mask, 2 polygon)" in message
    assert "detect keeps 2, obb 2, segment 4, pose 1" in message
    assert "--task segment" in message and "--on-unsupported skip" in message
    assert "on_unsupported='" not in message and "task='" not in message
    assert not (tmp_path / "ds").exists()


def test_task__python_callers_read_keywords(tmp_path: Path) -> None:
    with pytest.raises(ConversionError) as caught:
        api.convert(COCO_SAMPLE, tmp_path / "ds", to="yolo")
    text = str(caught.value)
    assert "task='segment'" in text and "on_unsupported='skip'" in text
    assert "--task" not in text and "--on-unsupported" not in text


def test_task__chosen_and_named_on_one_line(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    result = _run(
        runner, "convert", COCO_SAMPLE, "--to", "yolo", "-o", out, "--on-unsupported", "skip",
        "-W", "images=none",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (line,) = [text for text in result.stderr.splitlines() if text.startswith("task ")]
    assert line.startswith("task segment: it holds the most objects exactly, 4 of 6")
    config = yaml.safe_load((out / "data.yaml").read_text())
    assert "kpt_shape" not in config
    assert assert_trainable(out) >= 5


def test_task__flag_pose_never_gives_keypoints_to_classes_without(
    runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "ds"
    result = _run(
        runner, "convert", COCO_SAMPLE, "--to", "yolo", "-o", out,
        "--task", "pose", "--on-unsupported", "skip", "-W", "images=none",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = [
        line.split()
        for path in sorted(out.rglob("labels/**/*.txt"))
        for line in path.read_text().splitlines()
    ]
    names = yaml.safe_load((out / "data.yaml").read_text())["names"]
    assert [names[int(row[0])] for row in rows] == ["person"]  # cars and dogs left out
    assert "skipped 2 box, 1 crowd mask, 1 mask, 2 polygon" in result.stderr
    assert_trainable(out)


def test_task__flag_refused_where_it_does_not_apply(runner: CliRunner, tmp_path: Path) -> None:
    result = _run(
        runner, "convert", COCO_SAMPLE, "--to", "coco", "-o", tmp_path / "c.json",
        "--task", "pose",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--task does not apply" in result.output


def _item(name: str, *annotations: Any) -> Item:
    return Item(id=name, file_name=f"{name}.png", width=100, height=100, annotations=annotations)


PERSON = Category(id=2, name="person", keypoint_names=("left_eye", "right_eye", "nose"))
CAR = Category(id=1, name="car")


def _pose(group: str | None = None) -> Keypoints:
    return Keypoints(category_id=2, points=((10, 10, 2), (20, 10, 2), (15, 20, 1)), group=group)


def _box(category: int = 1, group: str | None = None) -> Box:
    return Box(category_id=category, x=5, y=5, width=30, height=30, group=group)


class _Reread:
    """Items a reader streams: a fresh iterator on every pass, never a sequence."""

    def __init__(self, items: list[Item]) -> None:
        self.items = items
        self.passes = 0

    def __iter__(self) -> Iterator[Item]:
        self.passes += 1
        return iter(self.items)


@pytest.mark.parametrize("streamed", [False, True], ids=["in-memory", "streamed"])
def test_task__most_objects_wins_in_memory_and_streamed(tmp_path: Path, streamed: bool) -> None:
    # three cars first, then two people with poses: detect keeps 3, pose keeps 2 (and a
    # box of a person's class), so detect is chosen, even after the stream saw a pose
    items = [
        _item("a", _box(), _box(), _box()),
        _item("b", _box(2, "p"), _pose("p"), _pose()),
    ]
    dataset = Dataset(categories=(CAR, PERSON), items=_Reread(items) if streamed else items)
    report = yolo.write.write(dataset, tmp_path / "ds", on_unsupported="skip", images="none")
    assert report.steps == [
        "task detect: it holds the most objects exactly, 3 of 5 (3 box, 2 keypoints); "
        "the others would keep obb 3, segment 3, pose 2; the rest follows on_unsupported=skip"
    ]
    assert report.annotations == 4  # 3 cars + the person's box; the lone pose has no box
    assert report.skipped["keypoints"] == 2
    assert_trainable(tmp_path / "ds")


@pytest.mark.parametrize("streamed", [False, True], ids=["in-memory", "streamed"])
def test_task__pose_when_keypoint_classes_dominate(tmp_path: Path, streamed: bool) -> None:
    items = [_item("a", _box()), _item("b", _box(2, "p"), _pose("p"), _pose(), _box(2))]
    dataset = Dataset(categories=(CAR, PERSON), items=_Reread(items) if streamed else items)
    report = yolo.write.write(dataset, tmp_path / "ds", on_unsupported="skip", images="none")
    assert report.steps[0].startswith("task pose: it holds the most objects exactly, 3 of 4")
    config = yaml.safe_load((tmp_path / "ds" / "data.yaml").read_text())
    assert config["kpt_shape"] == [3, 3]
    labels = {p.stem: p.read_text().splitlines() for p in (tmp_path / "ds").rglob("*.txt")}
    assert labels["a"] == []  # the car: no invented keypoints
    assert {line.split()[0] for line in labels["b"]} == {"1"}
    assert report.skipped == {"box": 1}


def test_task__all_held_named_without_refusal(tmp_path: Path) -> None:
    polygon = Polygon(category_id=1, zones=(Zone(outer=((0, 0), (10, 0), (10, 10))),))
    dataset = Dataset(categories=(CAR,), items=(_item("a", _box(), polygon),))
    report = yolo.write.write(dataset, tmp_path / "ds", images="none")
    assert report.steps == ["task segment: it holds all 2 object(s) (1 box, 1 polygon)"]


# --- messages --------------------------------------------------------------------------


def test_messages__coco_writer_names_the_flag(runner: CliRunner, tmp_path: Path) -> None:
    source = SAMPLES / "ango" / "export_v3.ndjson"  # it has a point
    images = SAMPLES / "ango" / "images"
    result = _run(
        runner, "convert", source, "--to", "coco", "-o", tmp_path / "c.json", "--images", images
    )
    assert result.exit_code == 5
    assert "--on-unsupported skip" in result.stderr
    assert "on_unsupported=" not in result.stderr
    with pytest.raises(UnsupportedAnnotationError, match="on_unsupported='skip'"):
        api.convert(source, tmp_path / "c.json", to="coco", read_options={"images_dir": images})


def test_messages__yolo_writer_hint_names_flags(runner: CliRunner, tmp_path: Path) -> None:
    result = _run(
        runner, "convert", COCO_SAMPLE, "--to", "yolo", "-o", tmp_path / "ds", "--task", "detect"
    )
    assert result.exit_code == 5
    assert "--on-unsupported approximate" in result.stderr and "--task TASK" in result.stderr


# --- no degenerate geometry --------------------------------------------------------------


def test_degenerate__lone_points_and_flat_shapes_never_become_zero_boxes(tmp_path: Path) -> None:
    flat = Polygon(category_id=1, zones=(Zone(outer=((0, 5), (10, 5), (20, 5))),))
    items = (
        _item("a", Point(category_id=1, x=3, y=4), flat, _box()),
        _item("b", Box(category_id=1, x=1, y=1, width=0, height=5)),
    )
    dataset = Dataset(categories=(CAR,), items=items)
    for target, kwargs in [
        ("out.json", {}),
        ("voc", {"images": "none"}),
        ("yolo", {"task": "detect", "images": "none"}),
    ]:
        name = {"out.json": "coco", "voc": "voc", "yolo": "yolo"}[target]
        report = api.write(dataset, tmp_path / target, name, on_unsupported="approximate", **kwargs)
        assert report.annotations == 1, name
        assert report.skipped["zero-area box"] == 1, name
        assert_trainable(tmp_path / target)


def test_degenerate__checker_finds_them(tmp_path: Path) -> None:
    coco = tmp_path / "c.json"
    coco.write_text(json.dumps({"annotations": [{"id": 1, "bbox": [1, 1, 0, 3]}]}))
    labels = tmp_path / "y" / "labels" / "train"
    labels.mkdir(parents=True)
    (labels / "a.txt").write_text("0 0.5 0.5 0.1 0\n0 0.1 0.1 0.2 0.1 0.3 0.1\n")
    voc = tmp_path / "v" / "a.xml"
    voc.parent.mkdir()
    voc.write_text(
        "<annotation><object><bndbox><xmin>3</xmin><ymin>1</ymin><xmax>3</xmax>"
        "<ymax>5</ymax></bndbox></object></annotation>"
    )
    assert len(degenerate_boxes(tmp_path)) == 4


# --- pycocotools: every sample scores AP 1.0 against itself --------------------------------

SAMPLE_SOURCES = {
    "coco": (COCO_SAMPLE, ()),
    "voc": (SAMPLES / "voc", ()),
    "yolo-detect": (SAMPLES / "yolo" / "detect" / "data.yaml", ()),
    "yolo-seg": (SAMPLES / "yolo" / "seg" / "data.yaml", ()),
    "yolo-obb": (SAMPLES / "yolo" / "obb" / "data.yaml", ()),
    "yolo-pose": (SAMPLES / "yolo" / "pose" / "data.yaml", ()),
    "ango-v3": (SAMPLES / "ango" / "export_v3.ndjson", ("--images", SAMPLES / "ango" / "images")),
    "ango-v2": (SAMPLES / "ango" / "export_v2.json", ("--images", SAMPLES / "ango" / "images")),
}


def _self_ap(path: Path, iou_type: str) -> float:
    """AP of the file's own annotations as detections, over those the type scores."""
    document = json.loads(path.read_text())
    if iou_type == "segm":
        document["annotations"] = [e for e in document["annotations"] if e["segmentation"]]
    if iou_type == "keypoints":
        document["annotations"] = [e for e in document["annotations"] if e.get("keypoints")]
    gt = COCO()
    gt.dataset = document
    gt.createIndex()
    entries = document["annotations"]
    detections = gt.loadRes([dict(entry, score=1.0) for entry in entries])
    evaluation = COCOeval(gt, detections, iou_type)
    if iou_type == "keypoints":
        count = len(entries[0]["keypoints"]) // 3
        evaluation.params.kpt_oks_sigmas = np.full(count, 0.05)
    evaluation.evaluate()
    evaluation.accumulate()
    evaluation.summarize()
    return float(evaluation.stats[0])


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("name", list(SAMPLE_SOURCES))
def test_pycocotools__each_sample_scores_ap_1(
    runner: CliRunner, tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source, extra = SAMPLE_SOURCES[name]
    out = tmp_path / "coco.json"
    result = _run(
        runner, "convert", source, "--to", "coco", "-o", out,
        "--on-unsupported", "approximate", *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert_trainable(out)
    entries = COCO(str(out)).dataset["annotations"]  # loads in pycocotools
    assert entries
    assert _self_ap(out, "bbox") == pytest.approx(1.0)
    if any(entry["segmentation"] for entry in entries):
        assert _self_ap(out, "segm") == pytest.approx(1.0)
    if any(entry.get("keypoints") for entry in entries):
        assert _self_ap(out, "keypoints") == pytest.approx(1.0)


# --- crowd and difficult ----------------------------------------------------------------


def test_crowd_and_difficult__out_of_yolo_by_default_and_counted(tmp_path: Path) -> None:
    crowd = Box(category_id=1, x=1, y=1, width=9, height=9, attributes={ATTR_ISCROWD: 1})
    difficult = Box(category_id=1, x=2, y=2, width=9, height=9, attributes={"difficult": 1})
    plain = Box(category_id=1, x=3, y=3, width=9, height=9, attributes={"difficult": 0})
    dataset = Dataset(categories=(CAR,), items=(_item("a", crowd, difficult, plain),))
    report = yolo.write.write(dataset, tmp_path / "ds", images="none")
    assert report.skipped == {"crowd box": 1, "difficult box": 1}
    assert report.annotations == 1
    (label,) = (tmp_path / "ds").rglob("*.txt")
    assert label.read_text().splitlines() == ["0 0.075 0.075 0.09 0.09"]
    kept = yolo.write.write(dataset, tmp_path / "kept", keep_crowd=True, images="none")
    assert kept.annotations == 3 and not kept.skipped


def test_crowd_and_difficult__kept_from_the_cli(runner: CliRunner, tmp_path: Path) -> None:
    default = _run(runner, "convert", SAMPLES / "voc", "--to", "yolo", "-o", tmp_path / "a")
    assert default.exit_code == 0, default.output
    assert "3 annotation(s)" in default.stderr and "skipped 1 difficult box" in default.stderr
    kept = _run(
        runner, "convert", SAMPLES / "voc", "--to", "yolo", "-o", tmp_path / "b",
        "-W", "keep_crowd=true",
    )  # fmt: skip
    assert kept.exit_code == 0, kept.output
    assert "4 annotation(s)" in kept.stderr and "skipped" not in kept.stderr


# --- pose metadata --------------------------------------------------------------------------


def test_pose__flip_idx_from_left_right_names(tmp_path: Path) -> None:
    person = Category(
        id=2, name="person", keypoint_names=("nose", "Left Eye", "right_eye", "L_knee", "r_knee")
    )
    pose = Keypoints(category_id=2, points=tuple((10.0 + i, 10.0 + i, 2) for i in range(5)))
    dataset = Dataset(categories=(person,), items=(_item("a", pose),))
    yolo.write.write(dataset, tmp_path / "ds", images="none")
    config = yaml.safe_load((tmp_path / "ds" / "data.yaml").read_text())
    assert config["flip_idx"] == [0, 2, 1, 4, 3]


def test_pose__no_flip_idx_without_pairs(tmp_path: Path) -> None:
    person = Category(id=2, name="person", keypoint_names=("a", "b", "c"))
    dataset = Dataset(categories=(person,), items=(_item("a", _pose()),))
    yolo.write.write(dataset, tmp_path / "ds", images="none")
    assert "flip_idx" not in yaml.safe_load((tmp_path / "ds" / "data.yaml").read_text())


def test_pose__mismatched_skeletons_convert_with_a_warning(
    runner: CliRunner, tmp_path: Path
) -> None:
    # as pose toolkits ship them: a 17-point skeleton on 14 keypoints, and a skeleton on a
    # category without keypoints
    names = [f"kp{i}" for i in range(14)]
    skeleton = [[i, i + 1] for i in range(1, 17)]
    document = {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100}],
        "categories": [
            {"id": 1, "name": "person", "keypoints": names, "skeleton": skeleton},
            {"id": 2, "name": "ball", "skeleton": [[1, 2]]},
        ],
        "annotations": [
            {
                "id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 50, 50],
                "keypoints": [value for v in range(14) for value in (20 + v, 20 + v, 2)],
                "num_keypoints": 14, "iscrowd": 0, "area": 2500,
            },
            {"id": 2, "image_id": 1, "category_id": 2, "bbox": [1, 1, 5, 5], "iscrowd": 0},
        ],
    }  # fmt: skip
    source = tmp_path / "pose.json"
    source.write_text(json.dumps(document))
    ontology = _run(runner, "ontology", source, "-o", tmp_path / "ontology.json")
    assert ontology.exit_code == 0, ontology.output
    result = _run(runner, "convert", source, "--to", "coco", "-o", tmp_path / "out.json")
    assert result.exit_code == 0, result.output
    assert (
        "category 'person' (id 1): 3 of 16 skeleton edge(s) name keypoints outside 1..14 "
        "were dropped: [[14, 15], [15, 16], [16, 17]]" in result.stderr
    )
    assert "category 'ball' (id 2) has no keypoints: its 1 skeleton edge(s)" in result.stderr
    written = json.loads((tmp_path / "out.json").read_text())
    assert written["categories"][0]["skeleton"] == skeleton[:13]
    assert_trainable(tmp_path / "out.json")


# --- crowd through Ango ----------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_crowd__rle_through_ango_with_the_generated_ontology(
    runner: CliRunner, tmp_path: Path
) -> None:
    # a hole-free crowd region: Ango holds it as polygons, COCO must get RLE back
    height, width = 12, 16
    pixels = np.zeros((height, width), dtype=np.uint8, order="F")
    pixels[2:7, 3:11] = 1
    pixels[7:10, 5:8] = 1
    rle = mask_utils.encode(pixels)
    document = {
        "images": [{"id": 1, "file_name": "crowd.png", "width": width, "height": height}],
        "categories": [{"id": 1, "name": "people"}],
        "annotations": [
            {
                "id": 1, "image_id": 1, "category_id": 1, "iscrowd": 1,
                "segmentation": {"size": [height, width], "counts": rle["counts"].decode()},
                "bbox": [3, 2, 8, 8], "area": int(pixels.sum()),
            },
            {
                "id": 2, "image_id": 1, "category_id": 1, "iscrowd": 0,
                "segmentation": [[0, 0, 2, 0, 2, 2]], "bbox": [0, 0, 2, 2], "area": 2,
            },
        ],
    }  # fmt: skip
    source = tmp_path / "coco.json"
    source.write_text(json.dumps(document))
    ontology = tmp_path / "ontology.json"
    assert _run(runner, "ontology", source, "-o", ontology).exit_code == 0
    questions = {
        child["title"] for tool in json.loads(ontology.read_text())["tools"]
        for child in tool["classifications"]
    }  # fmt: skip
    assert "iscrowd" in questions
    payload = tmp_path / "payload.json"
    result = _run(
        runner, "convert", source, "--to", "ango", "--project", "p1",
        "--ontology", ontology, "-o", payload,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "not sent" not in result.stderr
    back = tmp_path / "back.json"
    result = _run(
        runner, "convert", payload, "--to", "coco", "--ontology", ontology,
        "-R", f"reference={source}", "-o", back,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    entries = {entry["iscrowd"]: entry for entry in json.loads(back.read_text())["annotations"]}
    crowd = entries[1]
    assert isinstance(crowd["segmentation"], dict)  # RLE, as COCO keeps crowd regions
    segmentation = dict(crowd["segmentation"])
    segmentation["counts"] = segmentation["counts"].encode()
    assert (mask_utils.decode(segmentation) == pixels).all()
    assert entries[0]["segmentation"] == [[0, 0, 2, 0, 2, 2]]
    assert_trainable(back)


# --- layouts from other tools -----------------------------------------------------------------


def _voc_xml(name: str, box: tuple[int, int, int, int] = (2, 3, 20, 30)) -> str:
    xmin, ymin, xmax, ymax = box
    return (
        f"<annotation><filename>{name}</filename><size><width>64</width><height>48</height>"
        "<depth>3</depth></size><object><name>cat</name><bndbox>"
        f"<xmin>{xmin}</xmin><ymin>{ymin}</ymin><xmax>{xmax}</xmax><ymax>{ymax}</ymax>"
        "</bndbox></object></annotation>"
    )


def _put(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)


def _roboflow_voc(root: Path) -> None:
    """Roboflow's Pascal VOC export: each split folder holds its images and XML."""
    for split in ("train", "valid", "test"):
        for n in range(2):
            _put(root / split / f"{split}{n}.jpg", imagebytes.jpeg(64, 48))
            _put(root / split / f"{split}{n}.xml", _voc_xml(f"{split}{n}.jpg"))


def _kaggle_voc(root: Path) -> None:
    """Kaggle-style: annotations/ and images/ side by side."""
    for n in range(3):
        _put(root / "images" / f"img{n}.png", imagebytes.png(64, 48))
        _put(root / "annotations" / f"img{n}.xml", _voc_xml(f"img{n}.png"))


def _nested_voc(root: Path) -> None:
    """Splits nested two levels down, each a VOCdevkit of its own."""
    for split in ("train", "val"):
        folder = root / "data" / split
        _put(folder / "JPEGImages" / "a.jpg", imagebytes.jpeg(64, 48))
        _put(folder / "Annotations" / "a.xml", _voc_xml("a.jpg"))


@pytest.mark.parametrize(
    ("build", "count", "splits"),
    [
        (_roboflow_voc, 6, {"train", "val", "test"}),
        (_kaggle_voc, 3, {"train"}),
        (_nested_voc, 2, {"train"}),
    ],
    ids=["roboflow", "kaggle", "nested"],
)
def test_layouts__voc_detected_and_converted(
    runner: CliRunner, tmp_path: Path, build: Any, count: int, splits: set[str]
) -> None:
    source = tmp_path / "src"
    build(source)
    assert api.detect(source) == "voc"
    out = tmp_path / "ds"
    result = _run(runner, "convert", source, "--to", "yolo", "-o", out, "--images", source)
    assert result.exit_code == 0, result.output
    assert f"wrote {count} item(s), {count} annotation(s)" in result.stderr
    assert set(yaml.safe_load((out / "data.yaml").read_text())) >= splits
    assert len(list(out.rglob("images/*/*.*"))) == count  # every image found and copied
    assert_trainable(out)


def test_layouts__roboflow_yolo_valid_spelled_val_and_a_missing_split(
    runner: CliRunner, tmp_path: Path
) -> None:
    # data.yaml as Roboflow writes it: ../<split>/images, "valid"; here the download has
    # "val/" and no test/ folder at all
    source = tmp_path / "src"
    _put(
        source / "data.yaml",
        "train: ../train/images\nval: ../valid/images\ntest: ../test/images\n"
        "nc: 1\nnames: ['cat']\n",
    )
    for split in ("train", "val"):
        _put(source / split / "images" / "a.jpg", imagebytes.jpeg(64, 48))
        _put(source / split / "labels" / "a.txt", "0 0.5 0.5 0.25 0.25\n")
    assert api.detect(source / "data.yaml") == "yolo"
    out = tmp_path / "coco.json"
    result = _run(runner, "convert", source / "data.yaml", "--to", "coco", "-o", out)
    assert result.exit_code == 0, result.output
    assert "test" in result.stderr and "do not exist" in result.stderr
    images = json.loads(out.read_text())["images"]
    assert len(images) == 2
    assert_trainable(out)


# --- the README's commands run as written ----------------------------------------------------


def _readme_sample_commands() -> list[str]:
    """Every ``ango-convert convert samples/...`` line of the README's code blocks."""
    readme = (SAMPLES.parent / "README.md").read_text(encoding="utf-8")
    return [
        line.strip()
        for line in readme.splitlines()
        if line.strip().startswith("ango-convert convert samples/")
    ]


def test_readme__has_sample_commands_for_exports_and_yolo() -> None:
    commands = _readme_sample_commands()
    assert any("samples/ango/export_v3" in c and "--to coco" in c for c in commands)
    assert any("samples/ango/" in c and "--to yolo" in c for c in commands)
    assert any("--to yolo" in c and "--task" in c for c in commands)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("command", _readme_sample_commands())
def test_readme__sample_commands_run_as_written(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    args = shlex.split(command, comments=True)[1:]
    # run from a scratch folder (outputs land there), with samples/ where the README has it
    (tmp_path / "samples").symlink_to(SAMPLES, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, f"{command}\n{result.output}"
    if args[args.index("--to") + 1] in ("coco", "yolo", "voc"):
        assert_trainable(Path(args[args.index("-o") + 1]))


def test_messages__unknown_format_names_from(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = _run(runner, "convert", tmp_path / "empty", "--to", "coco", "-o", tmp_path / "c.json")
    assert result.exit_code == 2
    assert "cannot tell the format; name it with --from FORMAT (coco," in result.stderr
    with pytest.raises(UnknownFormatError, match="from_format='FORMAT'"):
        api.convert(tmp_path / "empty", tmp_path / "c.json", to="coco")
