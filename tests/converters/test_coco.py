"""COCO: reading every case real files contain, exact round trips, errors, writing, CLI."""

from __future__ import annotations

import copy
import dataclasses
import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pycocotools import mask as coco_mask

from ango_convert import masks
from ango_convert.cli.main import cli
from ango_convert.errors import ConversionError, ReadError, UnsupportedAnnotationError
from ango_convert.formats import coco
from ango_convert.formats.coco.document import parse_document
from ango_convert.formats.coco.keys import Located
from ango_convert.io.inputs import json_path
from ango_convert.model import (
    ATTR_COCO_AREA,
    ATTR_COCO_BBOX,
    ATTR_COCO_ID,
    ATTR_COCO_IMAGE_ID,
    ATTR_ISCROWD,
    Box,
    Category,
    Dataset,
    Item,
    Keypoints,
    Mask,
    Point,
    Polygon,
    Polyline,
    RotatedBox,
    Zone,
)
from ango_convert.report import Diagnostics
from tests.conftest import GOLDEN, SAMPLES

SAMPLE = SAMPLES / "coco" / "annotations.json"
GOLDEN_ROUNDTRIP = GOLDEN / "coco" / "annotations.roundtrip.json"
# pycocotools' decoder trips a numpy 2 deprecation warning inside its C extension.
PYCOCO_DECODE = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def load(path: Path) -> Any:
    return orjson.loads(path.read_bytes())


def minimal() -> dict[str, Any]:
    """A small valid document that tests then break or extend."""
    return {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 8}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "iscrowd": 0}
        ],
        "categories": [{"id": 1, "name": "thing"}],
    }


def save(tmp_path: Path, document: Any, name: str = "in.json") -> Path:
    path = tmp_path / name
    path.write_bytes(orjson.dumps(document))
    return path


def read_doc(tmp_path: Path, document: Any) -> Dataset:
    return coco.read.read(save(tmp_path, document))


def only_item(dataset: Dataset) -> Item:
    (item,) = dataset.items
    return item


def write_doc(tmp_path: Path, dataset: Dataset, **options: Any) -> Any:
    target = tmp_path / "out.json"
    coco.write.write(dataset, target, **options)
    return load(target)


# --- reading the sample -------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> Dataset:
    return coco.read.read(SAMPLE)


def test_sample_categories_keep_ids_names_and_0_based_skeleton(sample: Dataset) -> None:
    assert [(c.id, c.name) for c in sample.categories] == [
        (1, "person"),
        (3, "car"),
        (7, "dog"),
        (90, "traffic light"),
    ]
    person = sample.categories[0]
    assert person.supercategory == "person"
    assert person.keypoint_names[0] == "nose"
    assert person.skeleton[0] == (0, 1)


def test_sample_images_keep_names_sizes_and_empty_images(sample: Dataset) -> None:
    items = {item.id: item for item in sample.items}
    assert list(items) == ["1", "2", "5", "8", "13"]
    assert items["1"].file_name == "street scene.v2.final.jpg"
    assert items["2"].file_name == "park/dog.jpg"
    assert (items["1"].width, items["1"].height) == (640, 480)
    assert items["8"].annotations == ()
    assert items["1"].attributes["coco:date_captured"] == "2024-04-30 10:12:00"


def test_sample_annotations_map_to_ir_kinds(sample: Dataset) -> None:
    items = {item.id: item for item in sample.items}
    kinds = {key: [a.kind for a in item.annotations] for key, item in items.items()}
    assert kinds == {
        "1": ["box", "box", "box", "keypoints"],
        "2": ["polygon", "polygon"],
        "5": ["mask"],
        "8": [],
        "13": ["mask"],
    }
    box = items["1"].annotations[0]
    assert isinstance(box, Box)
    assert (box.x, box.y, box.width, box.height) == (12.5, 200, 168, 80)
    assert dict(items["1"].annotations[1].attributes) == {
        ATTR_COCO_ID: 102,
        ATTR_ISCROWD: 0,
        "coco:area": 3600,
        "occluded": True,
        "color": "red",
    }
    multi = items["2"].annotations[1]
    assert isinstance(multi, Polygon)
    assert len(multi.zones) == 2
    assert multi.zones[1].outer[0] == (100, 50)
    assert multi.attributes[ATTR_COCO_BBOX] == [20, 40, 140, 90]


def test_sample_keypoints_share_a_group_with_their_box(sample: Dataset) -> None:
    first = next(iter(sample.items))
    box, pose = first.annotations[2:]
    assert isinstance(pose, Keypoints)
    assert box.group == pose.group == "103"
    assert pose.points[2] == (295, 160, 1)
    assert pose.points[4] == (0, 0, 0)
    assert pose.labelled_count == 4


@PYCOCO_DECODE
def test_sample_masks_decode_like_pycocotools(sample: Dataset) -> None:
    raw = load(SAMPLE)
    items = {item.id: item for item in sample.items}
    for item_id, index in (("5", 5), ("13", 6)):
        mask = items[item_id].annotations[0]
        assert isinstance(mask, Mask)
        segmentation = raw["annotations"][index]["segmentation"]
        if isinstance(segmentation["counts"], str):  # pycocotools wants compressed as bytes
            rle = {"size": segmentation["size"], "counts": segmentation["counts"].encode()}
        else:
            rle = coco_mask.frPyObjects(segmentation, *segmentation["size"])
        expected = coco_mask.decode(rle).astype(bool)
        assert (masks.mask_to_array(mask) == expected).all()
    assert items["5"].annotations[0].attributes[ATTR_ISCROWD] == 1


