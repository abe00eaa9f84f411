"""Pascal VOC: reading real-world quirks, the pixel convention both ways, safe XML,
writing a VOCdevkit layout, and what VOC cannot hold."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

import ango_convert
from ango_convert.cli.main import cli
from ango_convert.converters import _voc_read, voc
from ango_convert.converters._approx import format_number
from ango_convert.errors import ConversionError, OutputError, ReadError, UnsupportedAnnotationError
from ango_convert.model import Box, Category, Dataset, Item, Keypoints, Polygon, Zone
from tests import imagebytes
from tests.conftest import GOLDEN, SAMPLES
from tests.converters.golden_tree import assert_tree_matches
from tests.ir_samples import HOSTILE_NAMES, tiny_dataset

VOC = SAMPLES / "voc"


def xml(body: str, *, size: str = "<size><width>100</width><height>80</height></size>") -> str:
    return f"<annotation><filename>img.jpg</filename>{size}{body}</annotation>"


def obj(name: str, box: tuple[object, ...], extra: str = "") -> str:
    xmin, ymin, xmax, ymax = box
    return (
        f"<object><name>{name}</name>{extra}<bndbox><xmin>{xmin}</xmin><ymin>{ymin}</ymin>"
        f"<xmax>{xmax}</xmax><ymax>{ymax}</ymax></bndbox></object>"
    )


def write_xml(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def boxes_of(dataset: Dataset) -> dict[str, list[tuple[str, float, float, float, float]]]:
    names = {category.id: category.name for category in dataset.categories}
    return {
        item.file_name: [
            (names[a.category_id], a.x, a.y, a.width, a.height)
            for a in item.annotations
            if isinstance(a, Box)
        ]
        for item in dataset
    }


def bndboxes(folder: Path) -> dict[str, list[list[str]]]:
    """Every object's name and bndbox text, per <filename>, straight from the XML."""
    result = {}
    for path in sorted((folder / "Annotations").glob("*.xml")):
        root = etree.parse(str(path)).getroot()
        result[root.findtext("filename") or ""] = [
            [o.findtext("name") or ""]
            + [o.findtext(f"bndbox/{t}") or "" for t in ("xmin", "ymin", "xmax", "ymax")]
            for o in root.iterfind("object")
        ]
    return result


def as_floats(boxes: dict[str, list[list[str]]]) -> dict[str, list[list[object]]]:
    return {k: [[row[0], *map(float, row[1:])] for row in v] for k, v in boxes.items()}


