"""Pascal VOC writing: a VOCdevkit layout, exact numbers, safe names, what VOC cannot
hold, and round trips through Ango and COCO."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ango_convert
from ango_convert.errors import ConversionError, OutputError, UnsupportedAnnotationError
from ango_convert.formats import voc
from ango_convert.formats.numbers import format_number
from ango_convert.model import Box, Category, Dataset, Item, Keypoints, Polygon, Zone
from tests.conftest import GOLDEN
from tests.converters.formats_helpers import VOC, as_floats, bndboxes, boxes_of
from tests.converters.golden_tree import assert_tree_matches
from tests.ir_samples import HOSTILE_NAMES, tiny_dataset


class TestVocWrite:
    def test_write__golden_voc_to_voc(self, tmp_path: Path, update_golden: bool) -> None:
        report = ango_convert.write(ango_convert.read(VOC), tmp_path / "out", "voc")
        assert (report.items, report.annotations) == (4, 4)
        assert_tree_matches(tmp_path / "out", GOLDEN / "voc" / "voc_to_voc", update_golden)

    def test_write__golden_voc_to_yolo(self, tmp_path: Path, update_golden: bool) -> None:
        ango_convert.write(
            ango_convert.read(VOC), tmp_path / "out", "yolo", images_dir=VOC / "JPEGImages"
        )
        assert_tree_matches(tmp_path / "out", GOLDEN / "voc" / "voc_to_yolo", update_golden)

    def test_roundtrip__numbers_identical(self, tmp_path: Path) -> None:
        ango_convert.write(ango_convert.read(VOC), tmp_path / "out", "voc")
        written = bndboxes(tmp_path / "out")
        assert written["000002.png"] == [["cat", "10.5", "4.25", "40.75", "30"]]
        assert written["000001.jpg"][0] == ["dog", "48", "240", "195", "371"]
        assert boxes_of(voc.read.read(tmp_path / "out")) == boxes_of(voc.read.read(VOC))

    def test_roundtrip__inclusive_both_ways(self, tmp_path: Path) -> None:
        dataset = voc.read.read(VOC, pixel_convention="inclusive")
        voc.write.write(dataset, tmp_path / "out", pixel_convention="inclusive")
        assert as_floats(bndboxes(tmp_path / "out")) == as_floats(bndboxes(VOC))
        # Continuous IR [0, 10) is VOC pixels 1..10 inclusive.
        item = Item(
            id="a",
            file_name="a.jpg",
            width=20,
            height=20,
            annotations=(Box(category_id=1, x=0, y=5, width=10, height=2.5),),
        )
        single = Dataset(categories=(Category(id=1, name="cat"),), items=(item,))
        voc.write.write(single, tmp_path / "one", pixel_convention="inclusive", images="none")
        assert bndboxes(tmp_path / "one")["a.jpg"] == [["cat", "1", "6", "10", "7.5"]]

    def test_write__no_float_noise(self, tmp_path: Path) -> None:
        item = Item(
            id="a",
            file_name="a.jpg",
            annotations=(Box(category_id=1, x=0.1 + 0.2, y=1e-12, width=2.675, height=100.0),),
        )
        dataset = Dataset(categories=(Category(id=1, name="cat"),), items=(item,))
        voc.write.write(dataset, tmp_path / "out", images="none")
        assert bndboxes(tmp_path / "out")["a.jpg"] == [["cat", "0.3", "0", "2.975", "100"]]
        assert format_number(-0.0) == "0" and format_number(1 / 3) == "0.333333333"

    @given(
        st.one_of(
            st.floats(allow_nan=False, allow_infinity=False),
            st.integers(-(10**6), 10**6).map(lambda n: n / 1000),  # short decimals
            st.integers(-(10**9), 10**9).map(float),
        )
    )
    def test_format_number__shortcut_prints_what_rounding_prints(self, value: float) -> None:
        rounded = round(value, 9)
        expected = str(int(rounded)) if rounded == int(rounded) else repr(rounded)
        assert format_number(value) == expected

    def test_write__refuses_what_voc_cannot_hold(self, tmp_path: Path) -> None:
        with pytest.raises(UnsupportedAnnotationError) as info:
            voc.write.write(tiny_dataset(), tmp_path / "out")
        assert info.value.counts == {
            "classification": 1,
            "point": 1,
            "polygon": 2,
            "polyline": 1,
            "rotated-box": 1,
            "keypoints": 1,
        }
        assert not (tmp_path / "out").exists()

    def test_write__approximate_counts_and_boxes(self, tmp_path: Path) -> None:
        report = voc.write.write(
            tiny_dataset(), tmp_path / "out", on_unsupported="approximate", images="none"
        )
        assert report.approximated == {"polygon": 2, "polyline": 1, "rotated-box": 1}
        # The pose's keypoints share a group with a box: left out, not a second box.
        assert report.skipped == {"classification": 1, "point": 1, "keypoints": 1}
        written = bndboxes(tmp_path / "out")
        assert written[HOSTILE_NAMES[0]][1] == ["car", "1", "1", "30", "40"]
        rotated = written[HOSTILE_NAMES[1]][0]
        half_w = 20 * math.cos(math.radians(30)) + 10 * math.sin(math.radians(30))
        assert float(rotated[1]) == pytest.approx(50 - half_w)

    def test_write__skip(self, tmp_path: Path) -> None:
        report = voc.write.write(
            tiny_dataset(), tmp_path / "out", on_unsupported="skip", images="none"
        )
        assert report.annotations == 2
        assert report.skipped["polygon"] == 2

    def test_write__unpaired_keypoints_approximated(self, tmp_path: Path) -> None:
        pose = Keypoints(category_id=1, points=((1, 2, 2), (5, 9, 1), (0, 0, 0)))
        item = Item(id="a", file_name="a.jpg", annotations=(pose,))
        dataset = Dataset(categories=(Category(id=1, name="p"),), items=(item,))
        voc.write.write(dataset, tmp_path / "out", on_unsupported="approximate", images="none")
        assert bndboxes(tmp_path / "out")["a.jpg"] == [["p", "1", "2", "5", "9"]]

    def test_write__hostile_and_duplicate_names(self, tmp_path: Path) -> None:
        names = ["a/x.jpg", "b/x.jpg", "X.png", "../../etc/passwd", "dots.v1.final.jpg"]
        items = tuple(Item(id=str(i), file_name=name) for i, name in enumerate(names))
        dataset = Dataset(categories=(), items=items)
        report = voc.write.write(dataset, tmp_path / "out", default_split="test", images="none")
        xmls = sorted(p.name for p in (tmp_path / "out" / "Annotations").iterdir())
        # Case-insensitive: X.png takes the third slot of x.xml.
        assert xmls == ["X_2.xml", "dots.v1.final.xml", "passwd.xml", "x.xml", "x_1.xml"]
        assert sorted(bndboxes(tmp_path / "out")) == sorted(names)
        assert (tmp_path / "out/ImageSets/Main/test.txt").read_text().split() == [
            "x",
            "x_1",
            "X_2",
            "passwd",
            "dots.v1.final",
        ]
        assert "Annotations/X_2.xml" in report.files
        assert not (tmp_path / "etc").exists()

    def test_write__unicode_names_round_trip(self, tmp_path: Path) -> None:
        voc.write.write(tiny_dataset(), tmp_path / "out", on_unsupported="skip", images="none")
        back = voc.read.read(tmp_path / "out")
        assert sorted(item.file_name for item in back) == sorted(HOSTILE_NAMES)

    def test_write__images_into_jpegimages(self, tmp_path: Path) -> None:
        dataset = voc.read.read(VOC)
        report = voc.write.write(dataset, tmp_path / "a")
        assert (tmp_path / "a" / "JPEGImages" / "000002.png").is_file()
        assert report.warnings[0].startswith("3 image(s) not found: '000001.jpg'")
        only = Dataset(categories=dataset.categories, items=[i for i in dataset if i.width == 64])
        voc.write.write(only, tmp_path / "s", images="symlink", images_dir=VOC / "JPEGImages")
        assert (tmp_path / "s" / "JPEGImages" / "000002.png").is_symlink()
        voc.write.write(dataset, tmp_path / "b", images="none")
        assert not (tmp_path / "b" / "JPEGImages").exists()
        with pytest.raises(ConversionError, match=r"3 image\(s\) not found"):
            voc.write.write(dataset, tmp_path / "c", images="copy")
        # Nothing found at all: refused (it could not train), naming the ways out.
        item = Item(id="x", file_name="x.jpg")
        nothing = Dataset(categories=(), items=(item,))
        with pytest.raises(ConversionError, match=r"any of the 1 item\(s\)") as caught:
            voc.write.write(nothing, tmp_path / "d")
        assert "images='none'" in str(caught.value) and "images_dir='DIR'" in str(caught.value)
        assert not (tmp_path / "d").exists()
        assert voc.write.write(nothing, tmp_path / "d", images="none").warnings == []

    def test_write__missing_category(self, tmp_path: Path) -> None:
        item = Item(
            id="a",
            file_name="a.jpg",
            annotations=(Box(category_id=9, x=0, y=0, width=1, height=1),),
        )
        with pytest.raises(ConversionError, match="category id 9"):
            voc.write.write(Dataset(categories=(), items=(item,)), tmp_path / "out")

    def test_write__refuses_non_empty_folder(self, tmp_path: Path) -> None:
        (tmp_path / "out").mkdir()
        (tmp_path / "out" / "keep.txt").write_text("mine")
        with pytest.raises(OutputError, match="not empty"):
            voc.write.write(voc.read.read(VOC), tmp_path / "out")
        voc.write.write(voc.read.read(VOC), tmp_path / "out", overwrite=True)
        assert not (tmp_path / "out" / "keep.txt").exists()

    def test_write__polygon_with_attributes_to_cvat_attributes(self, tmp_path: Path) -> None:
        polygon = Polygon(
            category_id=1,
            zones=(Zone(outer=((0, 0), (4, 0), (4, 3))),),
            attributes={"colour": "red", "parked": True, "coco:id": 5},
        )
        item = Item(id="a", file_name="a.jpg", annotations=(polygon,))
        dataset = Dataset(categories=(Category(id=1, name="car"),), items=(item,))
        voc.write.write(dataset, tmp_path / "out", on_unsupported="approximate", images="none")
        back = next(iter(voc.read.read(tmp_path / "out"))).annotations[0]
        assert back.attributes == {"colour": "red", "parked": "true"}


class TestVocThroughOtherFormats:
    @pytest.mark.parametrize("shape", ["ango", "ango-flat"])
    def test_voc_to_ango_to_voc__exact(self, tmp_path: Path, shape: str) -> None:
        options: dict[str, object] = {"title_only": True}
        if shape == "ango":
            options["project"] = "507f1f77bcf86cd799439011"
        ango_convert.convert(VOC, tmp_path / "p.json", to=shape, write_options=options)
        ango_convert.convert(
            tmp_path / "p.json",
            tmp_path / "v",
            to="voc",
            from_format=shape,
            write_options={"images": "none"},
        )
        assert as_floats(bndboxes(tmp_path / "v")) == as_floats(bndboxes(VOC))
        # The flags travel as nested classifications and come back as VOC flags.
        back = {item.file_name: item for item in voc.read.read(tmp_path / "v")}
        assert back["000001.jpg"].annotations[1].attributes["difficult"] == 1
        assert back["000002.png"].annotations[0].attributes["occluded"] == 1

    def test_voc_flags_to_ango_with_schema_map_and_back(self, tmp_path: Path) -> None:
        schema_map = tmp_path / "map.yaml"
        schema_map.write_text(
            "cat: '1001'\ndog: '1002'\nperson: '1003'\ntraffic light: '1004'\n"
            "difficult: '2001'\ntruncated: '2002'\noccluded: '2003'\npose: '2004'\n"
        )
        options = {"schema_map": schema_map, "project": "507f1f77bcf86cd799439011"}
        ango_convert.convert(VOC, tmp_path / "p.json", to="ango", write_options=options)
        labels = json.loads((tmp_path / "p.json").read_text())["labels"]
        person = labels[0]["answer"]["objects"][1]
        assert person["schemaId"] == "1003"
        assert {"schemaId": "2001", "title": "difficult", "answer": "1"} in person[
            "classifications"
        ]
        read_options = {"schema_map": schema_map}
        ango_convert.convert(
            tmp_path / "p.json",
            tmp_path / "v",
            to="voc",
            read_options=read_options,
            write_options={"images": "none"},
        )
        back = {item.file_name: item for item in voc.read.read(tmp_path / "v")}
        assert back["000001.jpg"].annotations[0].attributes == {"truncated": 1, "pose": "Left"}
        assert back["000002.png"].annotations[0].attributes == {"occluded": 1}

    def test_parts_as_json_text_are_written(self, tmp_path: Path) -> None:
        part = '{"name": "head", "xmin": 1, "ymin": 2, "xmax": 3, "ymax": 4}'
        box = Box(category_id=1, x=0, y=0, width=9, height=9, attributes={"parts": [part, "x"]})
        item = Item(id="a", file_name="a.jpg", annotations=(box,))
        voc.write.write(
            Dataset(categories=(Category(id=1, name="p"),), items=(item,)),
            tmp_path / "o",
            images="none",
        )
        back = next(iter(voc.read.read(tmp_path / "o"))).annotations[0]
        assert back.attributes["parts"] == [
            {"name": "head", "xmin": 1, "ymin": 2, "xmax": 3, "ymax": 4}
        ]

    def test_voc_to_coco_to_voc__exact(self, tmp_path: Path) -> None:
        ango_convert.convert(VOC, tmp_path / "c.json", to="coco")
        ango_convert.convert(
            tmp_path / "c.json", tmp_path / "v", to="voc", write_options={"images": "none"}
        )
        assert as_floats(bndboxes(tmp_path / "v")) == as_floats(bndboxes(VOC))

    def test_coco_to_voc(self, tmp_path: Path) -> None:
        ango_convert.write(tiny_dataset(), tmp_path / "c.json", "coco", on_unsupported="skip")
        report = ango_convert.convert(
            tmp_path / "c.json",
            tmp_path / "v",
            to="voc",
            write_options={"images": "none", "on_unsupported": "skip"},
        )
        assert report.items == 3
        assert bndboxes(tmp_path / "v")[HOSTILE_NAMES[0]][0] == [
            "car",
            "10",
            "20.5",
            "110",
            "70.75",
        ]


class TestVocProperties:
    @settings(max_examples=50, deadline=None)
    @given(
        corners=st.tuples(*[st.integers(0, 10**7)] * 2, *[st.integers(1, 10**7)] * 2).map(
            lambda t: [v / 1000 for v in t]
        ),
        convention=st.sampled_from(["continuous", "inclusive"]),
    )
    def test_write_read__exact_in_either_convention(
        self, tmp_path_factory: pytest.TempPathFactory, corners: list[float], convention: str
    ) -> None:
        x, y, w, h = corners
        box = Box(category_id=1, x=x, y=y, width=w, height=h)
        item = Item(id="a", file_name="a.jpg", annotations=(box,))
        dataset = Dataset(categories=(Category(id=1, name="c"),), items=(item,))
        folder = tmp_path_factory.mktemp("voc")
        voc.write.write(dataset, folder / "o", pixel_convention=convention, images="none")  # type: ignore[arg-type]
        back = next(iter(voc.read.read(folder / "o", pixel_convention=convention))).annotations[0]  # type: ignore[arg-type]
        assert isinstance(back, Box)
        assert (back.x, back.y, back.width, back.height) == pytest.approx((x, y, w, h), abs=1e-9)