def test_sample_info_and_licenses_are_kept(sample: Dataset) -> None:
    assert sample.info["description"] == "ango-convert sample"
    assert sample.info["coco:licenses"] == load(SAMPLE)["licenses"]


# --- reading what other tools write -----------------------------------------------------


def test_zero_based_skeleton_is_detected(tmp_path: Path) -> None:
    document = minimal()
    document["categories"][0].update(keypoints=["a", "b", "c"], skeleton=[[0, 1], [1, 2]])
    dataset = read_doc(tmp_path, document)
    assert dataset.categories[0].skeleton == ((0, 1), (1, 2))
    written = write_doc(tmp_path, dataset)
    assert written["categories"][0]["skeleton"] == [[1, 2], [2, 3]]


def test_one_based_skeleton_is_shifted(tmp_path: Path) -> None:
    document = minimal()
    document["categories"][0].update(keypoints=["a", "b", "c"], skeleton=[[1, 2], [2, 3]])
    assert read_doc(tmp_path, document).categories[0].skeleton == ((0, 1), (1, 2))


@pytest.mark.parametrize("segmentation", [[], None, "missing", [[]]])
def test_no_segmentation_gives_a_box(tmp_path: Path, segmentation: Any) -> None:
    document = minimal()
    if segmentation != "missing":
        document["annotations"][0]["segmentation"] = segmentation
    (annotation,) = only_item(read_doc(tmp_path, document)).annotations
    assert annotation == Box(
        category_id=1,
        x=1,
        y=2,
        width=3,
        height=4,
        attributes={ATTR_COCO_ID: 1, ATTR_ISCROWD: 0},
    )


def test_missing_iscrowd_means_zero(tmp_path: Path) -> None:
    document = minimal()
    del document["annotations"][0]["iscrowd"]
    (annotation,) = only_item(read_doc(tmp_path, document)).annotations
    assert annotation.attributes[ATTR_ISCROWD] == 0
    assert write_doc(tmp_path, read_doc(tmp_path, document))["annotations"][0]["iscrowd"] == 0


def test_both_rle_encodings_read_to_the_same_counts(tmp_path: Path) -> None:
    array = np.zeros((8, 10), dtype=bool)
    array[2:6, 3:9] = True
    counts = masks.array_to_counts(array)
    document = minimal()
    document["annotations"] = [
        {"id": i, "image_id": 1, "category_id": 1, "segmentation": seg}
        for i, seg in (
            (1, {"size": [8, 10], "counts": list(counts)}),
            (2, {"size": [8, 10], "counts": masks.compress_counts(counts)}),
        )
    ]
    first, second = only_item(read_doc(tmp_path, document)).annotations
    assert isinstance(first, Mask)
    assert isinstance(second, Mask)
    assert first.counts == second.counts == counts
    written = write_doc(tmp_path, read_doc(tmp_path, document))["annotations"]
    assert written[0]["segmentation"]["counts"] == list(counts)
    assert written[1]["segmentation"]["counts"] == masks.compress_counts(counts)
    assert written[1]["bbox"] == [3, 2, 6, 4]
    assert written[1]["area"] == 24


def test_extra_keys_are_kept_and_written_back(tmp_path: Path) -> None:
    document = minimal()
    document["type"] = "instances"
    document["images"][0]["coco_url"] = "http://127.0.0.1/a.jpg"
    document["categories"][0]["color"] = "#ff0000"
    document["annotations"][0].update(score=0.75, attributes={"occluded": False})
    dataset = read_doc(tmp_path, document)
    (annotation,) = only_item(dataset).annotations
    assert annotation.attributes["coco:score"] == 0.75
    assert annotation.attributes["occluded"] is False
    written = write_doc(tmp_path, dataset)
    assert written["type"] == "instances"
    assert written["images"][0]["coco_url"] == "http://127.0.0.1/a.jpg"
    assert written["categories"][0]["color"] == "#ff0000"
    assert written["annotations"][0]["score"] == 0.75
    assert written["annotations"][0]["attributes"] == {"occluded": False}


def test_flat_polygon_and_empty_parts_are_accepted(tmp_path: Path) -> None:
    document = minimal()
    document["annotations"][0]["segmentation"] = [0, 0, 4, 0, 4, 4]
    document["annotations"].append(
        {"id": 2, "image_id": 1, "category_id": 1, "segmentation": [[], [1, 1, 2, 1, 2, 2]]}
    )
    first, second = only_item(read_doc(tmp_path, document)).annotations
    assert isinstance(first, Polygon)
    assert first.zones == (Zone(outer=((0, 0), (4, 0), (4, 4))),)
    assert isinstance(second, Polygon)
    assert len(second.zones) == 1


def test_keypoints_beside_a_polygon_and_alone(tmp_path: Path) -> None:
    document = minimal()
    document["categories"][0]["keypoints"] = ["tip"]
    document["annotations"] = [
        {
            "id": 7,
            "image_id": 1,
            "category_id": 1,
            "segmentation": [[0, 0, 4, 0, 4, 4]],
            "bbox": [0, 0, 4, 4],
            "keypoints": [2, 1, 2],
            "num_keypoints": 1,
        },
        {"id": 8, "image_id": 1, "category_id": 1, "keypoints": [3.5, 2.25, 1]},
    ]
    polygon, pose, lone = only_item(read_doc(tmp_path, document)).annotations
    assert (polygon.kind, pose.kind, lone.kind) == ("polygon", "keypoints", "keypoints")
    assert polygon.group == pose.group == "7"
    assert lone.group is None
    assert lone.attributes[ATTR_COCO_ID] == 8
    written = write_doc(tmp_path, read_doc(tmp_path, document))["annotations"]
    assert [a["id"] for a in written] == [7, 8]
    assert written[0]["keypoints"] == [2, 1, 2]
    assert written[0]["segmentation"] == [[0, 0, 4, 0, 4, 4]]
    assert written[1]["bbox"] == [3.0, 1.75, 1, 1]  # one labelled point: a 1-pixel box