class TestVocRead:
    def test_read__sample_quirks(self) -> None:
        dataset = ango_convert.read(VOC)
        assert [c.name for c in dataset.categories] == ["cat", "dog", "person", "traffic light"]
        items = {item.id: item for item in dataset}
        assert sorted(items) == ["000001", "000002", "000003", "street scene 4"]
        # <size> missing: the PNG next door gives 64 x 48; float corners kept as floats.
        no_size = items["000002"]
        assert (no_size.width, no_size.height) == (64, 48)
        cat = no_size.annotations[0]
        assert isinstance(cat, Box)
        assert (cat.x, cat.y, cat.width, cat.height) == (10.5, 4.25, 30.25, 25.75)
        assert cat.attributes == {"occluded": 1}
        assert items["000003"].annotations == ()
        assert items["street scene 4"].file_name == "street scene 4.jpg"
        light = items["street scene 4"].annotations[0]
        assert light.attributes == {"pose": "Frontal", "colour": "red"}

    def test_read__flags_pose_and_parts(self) -> None:
        item = next(i for i in ango_convert.read(VOC) if i.id == "000001")
        dog, person = item.annotations
        assert dog.attributes == {"truncated": 1, "pose": "Left"}
        assert person.attributes == {
            "difficult": 1,
            "parts": [{"name": "head", "xmin": 100, "ymin": 20, "xmax": 160, "ymax": 90}],
        }
        assert item.attributes["voc:folder"] == "VOC2007"

    def test_read__splits_from_imagesets(self) -> None:
        splits = {item.id: item.attributes.get("split") for item in ango_convert.read(VOC)}
        # train/val win over trainval; the per-class list dog_train.txt is not a split.
        assert splits == {
            "000001": "train",
            "000002": "val",
            "000003": "val",
            "street scene 4": "train",
        }

    def test_read__continuous_convention_by_hand(self, tmp_path: Path) -> None:
        path = write_xml(tmp_path, "a.xml", xml(obj("cat", (1, 2, 10, 20))))
        box = next(iter(voc.read(path))).annotations[0]
        assert isinstance(box, Box)
        assert (box.x, box.y, box.width, box.height) == (1, 2, 9, 18)

    def test_read__inclusive_convention_by_hand(self, tmp_path: Path) -> None:
        # Pixels 1..10 inclusive, 1-based, are IR columns [0, 10): x=0, width=10.
        path = write_xml(tmp_path, "a.xml", xml(obj("cat", (1, 2, 10, 20))))
        box = next(iter(voc.read(path, pixel_convention="inclusive"))).annotations[0]
        assert isinstance(box, Box)
        assert (box.x, box.y, box.width, box.height) == (0, 1, 10, 19)

    def test_read__no_size_and_no_image_leaves_size_unknown(self, tmp_path: Path) -> None:
        path = write_xml(tmp_path, "a.xml", xml(obj("cat", (1, 2, 10, 20)), size=""))
        item = next(iter(voc.read(path)))
        assert (item.width, item.height) == (None, None)

    def test_read__zero_size_uses_images_dir(self, tmp_path: Path) -> None:
        zero = "<size><width>0</width><height>0</height><depth>3</depth></size>"
        path = write_xml(tmp_path / "ann", "a.xml", xml("", size=zero))
        (tmp_path / "imgs").mkdir()
        (tmp_path / "imgs" / "img.jpg").write_bytes(imagebytes.jpeg(321, 123, exif_bytes=5000))
        item = next(iter(voc.read(path, images_dir=tmp_path / "imgs")))
        assert (item.width, item.height) == (321, 123)

    def test_read__missing_filename_found_by_stem(self, tmp_path: Path) -> None:
        write_xml(tmp_path / "Annotations", "pic.xml", "<annotation><size/></annotation>")
        (tmp_path / "JPEGImages").mkdir()
        (tmp_path / "JPEGImages" / "pic.gif").write_bytes(imagebytes.gif(7, 9))
        item = next(iter(voc.read(tmp_path)))
        assert (item.file_name, item.width, item.height) == ("pic.gif", 7, 9)
        (tmp_path / "JPEGImages" / "pic.gif").unlink()
        with pytest.raises(ReadError, match="no <filename>, and no image named like the file"):
            voc.read(tmp_path)

    def test_read__unusable_filename_is_kept_not_followed(self, tmp_path: Path) -> None:
        text = "<annotation><filename>../..</filename></annotation>"
        item = next(iter(voc.read(write_xml(tmp_path, "a.xml", text))))
        assert (item.file_name, item.width) == ("../..", None)

    def test_read__folder_of_xml_and_class_names_order(self, tmp_path: Path) -> None:
        write_xml(tmp_path, "b.xml", xml(obj("zebra", (0, 0, 1, 1))))
        write_xml(tmp_path, "a.xml", xml(obj("ant", (0, 0, 1, 1))))
        dataset = voc.read(tmp_path, class_names=["zebra", "ant", "unused"])
        assert [(c.id, c.name) for c in dataset.categories] == [
            (1, "zebra"),
            (2, "ant"),
            (3, "unused"),
        ]
        with pytest.raises(ReadError, match="class 'ant' is not in class_names"):
            voc.read(tmp_path, class_names=["zebra"])

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            (obj("cat", (1, 2, "ten", 20)), r"line 1: <xmax> is not a number: 'ten'"),
            (obj("cat", (10, 2, 1, 20)), r"xmax/ymax \(1.0, 20.0\) is below"),
            (obj("cat", (1, 2, "nan", 20)), "must be finite"),
            ("<object><name>cat</name></object>", "has no <bndbox>"),
            (obj("", (1, 2, 3, 4)), "<object> has no <name>"),
            (obj("cat", (1, 2, 3, 4), "<difficult>maybe</difficult>"), "must be 0 or 1"),
        ],
        ids=["not-a-number", "inverted", "nan", "no-bndbox", "no-name", "bad-flag"],
    )
    def test_read__bad_objects_are_located(self, tmp_path: Path, body: str, message: str) -> None:
        path = write_xml(tmp_path, "bad file.xml", xml(body))
        with pytest.raises(ReadError, match=message) as info:
            voc.read(path)
        assert "bad file.xml" in str(info.value)

    def test_read__broken_xml_names_the_line(self, tmp_path: Path) -> None:
        path = write_xml(tmp_path, "a.xml", "<annotation>\n<filename>x</filename>\n<object>")
        with pytest.raises(ReadError, match=r"a.xml: line \d+: invalid XML"):
            voc.read(path)

    def test_read__other_root_refused(self, tmp_path: Path) -> None:
        path = write_xml(tmp_path, "a.xml", "<svg/>")
        with pytest.raises(ReadError, match="root element is <svg>, expected <annotation>"):
            voc.read(path)

    def test_read__empty_folder(self, tmp_path: Path) -> None:
        with pytest.raises(ReadError, match=r"no \.xml annotation files"):
            voc.read(tmp_path)


