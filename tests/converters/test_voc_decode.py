"""Decoding one VOC file: exact values for every object shape, flag spelling, corner
order and pixel convention, and the element line of every refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from ango_convert.errors import ReadError
from ango_convert.formats import voc
from ango_convert.formats.voc.safe_xml import MAX_TEXT_BYTES
from ango_convert.model import Box, Item, JSONValue

HEADER = (
    "<folder>images</folder><filename>a.jpg</filename>"
    "<size><width>40</width><height>30</height><depth>3</depth></size><segmented>0</segmented>"
)
BOX = "<bndbox><xmin>1</xmin><ymin>2.5</ymin><xmax>3</xmax><ymax> 4 </ymax></bndbox>"


def read_one(tmp_path: Path, document: str | bytes, convention: str = "continuous") -> Item:
    path = tmp_path / "Annotations" / "a.xml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(document.encode("utf-8") if isinstance(document, str) else document)
    (item,) = voc.read.read(path, pixel_convention=convention)  # type: ignore[arg-type]
    return item


def read_error(tmp_path: Path, document: str | bytes) -> str:
    with pytest.raises(ReadError) as info:
        read_one(tmp_path, document)
    assert str(info.value).startswith(str(tmp_path / "Annotations" / "a.xml") + ": ")
    return str(info.value).split("a.xml: ", 1)[1]


def object_document(body: str) -> str:
    """The header on line 1, the object on line 2."""
    return f"<annotation>{HEADER}\n<object>{body}</object>\n</annotation>"


def values(box: object) -> tuple[float, float, float, float]:
    assert isinstance(box, Box)
    return box.x, box.y, box.width, box.height


@pytest.mark.parametrize(
    ("body", "name", "attributes"),
    [
        (
            "<name>cat</name><pose>Left</pose><truncated>1</truncated><difficult>0</difficult>",
            "cat",
            {"truncated": 1, "pose": "Left"},
        ),
        (
            # Spaces without a line break are part of the name (" x" and "x" are two
            # classes); a pretty-printed name's indentation is not.
            "<name> cat </name><occluded>true</occluded><difficult>yes</difficult>",
            " cat ",
            {"difficult": 1, "occluded": 1},
        ),
        (
            "<name>cat</name><difficult> YES </difficult><truncated>No</truncated>"
            "<occluded>\n</occluded><pose> Left </pose>",
            "cat",
            {"difficult": 1, "pose": "Left"},
        ),
        ("<name>cat</name><pose>Unspecified</pose><truncated></truncated>", "cat", {}),
        ("<name>a</name><name>b</name>", "a", {}),
        ("<name>cat</name><!-- note -->", "cat", {}),
        ("<name>cat</name><part><name>hand</name></part>", "cat", {"parts": [{"name": "hand"}]}),
        ("<name>cat</name><color>red</color>", "cat", {"color": "red"}),
        (
            "<name>cat</name><part><name>hand</name><bndbox><xmin>1</xmin><ymin>2.5</ymin>"
            "<xmax>3</xmax><ymax>4</ymax></bndbox></part><attributes><attribute><name>k</name>"
            "<value> v </value></attribute><attribute><name>w</name></attribute></attributes>"
            "<k>leaf</k><k>last</k>",
            "cat",
            {
                "parts": [{"name": "hand", "xmin": 1, "ymin": 2.5, "xmax": 3, "ymax": 4}],
                "k": "last",  # a CVAT attribute, then leaves of that name: the last wins
                "w": "",
            },
        ),
    ],
    ids=[
        "usual",
        "padded-name-words",
        "word-flags",
        "defaults",
        "two-names",
        "comment",
        "part-without-box",
        "unknown-leaf",
        "parts-and-attributes",
    ],
)
def test_object_shapes(
    tmp_path: Path, body: str, name: str, attributes: dict[str, JSONValue]
) -> None:
    item = read_one(tmp_path, object_document(body + BOX))
    (box,) = item.annotations
    assert values(box) == (1, 2.5, 2, 1.5)
    assert box.attributes == attributes
    assert list(box.attributes) == list(attributes)  # the order JSON output keeps
    assert item.attributes == {"voc:folder": "images", "voc:depth": 3}
    assert voc.read.read(tmp_path).categories[0].name == name


@pytest.mark.parametrize(
    ("bndbox", "continuous", "inclusive"),
    [
        (BOX, (1, 2.5, 2, 1.5), (0, 1.5, 3, 2.5)),
        ("<ymin>2</ymin><xmin>1</xmin><ymax>4</ymax><xmax>3</xmax>", (1, 2, 2, 2), (0, 1, 3, 3)),
        ("<xmin>4</xmin><ymin>2</ymin><xmax>3</xmax><ymax>4</ymax>", None, (3, 1, 0, 3)),
        (
            "<xmin>\n 7 </xmin><ymin>0</ymin><xmax>9.25</xmax><ymax>1e1</ymax>",
            (7, 0, 2.25, 10),
            (6, -1, 3.25, 11),
        ),
        # Each corner is finite though their sum overflows.
        (
            "<xmin>1e308</xmin><ymin>2</ymin><xmax>1.5e308</xmax><ymax>4</ymax>",
            (1e308, 2, 5e307, 2),
            (1e308, 1, 5e307, 3),
        ),
    ],
    ids=["usual", "any-order", "inclusive-empty", "spaces-exponent", "huge"],
)
def test_corners_in_both_conventions(
    tmp_path: Path,
    bndbox: str,
    continuous: tuple[float, ...] | None,
    inclusive: tuple[float, ...],
) -> None:
    bndbox = bndbox if bndbox.startswith("<bndbox>") else f"<bndbox>{bndbox}</bndbox>"
    document = f"<annotation><filename>a.jpg</filename>\n<object><name>c</name>{bndbox}</object>"
    document += "</annotation>"
    (box,) = read_one(tmp_path, document, "inclusive").annotations
    assert values(box) == inclusive
    if continuous is None:
        assert "is below xmin/ymin" in read_error(tmp_path, document)
    else:
        (box,) = read_one(tmp_path, document).annotations
        assert values(box) == continuous


def boxed(corners: str) -> str:
    """An object ``c`` with these ``<bndbox>`` children."""
    return f"<name>c</name><bndbox>{corners}</bndbox>"


BAD_OBJECTS = [
    ("bad-flag", "<name>c</name><truncated>maybe</truncated>" + BOX, "<truncated> must be 0 or 1"),
    ("blank-name", "<name> </name>" + BOX, "<object> has no <name>"),
    ("no-name", "x", "<object> has no <name>"),
    ("no-bndbox", "<name>cat</name>", "object 'cat' has no <bndbox>"),
    ("no-ymax", boxed("<xmin>1</xmin><ymin>2</ymin><xmax>3</xmax>"), "<bndbox> has no <ymax>"),
    (
        "repeated-xmin",  # the first of a tag counts: there is no <ymin>
        boxed("<xmin>1</xmin><xmin>2</xmin><xmax>3</xmax><ymax>4</ymax>"),
        "<bndbox> has no <ymin>",
    ),
    (
        "blank-xmin",  # the first bad corner is named
        boxed("<xmin> </xmin><ymin>2</ymin><xmax>3</xmax><ymax>x</ymax>"),
        "<bndbox> has no <xmin>",
    ),
    (
        "not-a-number",
        boxed("<xmin>1</xmin><ymin>2</ymin><xmax>3</xmax><ymax>x</ymax>"),
        "<ymax> is not a number: 'x'",
    ),
    (
        "nan",
        boxed("<xmin>1</xmin><ymin>2</ymin><xmax>3</xmax><ymax>nan</ymax>"),
        "<ymax> must be finite, got 'nan'",
    ),
    (
        "infinities",
        boxed("<xmin>1</xmin><ymin>-inf</ymin><xmax>3</xmax><ymax>inf</ymax>"),
        "<ymin> must be finite, got '-inf'",
    ),
    (
        "inverted",
        boxed("<xmin>5</xmin><ymin>2</ymin><xmax>3</xmax><ymax>4</ymax>"),
        "object 'c': xmax/ymax (3.0, 4.0) is below xmin/ymin (5.0, 2.0)",
    ),
    (
        "outside",
        boxed("<xmin>50</xmin><ymin>1</ymin><xmax>60</xmax><ymax>2</ymax>"),
        "object 'c': box (50, 1, 10 x 1) lies outside the image (40 x 30)",
    ),
    (
        "bad-part",
        "<name>c</name><part><name>p</name><bndbox><xmin>x</xmin></bndbox></part>" + BOX,
        "<xmin> is not a number: 'x'",
    ),
]


@pytest.mark.parametrize(
    ("body", "message"), [case[1:] for case in BAD_OBJECTS], ids=[case[0] for case in BAD_OBJECTS]
)
def test_bad_objects_name_the_line(tmp_path: Path, body: str, message: str) -> None:
    assert read_error(tmp_path, object_document(body)).startswith(f"line 2: {message}")


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("<annotation><!-- note --><filename>a.jpg</filename></annotation>", "a.jpg"),
        ("<annotation><filename>a&amp;b.jpg</filename></annotation>", "a&b.jpg"),
        ("<annotation><filename><![CDATA[a.jpg]]></filename></annotation>", "a.jpg"),
        ('<annotation a="1" b="2"><filename>a.jpg</filename></annotation>', "a.jpg"),
        ("<annotation><filename>a\rb.jpg</filename></annotation>", "a\nb.jpg"),
        (
            "<annotation><source><filename>b</filename></source><filename>a</filename></annotation>",
            "a",
        ),
        (
            '<?xml version="1.0" encoding="UTF-16"?><annotation><filename>a.jpg</filename>'
            "</annotation>",
            "a.jpg",
        ),
    ],
    ids=["comment", "reference", "cdata", "root-attributes", "cr", "nested-filename", "utf16"],
)
def test_header_text_as_xml_defines_it(tmp_path: Path, document: str, expected: str) -> None:
    data = document.encode("utf-16") if "UTF-16" in document else document
    item = read_one(tmp_path, data)
    assert (item.file_name, item.width, item.height, item.annotations) == (expected, None, None, ())


def test_size_and_item_attributes(tmp_path: Path) -> None:
    document = (
        "<annotation><filename>a.jpg</filename><segmented> true </segmented><folder> f </folder>"
        "<size><width>40</width><height>30.0</height><depth>1</depth></size></annotation>"
    )
    item = read_one(tmp_path, document)
    assert (item.width, item.height) == (40, 30)
    assert item.attributes == {"voc:folder": "f", "voc:segmented": 1, "voc:depth": 1}
    half = "<annotation><filename>a.jpg</filename><size><width>4</width></size></annotation>"
    assert (read_one(tmp_path, half).width, read_one(tmp_path, half).height) == (4, None)


@pytest.mark.parametrize(
    ("size", "message"),
    [
        ("<width>4.5</width><height>3</height>", "<size><width> must be a whole number >= 0, got"),
        ("<width>x</width><height>3</height>", "<size><width> is not a number: 'x'"),
    ],
)
def test_bad_size_names_the_line(tmp_path: Path, size: str, message: str) -> None:
    document = f"<annotation>\n<filename>a.jpg</filename>\n<size>{size}</size></annotation>"
    assert read_error(tmp_path, document).startswith(f"line 3: {message}")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("<annotation><filename>a.jpg</filename>", "invalid XML: Premature end of data"),
        ("<annotation><filename>a.jpg</folder></annotation>", "invalid XML: Opening and ending"),
        ("  <?xml version='1.0'?><annotation/>", "invalid XML: XML declaration allowed only"),
        ("<annotation/><annotation/>", "invalid XML: Extra content at the end"),
        ('<annotation xmlns="urn:x"/>', "root element is <{urn:x}annotation>, expected"),
        (b"<annotation><filename>\xff</filename></annotation>", "invalid XML: Invalid bytes"),
        # Thousands of sibling elements: once a regular-expression hazard, now plain XML.
        ("<annotation>" + "<a> </a>" * 5000 + "</annotatio>", "invalid XML: Opening and ending"),
    ],
    ids=[
        "truncated",
        "mismatched",
        "late-declaration",
        "two-roots",
        "namespace",
        "bad-utf8",
        "many-elements",
    ],
)
def test_documents_that_are_not_voc_xml(
    tmp_path: Path, document: str | bytes, message: str
) -> None:
    assert read_error(tmp_path, document).startswith(f"line 1: {message}")


def test_usual_tool_output(tmp_path: Path) -> None:
    """labelImg and CVAT style: declaration, CRLF, a root attribute, a <source> block,
    objects with their leaves before or after the box."""
    usual = (
        "<?xml version='1.0' encoding='UTF-8'?>\r\n<annotation verified=\"yes\">\r\n"
        "  <source><database>Unknown</database></source>\n"
        f"  {HEADER}\n"
        "  <object>\n    <name>dog</name>\n    <pose>Left</pose>\n    <truncated>1</truncated>\n"
        "    <difficult>0</difficult>\n    <bndbox>\n      <xmin>1</xmin>\n      <ymin>2</ymin>\n"
        "      <xmax>30.5</xmax>\n      <ymax>20</ymax>\n    </bndbox>\n  </object>\n"
        "  <object><name>cat</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>3</xmax>"
        "<ymax>4</ymax></bndbox><difficult>1</difficult></object>\n"
        "</annotation>\n"
    )
    item = read_one(tmp_path, usual)
    dog, cat = item.annotations
    assert (values(dog), dog.attributes) == ((1, 2, 29.5, 18), {"truncated": 1, "pose": "Left"})
    assert (values(cat), cat.attributes) == ((1, 2, 2, 2), {"difficult": 1})
    assert (item.id, item.file_name, item.width, item.height) == ("a", "a.jpg", 40, 30)


def test_one_text_size_limit_for_every_file(tmp_path: Path) -> None:
    """A text over the parser's limit is refused the same way wherever it is and whatever
    surrounds it: the plain reader leaves every file over the limit to the parser (it
    once took a 20 MB name that the parser refused beside a comment)."""
    at_limit = "n" * MAX_TEXT_BYTES
    read_one(tmp_path, object_document(f"<name>{at_limit}</name>{BOX}"))
    assert voc.read.read(tmp_path).categories[0].name == at_limit
    huge = "n" * (2 * MAX_TEXT_BYTES)
    reasons = {
        read_error(tmp_path, object_document(f"<name>{huge}</name>{BOX}")),
        read_error(tmp_path, object_document(f"<!-- note --><name>{huge}</name>{BOX}")),
        read_error(tmp_path, object_document(f"<name>{'n' * (MAX_TEXT_BYTES + 1)}</name>{BOX}")),
    }
    (reason,) = reasons
    assert reason.startswith("line 2: too large to read safely (")
    assert "10,000,000 bytes per text" in reason and "XML_PARSE_HUGE" not in reason
    # libxml2 words a comment over the limit its own way; refused all the same.
    comment = f"<annotation><!--{huge}--><filename>a.jpg</filename></annotation>"
    assert read_error(tmp_path, comment).startswith("line 1: invalid XML: Comment too big")