def test_integral_float_ids_and_missing_sizes_are_read(tmp_path: Path) -> None:
    document = minimal()
    document["images"][0] = {"id": 1.0, "file_name": "a.jpg"}
    item = only_item(read_doc(tmp_path, document))
    assert (item.id, item.width, item.height) == ("1", None, None)


# --- each record read exactly: the common form and the rarer valid ones ----------------------

PLAIN = {"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]}


def box_attributes(**extra: Any) -> dict[str, Any]:
    return {ATTR_COCO_ID: 1, ATTR_ISCROWD: 0, **extra}


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (PLAIN, Box(category_id=1, x=1, y=2, width=3, height=4, attributes=box_attributes())),
        (
            PLAIN | {"bbox": [1.5, 2.25, 0, 0], "iscrowd": 1, "area": 12.5, "segmentation": []},
            Box(
                category_id=1,
                x=1.5,
                y=2.25,
                width=0,
                height=0,
                attributes=box_attributes(**{ATTR_ISCROWD: 1, ATTR_COCO_AREA: 12.5}),
            ),
        ),
        (
            PLAIN | {"segmentation": None, "area": None, "iscrowd": None, "keypoints": []},
            Box(category_id=1, x=1, y=2, width=3, height=4, attributes=box_attributes()),
        ),
        (
            PLAIN | {"id": 3.0, "image_id": 1.0, "category_id": 1.0, "iscrowd": True},
            Box(
                category_id=1,
                x=1,
                y=2,
                width=3,
                height=4,
                attributes={ATTR_COCO_ID: 3, ATTR_ISCROWD: 1},
            ),
        ),
        (
            PLAIN | {"iscrowd": 1.0, "extra": "kept", "attributes": {"occluded": True}},
            Box(
                category_id=1,
                x=1,
                y=2,
                width=3,
                height=4,
                attributes=box_attributes(
                    **{ATTR_ISCROWD: 1, "coco:extra": "kept", "occluded": True}
                ),
            ),
        ),
    ],
    ids=["plain", "zero-size-crowd-area", "nulls-and-empties", "float-ids-bool-crowd", "extras"],
)
def test_box_records_read_to_exactly_a_box(
    tmp_path: Path, record: dict[str, Any], expected: Box
) -> None:
    document = minimal()
    document["annotations"] = [record]
    (annotation,) = only_item(read_doc(tmp_path, document)).annotations
    assert type(annotation) is Box
    assert annotation == expected
    assert list(annotation.attributes) == list(expected.attributes)


def test_box_with_keypoints_reads_to_a_box_and_pose_in_one_group(tmp_path: Path) -> None:
    document = minimal()
    document["categories"][0]["keypoints"] = ["tip"]
    document["annotations"] = [PLAIN | {"keypoints": [2, 3.5, 2], "num_keypoints": 1}]
    box, pose = only_item(read_doc(tmp_path, document)).annotations
    assert box == Box(
        category_id=1, x=1, y=2, width=3, height=4, group="1", attributes=box_attributes()
    )
    assert pose == Keypoints(
        category_id=1, points=((2, 3.5, 2),), group="1", attributes={ATTR_COCO_ID: 1}
    )


def test_segmented_box_record_reads_to_a_polygon_keeping_its_bbox(tmp_path: Path) -> None:
    document = minimal()
    document["annotations"] = [PLAIN | {"segmentation": [[1, 1, 4, 1, 4, 4]], "area": 4.5}]
    (polygon,) = only_item(read_doc(tmp_path, document)).annotations
    assert polygon == Polygon(
        category_id=1,
        zones=(Zone(outer=((1, 1), (4, 1), (4, 4))),),
        attributes=box_attributes(**{ATTR_COCO_AREA: 4.5, ATTR_COCO_BBOX: [1, 2, 3, 4]}),
    )


def test_a_segmented_box_may_lie_outside_its_image(tmp_path: Path) -> None:
    """Only a box that is the annotation's geometry must touch the image."""
    document = minimal()
    document["annotations"] = [
        PLAIN | {"bbox": [100, 2, 3, 4], "segmentation": [[1, 1, 4, 1, 4, 4]]}
    ]
    (polygon,) = only_item(read_doc(tmp_path, document)).annotations
    assert polygon.attributes[ATTR_COCO_BBOX] == [100, 2, 3, 4]


def test_image_records_read_in_their_rarer_valid_forms(tmp_path: Path) -> None:
    document = minimal()
    document["images"] = [
        {"id": 1, "file_name": "a.jpg", "width": 10, "height": 8},
        {"id": 2.0, "file_name": "b c.d.png", "width": 3.0, "height": None, "license": 4},
    ]
    plain, rare = read_doc(tmp_path, document).items
    assert plain == Item(
        id="1",
        file_name="a.jpg",
        width=10,
        height=8,
        annotations=(Box(category_id=1, x=1, y=2, width=3, height=4, attributes=box_attributes()),),
        attributes={ATTR_COCO_IMAGE_ID: 1},
    )
    assert rare == Item(
        id="2",
        file_name="b c.d.png",
        width=3,
        height=None,
        attributes={ATTR_COCO_IMAGE_ID: 2, "coco:license": 4},
    )