class TestVocHostileXml:
    def test_external_entity__refused_without_reading(self, tmp_path: Path) -> None:
        secret = tmp_path / "secret.txt"
        secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
        document = (
            f'<?xml version="1.0"?>\n<!DOCTYPE annotation [\n'
            f'<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
            "<annotation><filename>&xxe;</filename></annotation>"
        )
        path = write_xml(tmp_path, "xxe.xml", document)
        with pytest.raises(ReadError, match="DOCTYPE declares entities") as info:
            voc.read(path)
        assert "TOP-SECRET" not in str(info.value)

    def test_external_entity__utf16_still_refused(self, tmp_path: Path) -> None:
        # The raw-bytes screen cannot see UTF-16 text; the parsed DTD check still does.
        document = (
            '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE annotation [\n'
            '<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
            "<annotation><filename>&xxe;</filename></annotation>"
        )
        path = write_xml(tmp_path, "xxe16.xml", document.encode("utf-16"))
        with pytest.raises(ReadError, match="DOCTYPE declares entities") as info:
            voc.read(path)
        assert "root:" not in str(info.value)

    def test_billion_laughs__refused_fast(self, tmp_path: Path) -> None:
        entities = ['<!ENTITY lol0 "lol">'] + [
            f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
        ]
        document = (
            f"<!DOCTYPE annotation [{''.join(entities)}]>"
            "<annotation><filename>&lol9;</filename></annotation>"
        )
        path = write_xml(tmp_path, "lol.xml", document)
        with pytest.raises(ReadError, match="DOCTYPE declares entities"):
            voc.read(path)

    def test_parser__never_resolves_entities(self) -> None:
        data = b'<!DOCTYPE a [<!ENTITY e "expanded">]><annotation><f>&e;</f></annotation>'
        root = etree.fromstring(data, _voc_read._PARSER)
        assert root.findtext("f") != "expanded"


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
        assert boxes_of(voc.read(tmp_path / "out")) == boxes_of(voc.read(VOC))

    def test_roundtrip__inclusive_both_ways(self, tmp_path: Path) -> None:
        dataset = voc.read(VOC, pixel_convention="inclusive")
        voc.write(dataset, tmp_path / "out", pixel_convention="inclusive")
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
        voc.write(single, tmp_path / "one", pixel_convention="inclusive")
        assert bndboxes(tmp_path / "one")["a.jpg"] == [["cat", "1", "6", "10", "7.5"]]

    def test_write__no_float_noise(self, tmp_path: Path) -> None:
        item = Item(
            id="a",
            file_name="a.jpg",
            annotations=(Box(category_id=1, x=0.1 + 0.2, y=1e-12, width=2.675, height=100.0),),
        )
        dataset = Dataset(categories=(Category(id=1, name="cat"),), items=(item,))
        voc.write(dataset, tmp_path / "out")
        assert bndboxes(tmp_path / "out")["a.jpg"] == [["cat", "0.3", "0", "2.975", "100"]]
        assert format_number(-0.0) == "0" and format_number(1 / 3) == "0.333333333"

    def test_write__refuses_what_voc_cannot_hold(self, tmp_path: Path) -> None:
        with pytest.raises(UnsupportedAnnotationError) as info:
            voc.write(tiny_dataset(), tmp_path / "out")
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
        report = voc.write(tiny_dataset(), tmp_path / "out", on_unsupported="approximate")
        assert report.approximated == {"polygon": 2, "polyline": 1, "rotated-box": 1}
        # The pose's keypoints share a group with a box: left out, not a second box.
        assert report.skipped == {"classification": 1, "point": 1, "keypoints": 1}
        written = bndboxes(tmp_path / "out")
        assert written[HOSTILE_NAMES[0]][1] == ["car", "1", "1", "30", "40"]
        rotated = written[HOSTILE_NAMES[1]][0]
        half_w = 20 * math.cos(math.radians(30)) + 10 * math.sin(math.radians(30))
        assert float(rotated[1]) == pytest.approx(50 - half_w)

    def test_write__skip(self, tmp_path: Path) -> None:
        report = voc.write(tiny_dataset(), tmp_path / "out", on_unsupported="skip")
        assert report.annotations == 2
        assert report.skipped["polygon"] == 2

    def test_write__unpaired_keypoints_approximated(self, tmp_path: Path) -> None:
        pose = Keypoints(category_id=1, points=((1, 2, 2), (5, 9, 1), (0, 0, 0)))
        item = Item(id="a", file_name="a.jpg", annotations=(pose,))
        dataset = Dataset(categories=(Category(id=1, name="p"),), items=(item,))
        voc.write(dataset, tmp_path / "out", on_unsupported="approximate")
        assert bndboxes(tmp_path / "out")["a.jpg"] == [["p", "1", "2", "5", "9"]]

    def test_write__hostile_and_duplicate_names(self, tmp_path: Path) -> None:
        names = ["a/x.jpg", "b/x.jpg", "X.png", "../../etc/passwd", "dots.v1.final.jpg"]
        items = tuple(Item(id=str(i), file_name=name) for i, name in enumerate(names))
        dataset = Dataset(categories=(), items=items)
        report = voc.write(dataset, tmp_path / "out", default_split="test")
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
        voc.write(tiny_dataset(), tmp_path / "out", on_unsupported="skip")
        back = voc.read(tmp_path / "out")
        assert sorted(item.file_name for item in back) == sorted(HOSTILE_NAMES)

    def test_write__images_into_jpegimages(self, tmp_path: Path) -> None:
        dataset = voc.read(VOC)
        report = voc.write(dataset, tmp_path / "a")
        assert (tmp_path / "a" / "JPEGImages" / "000002.png").is_file()
        assert report.warnings[0].startswith("3 image(s) not found: '000001.jpg'")
        only = Dataset(categories=dataset.categories, items=[i for i in dataset if i.width == 64])
        voc.write(only, tmp_path / "s", images="symlink", images_dir=VOC / "JPEGImages")
        assert (tmp_path / "s" / "JPEGImages" / "000002.png").is_symlink()
        voc.write(dataset, tmp_path / "b", images="none")
        assert not (tmp_path / "b" / "JPEGImages").exists()
        with pytest.raises(ConversionError, match=r"3 image\(s\) not found"):
            voc.write(dataset, tmp_path / "c", images="copy")
        # Nothing found at all (a payload without images): labels only, no warning.
        item = Item(id="x", file_name="x.jpg")
        report = voc.write(Dataset(categories=(), items=(item,)), tmp_path / "d")
        assert report.warnings == []

    def test_write__missing_category(self, tmp_path: Path) -> None:
        item = Item(
            id="a",
            file_name="a.jpg",
            annotations=(Box(category_id=9, x=0, y=0, width=1, height=1),),
        )
        with pytest.raises(ConversionError, match="category id 9"):
            voc.write(Dataset(categories=(), items=(item,)), tmp_path / "out")

    def test_write__refuses_non_empty_folder(self, tmp_path: Path) -> None:
        (tmp_path / "out").mkdir()
        (tmp_path / "out" / "keep.txt").write_text("mine")
        with pytest.raises(OutputError, match="not empty"):
            voc.write(voc.read(VOC), tmp_path / "out")
        voc.write(voc.read(VOC), tmp_path / "out", overwrite=True)
        assert not (tmp_path / "out" / "keep.txt").exists()

    def test_write__polygon_with_attributes_to_cvat_attributes(self, tmp_path: Path) -> None:
        polygon = Polygon(
            category_id=1,
            zones=(Zone(outer=((0, 0), (4, 0), (4, 3))),),
            attributes={"colour": "red", "parked": True, "coco:id": 5},
        )
        item = Item(id="a", file_name="a.jpg", annotations=(polygon,))
        dataset = Dataset(categories=(Category(id=1, name="car"),), items=(item,))
        voc.write(dataset, tmp_path / "out", on_unsupported="approximate")
        back = next(iter(voc.read(tmp_path / "out"))).annotations[0]
        assert back.attributes == {"colour": "red", "parked": "true"}


