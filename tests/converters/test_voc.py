"""Pascal VOC reading: real-world quirks, both pixel conventions, hostile XML, detection
and the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

import ango_convert
from ango_convert.cli.main import cli
from ango_convert.errors import ReadError
from ango_convert.formats import voc
from ango_convert.formats.voc.safe_xml import parser
from ango_convert.model import Box
from tests import imagebytes
from tests.conftest import SAMPLES
from tests.converters.formats_helpers import VOC, obj, write_xml, xml


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
        splits = {item.id: item.split for item in ango_convert.read(VOC)}
        # train/val win over trainval; the per-class list dog_train.txt is not a split.
        assert splits == {
            "000001": "train",
            "000002": "val",
            "000003": "val",
            "street scene 4": "train",
        }

    def test_read__continuous_convention_by_hand(self, tmp_path: Path) -> None:
        path = write_xml(tmp_path, "a.xml", xml(obj("cat", (1, 2, 10, 20))))
        box = next(iter(voc.read.read(path))).annotations[0]
        assert isinstance(box, Box)
        assert (box.x, box.y, box.width, box.height) == (1, 2, 9, 18)

    def test_read__inclusive_convention_by_hand(self, tmp_path: Path) -> None:
        # Pixels 1..10 inclusive, 1-based, are IR columns [0, 10): x=0, width=10.
        path = write_xml(tmp_path, "a.xml", xml(obj("cat", (1, 2, 10, 20))))
        box = next(iter(voc.read.read(path, pixel_convention="inclusive"))).annotations[0]
        assert isinstance(box, Box)
        assert (box.x, box.y, box.width, box.height) == (0, 1, 10, 19)

    def test_read__no_size_and_no_image_leaves_size_unknown(self, tmp_path: Path) -> None:
        path = write_xml(tmp_path, "a.xml", xml(obj("cat", (1, 2, 10, 20)), size=""))
        item = next(iter(voc.read.read(path)))
        assert (item.width, item.height) == (None, None)

    def test_read__zero_size_uses_images_dir(self, tmp_path: Path) -> None:
        zero = "<size><width>0</width><height>0</height><depth>3</depth></size>"
        path = write_xml(tmp_path / "ann", "a.xml", xml("", size=zero))
        (tmp_path / "imgs").mkdir()
        (tmp_path / "imgs" / "img.jpg").write_bytes(imagebytes.jpeg(321, 123, exif_bytes=5000))
        item = next(iter(voc.read.read(path, images_dir=tmp_path / "imgs")))
        assert (item.width, item.height) == (321, 123)

    def test_read__missing_filename_found_by_stem(self, tmp_path: Path) -> None:
        write_xml(tmp_path / "Annotations", "pic.xml", "<annotation><size/></annotation>")
        (tmp_path / "JPEGImages").mkdir()
        (tmp_path / "JPEGImages" / "pic.gif").write_bytes(imagebytes.gif(7, 9))
        item = next(iter(voc.read.read(tmp_path)))
        assert (item.file_name, item.width, item.height) == ("pic.gif", 7, 9)
        (tmp_path / "JPEGImages" / "pic.gif").unlink()
        with pytest.raises(ReadError, match="no <filename>, and no image named like the file"):
            voc.read.read(tmp_path)

    def test_read__unusable_filename_is_kept_not_followed(self, tmp_path: Path) -> None:
        text = "<annotation><filename>../..</filename></annotation>"
        item = next(iter(voc.read.read(write_xml(tmp_path, "a.xml", text))))
        assert (item.file_name, item.width) == ("../..", None)

    def test_read__folder_of_xml_and_class_names_order(self, tmp_path: Path) -> None:
        write_xml(tmp_path, "b.xml", xml(obj("zebra", (0, 0, 1, 1))))
        write_xml(tmp_path, "a.xml", xml(obj("ant", (0, 0, 1, 1))))
        dataset = voc.read.read(tmp_path, class_names=["zebra", "ant", "unused"])
        assert [(c.id, c.name) for c in dataset.categories] == [
            (1, "zebra"),
            (2, "ant"),
            (3, "unused"),
        ]
        with pytest.raises(ReadError, match="class 'ant' is not in class_names"):
            voc.read.read(tmp_path, class_names=["zebra"])

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
            voc.read.read(path)
        assert "bad file.xml" in str(info.value)

    def test_read__broken_xml_names_the_line(self, tmp_path: Path) -> None:
        path = write_xml(tmp_path, "a.xml", "<annotation>\n<filename>x</filename>\n<object>")
        with pytest.raises(ReadError, match=r"a.xml: line \d+: invalid XML"):
            voc.read.read(path)

    def test_read__other_root_refused(self, tmp_path: Path) -> None:
        path = write_xml(tmp_path, "a.xml", "<svg/>")
        with pytest.raises(ReadError, match="root element is <svg>, expected <annotation>"):
            voc.read.read(path)

    def test_read__empty_folder(self, tmp_path: Path) -> None:
        with pytest.raises(ReadError, match=r"no \.xml annotation files"):
            voc.read.read(tmp_path)


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
            voc.read.read(path)
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
            voc.read.read(path)
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
            voc.read.read(path)

    def test_parser__never_resolves_entities(self) -> None:
        data = b'<!DOCTYPE a [<!ENTITY e "expanded">]><annotation><f>&e;</f></annotation>'
        root = etree.fromstring(data, parser())
        assert root.findtext("f") != "expanded"


class TestVocDetectAndCli:
    def test_detect(self, tmp_path: Path) -> None:
        assert voc.read.detect(VOC)
        assert voc.read.detect(VOC / "Annotations" / "000001.xml")
        assert ango_convert.api.detect(VOC) == "voc"
        (tmp_path / "other.xml").write_text("<svg/>")
        assert not voc.read.detect(tmp_path)
        assert not voc.read.detect(SAMPLES / "yolo" / "detect")

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