def test_non_finite_numbers_are_refused_with_their_json_path() -> None:
    """JSON text cannot hold them (the parser refuses NaN and Infinity), but a document
    built in Python can."""
    for key, value, where in [
        ("bbox", [float("inf"), 2, 3, 4], "$.annotations[0].bbox[0]"),
        ("bbox", [1, 2, 3, float("nan")], "$.annotations[0].bbox[3]"),
        ("area", float("-inf"), "$.annotations[0].area"),
    ]:
        document = minimal()
        document["annotations"][0][key] = value
        with pytest.raises(Located) as caught:
            parse_document(document)
        assert json_path(*caught.value.where) == where
        assert caught.value.reason.startswith("expected a finite number, got ")


NUMBERS = st.one_of(
    st.integers(-20, 20),
    st.floats(-20, 20),
    st.sampled_from([float("inf"), float("-inf"), float("nan"), True, None, "1"]),
)


@settings(max_examples=200, deadline=None)
@given(bbox=st.lists(NUMBERS, min_size=4, max_size=4))
def test_a_bbox_reads_as_given_or_is_refused_at_its_path(bbox: list[Any]) -> None:
    """Four finite numbers of non-negative size that touch the 10 x 8 image read to
    exactly that Box; anything else is refused at $.annotations[0].bbox or one element."""
    document = minimal()
    document["annotations"][0]["bbox"] = bbox
    x, y, width, height = bbox
    valid = (
        all(type(v) in (int, float) and math.isfinite(v) for v in bbox)
        and width >= 0
        and height >= 0
        and not (x > 10 or y > 8 or x + width < 0 or y + height < 0)
    )
    try:
        outcome: object = only_item(parse_document(document)).annotations
    except Located as refused:
        outcome = refused.where
    bbox_places = {("annotations", 0, "bbox", i) for i in range(4)} | {("annotations", 0, "bbox")}
    expected = (
        (Box(category_id=1, x=x, y=y, width=width, height=height, attributes=box_attributes()),)
        if valid
        else None
    )
    assert outcome == expected if valid else outcome in bbox_places, outcome