class TestVocDetectAndCli:
    def test_detect(self, tmp_path: Path) -> None:
        assert voc.detect(VOC)
        assert voc.detect(VOC / "Annotations" / "000001.xml")
        assert ango_convert.api.detect(VOC) == "voc"
        (tmp_path / "other.xml").write_text("<svg/>")
        assert not voc.detect(tmp_path)
        assert not voc.detect(SAMPLES / "yolo" / "detect")

    def test_cli__voc_to_yolo(self, runner: CliRunner, tmp_path: Path) -> None:
        result = runner.invoke(
            cli,
            [
                "convert",
                str(VOC),
                "--to",
                "yolo",
                "-o",
                str(tmp_path / "y"),
                "--images",
                str(VOC / "JPEGImages"),
            ],
        )
        assert result.exit_code == 0, result.output
        # 64 x 48 from the PNG header; box x=10.5 y=4.25 w=30.25 h=25.75 by hand.
        label = (tmp_path / "y" / "labels" / "val" / "000002.txt").read_text()
        assert label == "0 0.400390625 0.3567708333 0.47265625 0.5364583333\n"
        assert (tmp_path / "y" / "images" / "val" / "000002.png").is_file()
        assert "3 image(s) not found: '000001.jpg'" in result.output

    def test_cli__bad_xml_exit_code(self, runner: CliRunner, tmp_path: Path) -> None:
        write_xml(tmp_path / "in", "a.xml", xml(obj("cat", (1, 2, "x", 4))))
        result = runner.invoke(
            cli,
            [
                "convert",
                str(tmp_path / "in"),
                "--from",
                "voc",
                "--to",
                "voc",
                "-o",
                str(tmp_path / "out"),
            ],
        )
        assert result.exit_code == 3
        assert "a.xml: line 1: <xmax> is not a number" in result.output

    def test_cli__unsupported_exit_code(self, runner: CliRunner, tmp_path: Path) -> None:
        result = runner.invoke(
            cli,
            ["convert", str(SAMPLES / "yolo" / "seg"), "--to", "voc", "-o", str(tmp_path / "out")],
        )
        assert result.exit_code == 5
        assert "cannot hold 3 polygon" in result.output
        result = runner.invoke(
            cli,
            [
                "convert",
                str(SAMPLES / "yolo" / "seg"),
                "--to",
                "voc",
                "-o",
                str(tmp_path / "out"),
                "--on-unsupported",
                "approximate",
            ],
        )
        assert result.exit_code == 0, result.output
        assert "approximated 3 polygon" in result.output


