"""The Ango label-import payload formats: `ango` (seed body) and `ango-flat`."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ango_convert
from ango_convert import validation
from ango_convert.errors import ConversionError, ReadError, SchemaValidationError
from ango_convert.formats.ango.decode import AngoDecoder
from ango_convert.formats.ango.geometry import rotated_box_from_ango, rotated_box_to_ango
from ango_convert.model import Box, Category, Keypoints, Polygon, RotatedBox
from ango_convert.ontology import Ontology, ToolEntry
from tests.ir_samples import HOSTILE_NAMES, tiny_dataset


def _write(tmp_path: Path, fmt: str = "ango", **options: object) -> Any:
    target = tmp_path / "payload.json"
    if fmt == "ango":
        options.setdefault("project", "p1")
    ango_convert.write(tiny_dataset(), target, fmt, **options)
    return json.loads(target.read_text(encoding="utf-8"))


def _schema_map(tmp_path: Path, entries: dict[str, str]) -> Path:
    path = tmp_path / "map.json"
    path.write_text(json.dumps(entries))
    return path


class TestWrite:
    def test_write__seed_shape_and_valid(self, tmp_path: Path) -> None:
        payload = _write(tmp_path)
        assert payload["project"] == "p1"
        assert [label["externalId"] for label in payload["labels"]] == list(HOSTILE_NAMES)
        assert validation.validate(payload) == "ango-import"

    def test_write__mapping_per_kind(self, tmp_path: Path) -> None:
        objects = _write(tmp_path)["labels"][0]["answer"]["objects"]
        keys = [next(k for k in o if k in validation_keys()) for o in objects]
        assert keys == ["bounding-box", "polygon", "segmentation", "bounding-box", "point", "point"]
        assert objects[0]["bounding-box"] == {"x": 10, "y": 20.5, "width": 100, "height": 50.25}
        zone = objects[2]["segmentation"]["zones"][0]
        assert zone["holes"] == [[[120, 120], [150, 120], [150, 150]]]

    def test_write__keypoints_as_points_with_instance(self, tmp_path: Path) -> None:
        answer = _write(tmp_path)["labels"][0]["answer"]
        points = [o for o in answer["objects"] if "point" in o]
        assert [p["objectId"] for p in points] == ["7:kp:0", "7:kp:2"]
        assert points[1]["classifications"] == [
            {"title": "keypoint", "answer": "right eye"},
            {"title": "visibility", "answer": "occluded"},
        ]
        assert answer["relations"] == [{"title": "instance", "group": ["7", "7:kp:0", "7:kp:2"]}]

    def test_write__flat_shape(self, tmp_path: Path) -> None:
        payload = _write(tmp_path, "ango-flat")
        assert isinstance(payload, list)
        assert set(payload[0]) == {"externalId", "objects", "classifications", "relations"}
        assert validation.validate(payload) == "ango-import-flat"

    def test_write__schema_map_sets_schema_ids(self, tmp_path: Path) -> None:
        entries = {
            "car": "c" * 23,
            "car:polygon": "p" * 23,
            "car:segmentation": "s" * 23,
            "car:rotated-bounding-box": "r" * 23,
            "car:polyline": "l" * 23,
            "person": "h" * 23,
            "person:point": "k" * 23,
            "keypoint": "q1",
            "visibility": "q2",
            "instance": "rel",
            "weather": "w",
            "occluded": "o",
            "iscrowd": "ic",
        }
        payload = _write(tmp_path, schema_map=_schema_map(tmp_path, entries))
        objects = payload["labels"][0]["answer"]["objects"]
        assert [o["schemaId"] for o in objects[:3]] == ["c" * 23, "p" * 23, "s" * 23]
        assert objects[0]["classifications"] == [
            {"schemaId": "o", "title": "occluded", "answer": "1"}
        ]
        assert payload["labels"][0]["answer"]["classifications"][0]["schemaId"] == "w"

    def test_write__unmapped_classes_listed_and_no_output(self, tmp_path: Path) -> None:
        with pytest.raises(ConversionError) as info:
            _write(tmp_path, schema_map=_schema_map(tmp_path, {"car": "c1"}))
        message = str(info.value)
        assert "person (bounding-box) x1; person (point) x3" in message
        assert "weather (classification) x1" in message
        assert "car" not in message.split(": ", 1)[1]
        assert "title_only=True" in message
        assert not (tmp_path / "payload.json").exists()

    def test_write__title_only_accepts_unmapped(self, tmp_path: Path) -> None:
        payload = _write(tmp_path, schema_map=_schema_map(tmp_path, {"car": "c1"}), title_only=True)
        assert payload["labels"][0]["answer"]["objects"][0]["schemaId"] == "c1"

    def test_write__needs_project(self, tmp_path: Path) -> None:
        with pytest.raises(ConversionError, match="needs a project id"):
            ango_convert.write(tiny_dataset(), tmp_path / "x.json", "ango")

    def test_write__external_id_stem(self, tmp_path: Path) -> None:
        payload = _write(tmp_path, external_id="stem")
        assert payload["labels"][1]["externalId"] == "ünï cödé"


def validation_keys() -> set[str]:
    return {"bounding-box", "rotated-bounding-box", "polygon", "polyline", "point", "segmentation"}


class TestRoundTrip:
    @pytest.mark.parametrize("fmt", ["ango", "ango-flat"])
    def test_roundtrip__geometry_kept(self, tmp_path: Path, fmt: str) -> None:
        _write(tmp_path, fmt)
        back = list(ango_convert.read(tmp_path / "payload.json").items)
        original = list(tiny_dataset().items)
        assert [item.file_name for item in back] == [item.file_name for item in original]
        box = back[0].annotations[0]
        assert isinstance(box, Box)
        assert (box.x, box.y, box.width, box.height) == (10, 20.5, 100, 50.25)
        holes = next(a for a in back[0].annotations if isinstance(a, Polygon) and len(a.zones) == 2)
        assert holes.zones[0].holes == (((120, 120), (150, 120), (150, 150)),)
        assert holes.attributes["coco:iscrowd"] == 1
        pose = next(a for a in back[0].annotations if isinstance(a, Keypoints))
        assert pose.points[0] == (60, 70, 2) and pose.points[-1] == (66, 71, 1)
        assert pose.group == "7"
        rotated = next(a for a in back[1].annotations if isinstance(a, RotatedBox))
        assert math.isclose(rotated.cx, 50) and math.isclose(rotated.angle, -30)
        assert back[0].classifications[0].answer == "sunny"


class TestRotatedPivot:
    def test_corner_pivot__top_left_is_xy(self) -> None:
        box = RotatedBox(category_id=0, cx=10, cy=10, width=4, height=2, angle=90)
        value = rotated_box_to_ango(box)
        # Rotating a 4x2 box 90 degrees clockwise about its centre puts its own
        # top-left corner at the screen's top-right: (11, 8).
        assert (round(value["x"], 9), round(value["y"], 9)) == (11, 8)
        back = rotated_box_from_ango(value, category_id=0)
        assert math.isclose(back.cx, 10) and math.isclose(back.cy, 10)

    def test_center_pivot__unrotated_top_left(self) -> None:
        box = RotatedBox(category_id=0, cx=10, cy=10, width=4, height=2, angle=45)
        value = rotated_box_to_ango(box, "center")
        assert (value["x"], value["y"]) == (8, 9)


class TestRead:
    def test_read__bad_payload_lists_all_issues(self, tmp_path: Path) -> None:
        bad = {
            "project": "p",
            "labels": [
                {"answer": {"objects": [{"title": "car"}]}},
                {"externalId": "", "answer": {}},
            ],
        }
        path = tmp_path / "bad.json"
        path.write_text(json.dumps(bad))
        with pytest.raises(SchemaValidationError) as info:
            ango_convert.read(path, "ango")
        paths = [issue.json_path for issue in info.value.issues]
        assert "$.labels[0]" in paths and "$.labels[0].answer.objects[0]" in paths
        assert "$.labels[1].externalId" in paths

    def test_read__unknown_tool_named_with_record(self, tmp_path: Path) -> None:
        flat = [
            {
                "externalId": "a.jpg",
                "objects": [
                    {"title": "x", "bounding-box": {"x": 0, "y": 0, "width": 1, "height": 1}},
                    {"title": "t", "ner": {"start": 1}},
                ],
            }
        ]
        path = tmp_path / "flat.json"
        path.write_text(json.dumps(flat))
        with pytest.raises(
            ReadError, match=r"record 0 \(externalId 'a.jpg'\): objects\[1\]: tool 'ner'"
        ):
            ango_convert.read(path, "ango-flat", validate=False)

    def test_read__negative_box_normalised(self, tmp_path: Path) -> None:
        flat = [
            {
                "externalId": "a.jpg",
                "objects": [
                    {"title": "x", "bounding-box": {"x": 10, "y": 10, "width": -4, "height": -6}}
                ],
            }
        ]
        path = tmp_path / "flat.json"
        path.write_text(json.dumps(flat))
        box = next(iter(ango_convert.read(path))).annotations[0]
        assert isinstance(box, Box)
        assert (box.x, box.y, box.width, box.height) == (6, 4, 4, 6)

    def test_read__not_a_payload(self, tmp_path: Path) -> None:
        path = tmp_path / "x.json"
        path.write_text('{"hello": 1}')
        with pytest.raises(ReadError, match=r"x.json: \$: not an Ango label-import payload"):
            ango_convert.read(path, "ango")


CATEGORIES = (Category(id=1, name="cat"), Category(id=2, name="dog", keypoint_names=("a", "b")))
ONTOLOGY = Ontology(tools=[ToolEntry(title="dog", tool="bounding-box", schema_id="S-dog")])


def _box_object(**sides: object) -> dict[str, Any]:
    return {"title": "cat", "bounding-box": {"x": 1, "y": 2, "width": 3, "height": 4, **sides}}


def _decode(*objects: Any, relations: tuple[Any, ...] = ()) -> list[Any]:
    return AngoDecoder(CATEGORIES, ONTOLOGY).decode_objects(objects, relations)


def _refusal(*objects: Any) -> str:
    with pytest.raises(ValueError) as info:
        _decode(*objects)
    return str(info.value)


class TestDecodeObjects:
    def test_plain_box__exact_box_with_ids(self) -> None:
        obj = {**_box_object(), "schemaId": "S-cat", "objectId": "o1", "classifications": []}
        assert _decode(obj) == [
            Box(
                category_id=1,
                x=1,
                y=2,
                width=3,
                height=4,
                attributes={"ango:schemaId": "S-cat", "ango:objectId": "o1"},
            )
        ]

    def test_plain_box__schema_id_names_the_class_before_the_title(self) -> None:
        (box,) = _decode({**_box_object(), "schemaId": "S-dog", "title": "not used"})
        assert box.category_id == 2

    def test_negative_sizes_turned_around(self) -> None:
        (box,) = _decode(_box_object(width=-3, height=-4))
        assert (box.x, box.y, box.width, box.height) == (-2, -2, 3, 4)
        # The same rule for a box in an instance group (the general constructor).
        grouped = {**_box_object(width=-3), "objectId": "p:kp:9"}
        (box,) = _decode(grouped)
        assert (box.x, box.width, box.group) == (-2, 3, "p")

    def test_finite_sides_whose_sum_overflows_are_kept(self) -> None:
        (box,) = _decode(_box_object(x=1e308, width=1e308))
        assert (box.x, box.width) == (1e308, 1e308)

    def test_object_extras_become_attributes(self) -> None:
        obj = {
            **_box_object(),
            "page": 2,
            "classifications": [
                {"title": "iscrowd", "answer": "yes"},
                {"title": "colour", "answer": "red", "classifications": [{"title": "shade"}]},
            ],
        }
        (box,) = _decode(obj)
        assert box.attributes == {
            "ango:page": 2,
            "coco:iscrowd": 1,
            "colour": "red",
            "colour/shade": None,
        }

    @pytest.mark.parametrize(
        ("sides", "message"),
        [
            ({"width": math.nan}, "objects[0].bounding-box.width must be a finite number, got nan"),
            ({"x": -math.inf}, "objects[0].bounding-box.x must be a finite number, got -inf"),
            ({"width": "10"}, "objects[0].bounding-box.width must be a number, got '10'"),
            ({"height": True}, "objects[0].bounding-box.height must be a number, got True"),
            ({"y": None}, "objects[0].bounding-box.y must be a number, got None"),
            ({"x": 10**400}, "objects[0].bounding-box.x must be a finite number, got 1000"),
        ],
        ids=["nan", "inf", "string", "boolean", "null", "int-past-float"],
    )
    def test_bad_side_refused_with_its_path(self, sides: dict[str, Any], message: str) -> None:
        assert _refusal(_box_object(**sides)).startswith(message)

    def test_bad_box_values_refused_with_their_path(self) -> None:
        missing = {"title": "cat", "bounding-box": {"x": 1, "y": 2, "width": 3}}
        assert _refusal(_box_object(), missing) == "objects[1].bounding-box.height is missing"
        listed = {"title": "cat", "bounding-box": [1, 2, 3, 4]}
        assert _refusal(listed) == "objects[0].bounding-box must be an object, got an array"
        assert _refusal([1]) == "objects[0] must be an object, got an array"

    def test_object_level_faults_name_the_object(self) -> None:
        assert _refusal({**_box_object(), "title": "bird"}) == (
            "objects[0]: class 'bird' is not in the category list"
        )
        for title in (7, "", ["cat"]):  # a list cannot key the class cache: looked up each time
            assert _refusal({**_box_object(), "title": title, "schemaId": 3}) == (
                "objects[0]: object has neither a title nor a schemaId"
            )
        assert _refusal({"title": "cat", "segmentation": {}}).startswith(
            "objects[0]: segmentation has no zones"
        )

    @pytest.mark.parametrize(
        ("obj", "message"),
        [
            (
                {"title": "cat", "polygon": [[0, 0], [1, 0], [1]]},
                "objects[0].polygon[2] must be [x, y], got [1]",
            ),
            (
                {"title": "cat", "polyline": [[0, 0], [1, math.inf]]},
                "objects[0].polyline[1][1] must be a finite number, got inf",
            ),
            (
                {"title": "cat", "point": "1,2"},
                "objects[0].point must be [x, y], got '1,2'",
            ),
            (
                {"title": "cat", "segmentation": {"zones": [{"region": None}]}},
                "objects[0].segmentation.zones[0].region must be a list of [x, y] points, got null",
            ),
            (
                {"title": "cat", "rotated-bounding-box": {"x": 1, "y": 2, "width": 3, "height": 4}},
                "objects[0].rotated-bounding-box.rotation is missing",
            ),
        ],
        ids=["polygon-point", "polyline-inf", "point", "segmentation-region", "rotation"],
    )
    def test_other_geometry_refused_with_its_path(self, obj: dict[str, Any], message: str) -> None:
        assert _refusal(obj) == message

    def test_keypoints_regrouped_and_their_faults_located(self) -> None:
        def keypoint(index: int, name: str, point: object) -> dict[str, Any]:
            nested = [
                {"title": "keypoint", "answer": name},
                {"title": "visibility", "answer": "occluded"},
            ]
            return {
                "title": "dog",
                "objectId": f"7:kp:{index}",
                "point": point,
                "classifications": nested,
            }

        head = {**_box_object(), "title": "dog", "objectId": "7"}
        box, pose = _decode(head, keypoint(1, "b", [3, 4]))
        assert box.group == pose.group == "7"
        assert pose == Keypoints(category_id=2, points=((0, 0, 0), (3, 4, 1)), group="7")
        assert _refusal(head, keypoint(0, "a", [1])) == "objects[1].point must be [x, y], got [1]"
        assert _refusal(head, keypoint(0, "z", [1, 2])).startswith(
            "objects[1]: keypoint 'z' is not one of"
        )

    def test_read__refusal_names_record_and_path(self, tmp_path: Path) -> None:
        flat = [{"externalId": "a.jpg", "objects": [_box_object(width="10")]}]
        path = tmp_path / "flat.json"
        path.write_text(json.dumps(flat))
        with pytest.raises(ReadError) as info:
            ango_convert.read(path, "ango-flat", validate=False)
        assert str(info.value) == (
            f"{path}: record 0 (externalId 'a.jpg'): "
            "objects[0].bounding-box.width must be a number, got '10'"
        )


NUMBERS = st.one_of(
    st.integers(-5, 5),
    st.floats(-1e3, 1e3),
    st.sampled_from([1e308, -1e308, math.inf, math.nan, 10**400, True, None, "3", [1]]),
)
NEAR_USUAL_OBJECTS = st.fixed_dictionaries(
    {
        "bounding-box": st.one_of(
            st.dictionaries(st.sampled_from(["x", "y", "width", "height", "rotation"]), NUMBERS),
            st.just([1, 2, 3, 4]),
        )
    },
    optional={
        "title": st.sampled_from(["cat", "dog", "bird", "", 7, ["cat"]]),
        "schemaId": st.sampled_from(["S-dog", "S-none", None, 3]),
        "objectId": st.sampled_from(["a1", "p:kp:0", 5, None]),
        "classifications": st.sampled_from([[], None, [{"title": "iscrowd", "answer": "yes"}]]),
        "page": st.just(2),
    },
)


@settings(max_examples=300, deadline=None)
@given(st.lists(NEAR_USUAL_OBJECTS, max_size=4))
def test_objects_decode_upright_or_are_refused_with_their_place(objects: list[Any]) -> None:
    refusal = None
    try:
        decoded = _decode(*objects)
    except ValueError as exc:  # nothing else may escape (no KeyError, no OverflowError)
        decoded, refusal = [], str(exc)
    if refusal is not None:
        place = re.match(r"objects\[(\d+)\]", refusal)
        assert place is not None and int(place[1]) < len(objects), refusal
        return
    assert len(decoded) == len(objects)
    for box, obj in zip(decoded, objects, strict=True):
        sides = obj["bounding-box"]
        assert isinstance(box, Box)
        assert (box.x, box.width) == (
            min(sides["x"], sides["x"] + sides["width"]),
            abs(sides["width"]),
        )
        assert (box.y, box.height) == (
            min(sides["y"], sides["y"] + sides["height"]),
            abs(sides["height"]),
        )