plain_boxes = st.builds(
    lambda x, y, width, height, crowd: (x, y, width, height, crowd),
    st.floats(-50, 10),
    st.floats(-50, 8),
    st.floats(50, 300),
    st.floats(50, 300),
    st.sampled_from([0, 1]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(plain_boxes, min_size=1, max_size=5))
def test_plain_boxes_read_back_exactly_as_written(values: list[Any]) -> None:
    boxes = tuple(
        Box(
            category_id=1,
            x=x,
            y=y,
            width=width,
            height=height,
            attributes={ATTR_COCO_ID: i, ATTR_ISCROWD: crowd, ATTR_COCO_AREA: width * height},
        )
        for i, (x, y, width, height, crowd) in enumerate(values, start=1)
    )
    item = Item(
        id="1",
        file_name="a.jpg",
        width=10,
        height=8,
        annotations=boxes,
        attributes={ATTR_COCO_IMAGE_ID: 1},
    )
    dataset = Dataset(categories=(Category(id=1, name="thing"),), items=(item,))
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "out.json"
        coco.write.write(dataset, target)
        back = coco.read.read(target)
    assert back.items == dataset.items
    assert back.categories == dataset.categories


# --- errors -----------------------------------------------------------------------------------


def _set(path: tuple[Any, ...], value: Any) -> Any:
    def change(document: dict[str, Any]) -> None:
        target: Any = document
        for part in path[:-1]:
            target = target[part]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            _set(("annotations", 0, "category_id"), 5),
            "$.annotations[0].category_id: category id 5 is not in $.categories",
        ),
        (
            _set(("annotations", 0, "image_id"), 9),
            "$.annotations[0].image_id: image id 9 is not in $.images",
        ),
        (
            _set(("annotations", 0, "segmentation"), [[1, 2, 3, 4, 5, 6, 7]]),
            "$.annotations[0].segmentation[0]: polygon has an odd number of coordinates (7)",
        ),
        (
            _set(("annotations", 0, "segmentation"), [[1, 2, 3, 4]]),
            "$.annotations[0].segmentation[0]: polygon needs at least 3 points, got 2",
        ),
        (
            _set(("annotations", 0, "bbox"), "1,2,3,4"),
            "$.annotations[0].bbox: expected an array, got a string",
        ),
        (
            _set(("annotations", 0, "bbox"), [1, 2, -3, 4]),
            "$.annotations[0].bbox: bbox has a negative size -3 x 4",
        ),
        (
            _set(("annotations", 0, "bbox", 1), None),
            "$.annotations[0].bbox[1]: expected a number, got null",
        ),
        (
            _set(("images", 0, "file_name"), KeyError),
            "$.images[0]: missing key 'file_name'",
        ),
        (
            _set(("categories", 1), {"id": 1, "name": "again"}),
            "$.categories[1].id: duplicate id 1 (also at $.categories[0])",
        ),
        (
            _set(("annotations", 1), {"id": 1, "image_id": 1, "category_id": 1, "bbox": []}),
            "$.annotations[1].id: duplicate id 1 (also at $.annotations[0])",
        ),
        (
            _set(("annotations", 0, "iscrowd"), 2),
            "$.annotations[0].iscrowd: iscrowd must be 0 or 1, got 2",
        ),
        (
            _set(("annotations", 0, "segmentation"), {"size": [8, 10], "counts": [5, 5]}),
            "$.annotations[0].segmentation.counts: counts add up to 10, expected 80",
        ),
        (
            _set(("annotations", 0, "segmentation"), {"size": [8, 10], "counts": "0~"}),
            "$.annotations[0].segmentation.counts: compressed RLE counts hold an invalid "
            "character '~'",
        ),
        (
            _set(("annotations", 0, "segmentation"), {"size": [4, 4], "counts": [16]}),
            "$.annotations[0].segmentation.size: mask size 4 x 4 differs from the image's 8 x 10",
        ),
        (
            _set(("annotations", 0, "keypoints"), [1, 2, 2]),
            "$.annotations[0].keypoints: 1 keypoints given, category 'thing' names 0",
        ),
        (
            _set(("annotations", 0, "bbox"), KeyError),
            "$.annotations[0]: annotation has no bbox, segmentation or keypoints",
        ),
        (
            _set(("images",), {"id": 1}),
            "$.images: expected an array, got an object",
        ),
        (
            _set(("annotations", 0, "bbox"), [100, 2, 3, 4]),
            "$.annotations[0].bbox: box (100, 2, 3 x 4) lies outside the image (10 x 8)",
        ),
        (
            _set(("annotations", 1, "bbox"), [1, 2, 3]),
            "$.annotations[1].bbox: expected 4 numbers [x, y, width, height], got 3",
        ),
        (
            _set(("annotations", 0, "bbox"), [1, "2", 3, 4]),
            "$.annotations[0].bbox[1]: expected a number, got a string",
        ),
        (
            _set(("annotations", 1, "bbox"), [1, 2, 3, True]),
            "$.annotations[1].bbox[3]: expected a number, got a boolean",
        ),
        (
            _set(("annotations", 1, "id"), 1),
            "$.annotations[1].id: duplicate id 1 (also at $.annotations[0])",
        ),
        (
            _set(("annotations", 0, "id"), 1.5),
            "$.annotations[0].id: expected an integer, got 1.5",
        ),
        (
            _set(("annotations", 0, "image_id"), KeyError),
            "$.annotations[0]: missing key 'image_id'",
        ),
        (
            _set(("annotations", 1, "category_id"), "1"),
            "$.annotations[1].category_id: expected an integer, got a string",
        ),
        (
            _set(("annotations", 0, "iscrowd"), "0"),
            "$.annotations[0].iscrowd: expected an integer, got a string",
        ),
        (
            _set(("annotations", 0, "iscrowd"), 2.0),
            "$.annotations[0].iscrowd: iscrowd must be 0 or 1, got 2.0",
        ),
        (
            _set(("annotations", 0, "area"), "big"),
            "$.annotations[0].area: expected a number, got a string",
        ),
        (
            _set(("annotations", 0, "attributes"), ["occluded"]),
            "$.annotations[0].attributes: expected an object, got an array",
        ),
        (
            _set(("annotations", 1), 5),
            "$.annotations[1]: expected an object, got a number",
        ),
        (
            _set(("images", 0), [1]),
            "$.images[0]: expected an object, got an array",
        ),
        (
            _set(("images", 0, "id"), True),
            "$.images[0].id: expected an integer, got a boolean",
        ),
        (
            _set(("images", 0, "file_name"), None),
            "$.images[0].file_name: expected a string, got null",
        ),
        (
            _set(("images", 0, "width"), 0),
            "$.images[0].width: width must be positive, got 0",
        ),
        (
            _set(("images", 0, "height"), 8.5),
            "$.images[0].height: expected an integer, got 8.5",
        ),
    ],
)
def test_bad_input_gets_one_located_line(tmp_path: Path, change: Any, message: str) -> None:
    document = minimal()
    document["annotations"].append(copy.deepcopy(document["annotations"][0]) | {"id": 2})
    document["categories"].append({"id": 2, "name": "other"})
    change(document)
    path = save(tmp_path, document)
    with pytest.raises(ReadError) as caught:
        coco.read.read(path)
    assert str(caught.value) == f"{path}: {message}"


def test_skeleton_out_of_range__dropped_with_a_warning(tmp_path: Path) -> None:
    # pose toolkits ship a 17-point skeleton on 14 keypoints, or one on a category
    # without keypoints: metadata, so the edges go and the read goes on
    document = minimal()
    document["categories"][0].update(keypoints=["a", "b"], skeleton=[[1, 3], [1, 2]])
    document["categories"].append({"id": 9, "name": "bare", "skeleton": [[1, 2]]})
    path = save(tmp_path, document)
    diagnostics = Diagnostics()
    dataset = coco.read.read(path, diagnostics=diagnostics)
    assert [c.skeleton for c in dataset.categories] == [((0, 1),), ()]
    assert diagnostics.warnings == [
        "$.categories[0].skeleton: category 'thing' (id 1): 1 of 2 skeleton edge(s) name "
        "keypoints outside 1..2 were dropped: [[1, 3]]",
        "$.categories[1].skeleton: category 'bare' (id 9) has no keypoints: its 1 skeleton "
        "edge(s) were dropped: [[1, 2]]",
    ]