class TestVocThroughOtherFormats:
    @pytest.mark.parametrize("shape", ["ango", "ango-flat"])
    def test_voc_to_ango_to_voc__exact(self, tmp_path: Path, shape: str) -> None:
        options: dict[str, object] = {"title_only": True}
        if shape == "ango":
            options["project"] = "507f1f77bcf86cd799439011"
        ango_convert.convert(VOC, tmp_path / "p.json", to=shape, write_options=options)
        ango_convert.convert(tmp_path / "p.json", tmp_path / "v", to="voc", from_format=shape)
        assert as_floats(bndboxes(tmp_path / "v")) == as_floats(bndboxes(VOC))
        # The flags travel as nested classifications and come back as VOC flags.
        back = {item.file_name: item for item in voc.read(tmp_path / "v")}
        assert back["000001.jpg"].annotations[1].attributes["difficult"] == 1
        assert back["000002.png"].annotations[0].attributes["occluded"] == 1

    def test_voc_to_coco_to_voc__exact(self, tmp_path: Path) -> None:
        ango_convert.convert(VOC, tmp_path / "c.json", to="coco")
        ango_convert.convert(tmp_path / "c.json", tmp_path / "v", to="voc")
        assert as_floats(bndboxes(tmp_path / "v")) == as_floats(bndboxes(VOC))

    def test_coco_to_voc(self, tmp_path: Path) -> None:
        ango_convert.write(tiny_dataset(), tmp_path / "c.json", "coco", on_unsupported="skip")
        report = ango_convert.convert(
            tmp_path / "c.json", tmp_path / "v", to="voc", write_options={"on_unsupported": "skip"}
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
        corners=st.tuples(*[st.integers(0, 10**7)] * 4).map(lambda t: [v / 1000 for v in t]),
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
        voc.write(dataset, folder / "o", pixel_convention=convention)  # type: ignore[arg-type]
        back = next(iter(voc.read(folder / "o", pixel_convention=convention))).annotations[0]  # type: ignore[arg-type]
        assert isinstance(back, Box)
        assert (back.x, back.y, back.width, back.height) == pytest.approx((x, y, w, h), abs=1e-9)