def test_skeleton_out_of_range__many_listed_briefly_and_zero_based_range(
    tmp_path: Path,
) -> None:
    document = minimal()
    names = [f"k{i}" for i in range(3)]
    # 0-based (index 0 used, never 3): edges to 4.. are outside 0..2
    skeleton = [[0, 1], [1, 2], *([2, n] for n in range(4, 31))]
    document["categories"][0].update(keypoints=names, skeleton=skeleton)
    diagnostics = Diagnostics()
    dataset = coco.read.read(save(tmp_path, document), diagnostics=diagnostics)
    assert dataset.categories[0].skeleton == ((0, 1), (1, 2))
    (warning,) = diagnostics.warnings
    assert warning.startswith(
        "$.categories[0].skeleton: category 'thing' (id 1): 27 of 29 skeleton edge(s) name "
        "keypoints outside 0..2 were dropped: [[2, 4], [2, 5],"
    )
    assert warning.endswith("[2, 13], ... 17 more]")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b'{"images": [', "line 1 column 13: invalid JSON: unexpected end of data"),
        (b'{"images": [1e999]}', "line 1 column 13: invalid JSON: number is infinity"),
        (b"[]", "$: expected an object, got an array"),
    ],
)
def test_broken_json(tmp_path: Path, text: bytes, message: str) -> None:
    path = tmp_path / "broken file.v1.json"
    path.write_bytes(text)
    with pytest.raises(ReadError) as caught:
        coco.read.read(path)
    assert str(caught.value).startswith(f"{path}: {message}")


# --- round trip ------------------------------------------------------------------------------


def test_coco_round_trip_is_exact(tmp_path: Path) -> None:
    written = write_doc(tmp_path, coco.read.read(SAMPLE))
    assert written == load(SAMPLE)


def test_round_trip_golden(tmp_path: Path, update_golden: bool) -> None:
    target = tmp_path / "out.json"
    coco.write.write(coco.read.read(SAMPLE), target, indent=True)
    if update_golden:
        GOLDEN_ROUNDTRIP.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN_ROUNDTRIP.write_bytes(target.read_bytes())
    assert load(target) == load(GOLDEN_ROUNDTRIP)


@PYCOCO_DECODE
def test_written_file_loads_in_pycocotools(tmp_path: Path) -> None:
    from pycocotools.coco import COCO

    target = tmp_path / "out.json"
    coco.write.write(coco.read.read(SAMPLE), target)
    api = COCO(str(target))
    annotation = api.loadAnns([106])[0]
    assert int(api.annToMask(annotation).sum()) == annotation["area"]


# --- writing IR built by other formats -------------------------------------------------------

SQUARE = ((0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0))
INNER = ((1.0, 1.0), (1.0, 3.0), (3.0, 3.0), (3.0, 1.0))


def ir(*annotations: Any, item_id: str = "img-a", **item: Any) -> Dataset:
    sizes = {"width": 10, "height": 8} | item
    return Dataset(
        categories=(
            Category(id=0, name="zero"),
            Category(id=4, name="pose", keypoint_names=("a", "b"), skeleton=((0, 1),)),
        ),
        items=(Item(id=item_id, file_name="x y.z.png", annotations=annotations, **sizes),),
    )


def test_write_computes_ids_bbox_and_area(tmp_path: Path) -> None:
    dataset = ir(
        Box(category_id=0, x=1.5, y=2, width=3, height=4),
        Polygon(category_id=0, zones=(Zone(outer=((0.5, 0), (4, 0), (4, 3))),)),
    )
    written = write_doc(tmp_path, dataset)
    assert written["images"] == [{"id": 1, "file_name": "x y.z.png", "width": 10, "height": 8}]
    box, polygon = written["annotations"]
    assert box == {
        "id": 1,
        "image_id": 1,
        "category_id": 0,
        "segmentation": [],
        "area": 12,
        "bbox": [1.5, 2, 3, 4],
        "iscrowd": 0,
    }
    assert polygon["id"] == 2
    assert polygon["segmentation"] == [[0.5, 0, 4, 0, 4, 3]]
    assert polygon["bbox"] == [0.5, 0, 3.5, 3]
    assert polygon["area"] == 5.25
    assert written["categories"][1] == {
        "id": 4,
        "name": "pose",
        "keypoints": ["a", "b"],
        "skeleton": [[1, 2]],
    }


LONE_BOX_ENTRY = {
    "id": 1,
    "image_id": 3,
    "category_id": 1,
    "segmentation": [],
    "area": 12,
    "bbox": [1, 2, 3, 4],
    "iscrowd": 0,
}


@pytest.mark.parametrize(
    ("attributes", "entry"),
    [
        ({}, LONE_BOX_ENTRY),
        (
            {ATTR_COCO_ID: 7, ATTR_ISCROWD: 1, ATTR_COCO_AREA: 3.5},
            LONE_BOX_ENTRY | {"id": 7, "area": 3.5, "iscrowd": 1},
        ),
        (
            {ATTR_COCO_ID: "12", ATTR_COCO_AREA: True, "occluded": True, "coco:extra": [1]},
            LONE_BOX_ENTRY | {"id": 12, "attributes": {"occluded": True}, "extra": [1]},
        ),
        (
            {ATTR_COCO_ID: 7, ATTR_COCO_AREA: "big", ATTR_COCO_BBOX: [0, 0, 1, 1], "voc:pose": "L"},
            LONE_BOX_ENTRY | {"id": 7},
        ),
        ({"n": None}, LONE_BOX_ENTRY | {"attributes": {"n": None}}),
    ],
    ids=["none", "kept-id-crowd-area", "text-id-free-and-extra", "unusable-and-foreign", "free"],
)
def test_write_lone_boxes_entries(
    tmp_path: Path, attributes: dict[str, Any], entry: dict[str, Any]
) -> None:
    """What the attributes of a box outside any group become in its entry."""
    boxes = (
        Box(category_id=1, x=1, y=2, width=3, height=4, attributes=attributes),
        Box(category_id=1, x=0.5, y=0, width=0, height=2.25),
    )
    item = Item(id="3", file_name="a.jpg", width=10, height=8, annotations=boxes)
    dataset = Dataset(categories=(Category(id=1, name="thing"),), items=(item,))
    report = coco.write.write(dataset, tmp_path / "out.json")
    (first,) = load(tmp_path / "out.json")["annotations"]  # the zero-width box is left out
    assert first == entry
    assert list(first) == list(entry)
    assert report.skipped == {"zero-area box": 1}


def test_write_merges_a_group_into_one_annotation(tmp_path: Path) -> None:
    dataset = ir(
        Box(category_id=4, x=0, y=0, width=5, height=5, group="p1"),
        Keypoints(category_id=4, points=((1, 1, 2), (2, 2, 0)), group="p1"),
        Keypoints(category_id=4, points=((3, 3, 1), (4, 4, 1)), group="p2"),
        item_id="17",
    )
    written = write_doc(tmp_path, dataset)
    assert written["images"][0]["id"] == 17
    first, second = written["annotations"]
    assert first["bbox"] == [0, 0, 5, 5]
    assert first["keypoints"] == [1, 1, 2, 2, 2, 0]
    assert first["num_keypoints"] == 1
    assert second["bbox"] == [3, 3, 1, 1]
    assert second["num_keypoints"] == 2


@PYCOCO_DECODE
def test_polygon_with_holes_becomes_an_exact_mask(tmp_path: Path) -> None:
    dataset = ir(Polygon(category_id=0, zones=(Zone(outer=SQUARE, holes=(INNER,)),)))
    target = tmp_path / "out.json"
    report = coco.write.write(dataset, target)
    assert report.warnings == [
        "1 polygon(s) with holes written as RLE masks (COCO polygons cannot hold holes)"
    ]
    (annotation,) = load(target)["annotations"]
    assert annotation["area"] == 12
    assert annotation["bbox"] == [0, 0, 4, 4]
    decoded = coco_mask.decode(annotation["segmentation"]).astype(bool)
    expected = np.zeros((8, 10), dtype=bool)
    expected[0:4, 0:4] = True
    expected[1:3, 1:3] = False
    assert (decoded == expected).all()


UNSUPPORTED = (
    RotatedBox(category_id=0, cx=5, cy=4, width=2, height=2, angle=90),
    Polyline(category_id=0, points=((0, 0), (1, 1))),
    Point(category_id=0, x=2.5, y=3),
)


def test_unsupported_kinds_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    with pytest.raises(UnsupportedAnnotationError) as caught:
        coco.write.write(ir(*UNSUPPORTED), target)
    assert str(caught.value).startswith(
        "format 'coco' cannot hold 1 point, 1 polyline, 1 rotated-box; pass on_unsupported="
    )
    assert not target.exists()


def test_unsupported_kinds_skipped_or_approximated(tmp_path: Path) -> None:
    skipped = coco.write.write(ir(*UNSUPPORTED), tmp_path / "skip.json", on_unsupported="skip")
    assert dict(skipped.skipped) == {"point": 1, "polyline": 1, "rotated-box": 1}
    assert load(tmp_path / "skip.json")["annotations"] == []
    target = tmp_path / "approx.json"
    report = coco.write.write(ir(*UNSUPPORTED), target, on_unsupported="approximate")
    assert dict(report.approximated) == {"rotated-box": 1}
    assert dict(report.skipped) == {"point": 1, "polyline": 1}  # never a zero-size box
    (rotated,) = load(target)["annotations"]
    assert rotated["segmentation"] == [[6, 3, 6, 5, 4, 5, 4, 3]]


def test_missing_sizes_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    items = tuple(Item(id=f"i{n}", file_name=f"{n}.jpg") for n in range(12))
    target = tmp_path / "out.json"
    target.write_text("keep me")
    with pytest.raises(ConversionError) as caught:
        coco.write.write(Dataset(categories=(), items=items), target)
    assert str(caught.value).startswith(
        "COCO needs every image's width and height; 12 item(s) have none: 'i0', 'i1', "
    )
    assert "'i9' (and 2 more)" in str(caught.value)
    assert target.read_text() == "keep me"


def test_duplicate_annotation_ids_take_the_next_free_id(tmp_path: Path) -> None:
    same = {ATTR_COCO_ID: 3}
    dataset = ir(
        Box(category_id=0, x=0, y=0, width=1, height=1, attributes=same),
        Box(category_id=0, x=1, y=1, width=1, height=1, attributes=same),
        Box(category_id=0, x=1, y=1, width=1, height=1),
        Box(category_id=0, x=1, y=1, width=1, height=1, attributes={ATTR_COCO_ID: 1}),
    )
    assert [a["id"] for a in write_doc(tmp_path, dataset)["annotations"]] == [3, 1, 2, 4]


def test_image_ids_in_one_pass(tmp_path: Path) -> None:
    """Whole-number ids are kept while free; the rest count up from 1 past kept ones."""
    names = ["5", "a.jpg", "5", "2", "1", "007"]
    items = (Item(id=name, file_name=f"{i}.jpg", width=4, height=4) for i, name in enumerate(names))
    dataset = Dataset(categories=(Category(id=1, name="x"),), items=items)  # a one-shot iterator
    written = write_doc(tmp_path, dataset)
    assert [image["id"] for image in written["images"]] == [5, 1, 2, 3, 4, 7]


def test_stdout_gets_the_whole_document(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    coco.write.write(coco.read.read(SAMPLE), Path("-"), indent=True)
    assert capsysbinary.readouterr().out == GOLDEN_ROUNDTRIP.read_bytes()


def test_refusals_leave_stdout_empty(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    dataset = ir(Point(category_id=0, x=1, y=1), Point(category_id=0, x=2, y=1))
    with pytest.raises(UnsupportedAnnotationError, match="2 point"):
        coco.write.write(dataset, Path("-"))
    assert capsysbinary.readouterr().out == b""


# --- detection and CLI -----------------------------------------------------------------------


def test_detect(tmp_path: Path) -> None:
    assert coco.detect(SAMPLE)
    long_images = {"images": [{"id": i, "file_name": f"{i}.jpg"} for i in range(5000)]}
    assert coco.detect(save(tmp_path, long_images | {"annotations": []}, "long.json"))
    assert not coco.detect(save(tmp_path, [{"externalId": "a"}], "list.json"))
    assert not coco.detect(save(tmp_path, {"labels": []}, "labels.json"))
    (tmp_path / "a.txt").write_bytes(SAMPLE.read_bytes())
    assert not coco.detect(tmp_path / "a.txt")


def test_cli_convert_coco_to_coco(tmp_path: Path, runner: CliRunner) -> None:
    target = tmp_path / "tmp" / "out.json"
    result = runner.invoke(cli, ["convert", str(SAMPLE), "--to", "coco", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert load(target) == load(SAMPLE)
    assert "wrote 5 item(s), 7 annotation(s)" in result.stderr  # box + keypoints: one


def test_cli_convert_to_stdout(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["-q", "convert", str(SAMPLE), "--to", "coco", "-o", "-"])
    assert result.exit_code == 0, result.output
    assert orjson.loads(result.stdout_bytes) == load(SAMPLE)


def test_cli_bad_input_one_line_no_output(tmp_path: Path, runner: CliRunner) -> None:
    document = minimal()
    document["annotations"][0]["category_id"] = 42
    source = save(tmp_path, document, "bad file.v2.json")
    target = tmp_path / "out.json"
    result = runner.invoke(
        cli, ["convert", str(source), "--from", "coco", "--to", "coco", "-o", str(target)]
    )
    assert result.exit_code == 3
    assert result.stderr == (
        f"error: {source}: $.annotations[0].category_id: category id 42 is not in $.categories\n"
    )
    assert not target.exists()


# --- property: IR -> COCO -> IR keeps geometry exactly -----------------------------------------

coordinates = st.floats(-50, 500, allow_nan=False, allow_infinity=False)
# Training outputs hold no zero-area box: the writer leaves those out (tested apart).
sizes = st.floats(0, 300, allow_nan=False, allow_infinity=False, exclude_min=True)
# Boxes touch their 10 x 8 image: one lying wholly outside is a read error.
boxes = st.builds(
    Box,
    category_id=st.just(0),
    x=st.floats(-50, 10),
    y=st.floats(-50, 8),
    width=sizes,
    height=sizes,
).filter(lambda box: box.x + box.width >= 0 and box.y + box.height >= 0)
rings = (
    st.lists(st.tuples(coordinates, coordinates), min_size=3, max_size=6)
    .map(tuple)
    .filter(lambda ring: len({x for x, _ in ring}) > 1 and len({y for _, y in ring}) > 1)
)
polygons = st.builds(
    Polygon,
    category_id=st.just(0),
    zones=st.lists(rings.map(lambda ring: Zone(outer=ring)), min_size=1, max_size=3).map(tuple),
)
mask_arrays = arrays(np.bool_, (8, 10)).filter(lambda array: bool(array.any()))
poses = st.builds(
    Keypoints,
    category_id=st.just(4),
    points=st.tuples(*[st.tuples(coordinates, coordinates, st.sampled_from([0, 1, 2]))] * 2),
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(boxes, polygons), max_size=4),
    st.lists(st.tuples(boxes, poses), max_size=2),
    st.lists(mask_arrays, max_size=2),
)
def test_ir_to_coco_and_back_keeps_geometry(
    shapes: list[Any], people: list[tuple[Box, Keypoints]], arrays_: list[Any]
) -> None:
    # A pose travels with its box (COCO keypoint annotations always carry a bbox; a lone
    # pose is written with the span of its labelled points and reads back as box + pose).
    grouped = [
        dataclasses.replace(part, category_id=4, group=f"p{i}")
        for i, pair in enumerate(people)
        for part in pair
    ]
    made = [masks.array_to_mask(array, category_id=0) for array in arrays_]
    expected = [*shapes, *grouped, *made]
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "out.json"
        coco.write.write(ir(*expected), target)
        back = only_item(coco.read.read(target))
    assert len(back.annotations) == len(expected)
    for before, after in zip(expected, back.annotations, strict=True):
        if before.group is not None:
            before = dataclasses.replace(before, group=after.group)
        assert dataclasses.replace(after, attributes={}) == before


@pytest.mark.parametrize(
    ("item_id", "image_id"),
    [("--5", 1), ("²", 1), ("-", 1), ("12", 12), (" 7 ", 7), ("img 3", 1)],
)
def test_write__image_ids_from_any_item_id(tmp_path: Path, item_id: str, image_id: int) -> None:
    """Item ids are file stems for VOC and YOLO input: any text must give an image id
    (its own when it is an integer), never a crash."""
    box = Box(category_id=1, x=1, y=1, width=2, height=2)
    item = Item(id=item_id, file_name="a.jpg", width=4, height=4, annotations=(box,))
    dataset = Dataset(categories=(Category(id=1, name="c"),), items=(item,))
    coco.write.write(dataset, tmp_path / "out.json")
    document = orjson.loads((tmp_path / "out.json").read_bytes())
    assert [image["id"] for image in document["images"]] == [image_id]
    assert document["annotations"][0]["image_id"] == image_id
