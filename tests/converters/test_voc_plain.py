"""The plain reader gives exactly the raw texts lxml's tree gives, for every file in the
plain subset, and leaves everything else to the tree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ango_convert.errors import ReadError
from ango_convert.formats import voc
from ango_convert.formats.voc import plain as voc_plain
from ango_convert.formats.voc.plain import from_plain
from ango_convert.formats.voc.raw import RawAnnotation, from_tree
from ango_convert.formats.voc.safe_xml import MAX_TEXT_BYTES, parse_annotation

SAMPLES = Path(__file__).parents[2] / "samples" / "voc" / "Annotations"
HEADER = (
    "<folder>images</folder><filename>a.jpg</filename>"
    "<size><width>40</width><height>30</height><depth>3</depth></size><segmented>0</segmented>"
)


def texts_of(raw: RawAnnotation) -> object:
    """Everything but the elements, which only a tree has."""
    objects = [(o.name, o.pose, o.flags, o.corners, o.others) for o in raw.objects]
    return raw.header, raw.size, objects


def tree_texts(data: bytes) -> object:
    return texts_of(from_tree(parse_annotation(Path("a.xml"), data)))


def test_usual_tool_output_is_read_plain() -> None:
    head = (
        "<?xml version='1.0' encoding='UTF-8'?>\r\n<annotation verified=\"yes\">\r\n"
        "  <source><database>Unknown</database></source>\n"
        f"  {HEADER}\n"
        "  <object>\n    <name>dog</name>\n    <pose>Left</pose>\n    <truncated>1</truncated>\n"
        "    <difficult>0</difficult>\n    <bndbox>\n      <xmin>1</xmin>\n      <ymin>2</ymin>\n"
        "      <xmax>30.5</xmax>\n      <ymax>20</ymax>\n    </bndbox>\n  </object>\n"
    )
    box = "<bndbox><xmin>1</xmin><ymin>2</ymin><xmax>3</xmax><ymax>4</ymax></bndbox>"
    dog = ("dog", "Left", ("0", "1", None), ("1", "2", "30.5", "20"), False)
    header = {"folder": "images", "filename": "a.jpg", "segmented": "0"}
    # All objects in the usual order (one pattern reads them all), then one that is not.
    for cat, expected in [
        (f"<name>cat</name><occluded></occluded>{box}", (None, None, None)),
        (
            f"<name>cat</name>{box}<difficult>1</difficult><difficult>0</difficult>",
            ("1", None, None),
        ),
    ]:
        document = f"{head}  <object>{cat}</object>\n</annotation>\n".encode()
        raw = from_plain(document)
        assert raw is not None
        assert texts_of(raw) == tree_texts(document)
        cat_texts = ("cat", None, expected, ("1", "2", "3", "4"), False)
        assert texts_of(raw) == (header, ("40", "30", "3"), [dog, cat_texts])
    taken = {s.name for s in SAMPLES.glob("*.xml") if from_plain(s.read_bytes())}
    assert taken == {"000002.xml", "000003.xml"}  # the others have <part> or <attributes>


def test_refusals_of_plain_files_still_name_the_line(tmp_path: Path) -> None:
    document = (
        f"<annotation>{HEADER}\n<object><name>c</name><truncated>maybe</truncated>"
        "<bndbox><xmin>1</xmin><ymin>2</ymin><xmax>3</xmax><ymax>4</ymax></bndbox></object>"
        "</annotation>"
    )
    assert from_plain(document.encode()) is not None
    (tmp_path / "a.xml").write_text(document)
    with pytest.raises(ReadError, match=r"a\.xml: line 2: <truncated> must be 0 or 1"):
        voc.read.read(tmp_path / "a.xml")


@pytest.mark.parametrize(
    "document",
    [
        "<annotation><!-- note --><filename>a.jpg</filename></annotation>",
        "<annotation><filename>a&amp;b.jpg</filename></annotation>",
        "<annotation><filename><![CDATA[a.jpg]]></filename></annotation>",
        "<annotation><filename>a]]>b.jpg</filename></annotation>",
        '<!DOCTYPE annotation [<!ENTITY x "y">]><annotation><filename>&x;</filename></annotation>',
        "<annotation><filename>a.jpg</filename>",
        "<annotation><filename>a.jpg</folder></annotation>",
        '<annotation a="1" b="2"><filename>a.jpg</filename></annotation>',
        '<annotation a="\x01"><filename>a.jpg</filename></annotation>',
        '<annotation xmlns="urn:x"><filename>a.jpg</filename></annotation>',
        "<annotation><filename>a\rb.jpg</filename></annotation>",
        "<annotation><filename>a.jpg</filename><size><width>4</width></size></annotation>",
        "<annotation><size><width>4</width><height>3</height></size><size></size></annotation>",
        "<annotation><filename>a.jpg</filename><object><name>x</name></object></annotation>",
        "<annotation><filename>a.jpg</filename><object>x</object></annotation>",
        "<annotation><object><name>x</name><part><name>p</name></part><bndbox><xmin>1</xmin>"
        "<ymin>1</ymin><xmax>2</xmax><ymax>2</ymax></bndbox></object></annotation>",
        "<annotation><object><name>x</name><bndbox><ymin>1</ymin><xmin>1</xmin>"
        "<xmax>2</xmax><ymax>2</ymax></bndbox></object></annotation>",
        "  <?xml version='1.0'?><annotation><filename>a.jpg</filename></annotation>",
        "<?xml version='1.0' encoding='latin-1'?><annotation><filename>a</filename></annotation>",
        "<annotation><filename>a.jpg</filename></annotation><annotation></annotation>",
        "<annotation><source><filename>b</filename></source><filename>a</filename></annotation>",
    ],
)
def test_anything_outside_the_subset_is_left_to_the_tree(document: str) -> None:
    assert from_plain(document.encode("utf-8")) is None


def test_bytes_outside_the_subset_are_left_to_the_tree() -> None:
    assert from_plain(b"<annotation><filename>\xff</filename></annotation>") is None
    utf16 = "<annotation><filename>a.jpg</filename></annotation>".encode("utf-16")
    assert from_plain(utf16) is None
    # Longer than the parser's text limit: the tree's size rule decides, for every file.
    huge = f"<annotation><filename>{'n' * MAX_TEXT_BYTES}</filename></annotation>".encode()
    assert from_plain(huge) is None


def test_no_element_matches_two_ways() -> None:
    """An element that both a leaf and a block could match would make a failing match
    retry 2^n ways (a whole document of ``<a> </a>`` elements hung the reader once)."""
    block, leaf = re.compile(voc_plain._BLOCK), re.compile(voc_plain._TOP_LEAF)
    for element in ("<a> </a>", "<a></a>", "<a>\n</a>", "<source>x</source>"):
        assert leaf.fullmatch(element) and not block.fullmatch(element)
    assert block.fullmatch("<source> <b>1</b> </source>") and not leaf.fullmatch("<a><b/></a>")
    many = "<annotation>" + "<a> </a>" * 5000 + "</annotatio>"
    assert from_plain(many.encode()) is None


# Texts in the subset: no markup, references or CR; "]]>" is not allowed in XML text.
_TEXTS = st.one_of(
    st.sampled_from(["", "0", "1", " 1 ", "yes", "maybe", "Unspecified", "3.5", "-1", "1e3",
                     "nan", " ", "\n\t", "a.jpg", "x/y.png", "é 𝄞", "a]b", "x>y", "\x7f"]),
    st.text(st.characters(blacklist_characters="<&\r", blacklist_categories=("Cs", "Cc")),
            max_size=6).filter(lambda text: "]]>" not in text),
)  # fmt: skip
_SPACE = st.sampled_from(["", " ", "\n  ", "\r\n", "\t"])


def _leaf(tag: str) -> st.SearchStrategy[str]:
    return _TEXTS.map(lambda text: f"<{tag}>{text}</{tag}>")


@st.composite
def _object(draw: st.DrawFn) -> str:
    leaves = st.sampled_from(["name", "pose", "truncated", "difficult", "occluded"]).flatmap(_leaf)
    before = draw(st.lists(leaves, max_size=6))
    after = draw(st.lists(leaves, max_size=2))
    space = draw(_SPACE)
    corners = "".join(
        f"<{tag}>{draw(_TEXTS)}</{tag}>{space}" for tag in ("xmin", "ymin", "xmax", "ymax")
    )
    inside = [*before, f"<bndbox>{space}{corners}</bndbox>", *after]
    return f"<object>{space}{space.join(inside)}{space}</object>"


@st.composite
def _usual_object(draw: st.DrawFn) -> str:
    """An object in the order the VOC devkit writes, which one pattern reads."""
    leaves = [draw(_leaf("name"))]
    optional = ("pose", "truncated", "difficult", "occluded")
    leaves += [draw(_leaf(tag)) for tag in optional if draw(st.booleans())]
    corners = "".join([draw(_leaf(tag)) for tag in ("xmin", "ymin", "xmax", "ymax")])
    space = draw(_SPACE)
    return f"<object>{space}{space.join(leaves)}{space}<bndbox>{corners}</bndbox>{space}</object>"


@st.composite
def _size(draw: st.DrawFn) -> str:
    dims = [draw(_leaf("width")), draw(_leaf("height"))]
    dims += [draw(_leaf("depth"))] if draw(st.booleans()) else []
    return f"<size>{draw(_SPACE).join(dims)}</size>"


@st.composite
def _document(draw: st.DrawFn) -> str:
    objects = draw(st.sampled_from([_object(), _usual_object()]))
    parts = draw(
        st.lists(
            st.one_of(
                st.sampled_from(["filename", "folder", "segmented", "path"]).flatmap(_leaf),
                objects,
                _leaf("database").map(lambda leaf: f"<source>{leaf}</source>"),
            ),
            max_size=6,
        )
    )
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), draw(_size()))
    declaration = draw(st.sampled_from(["", "<?xml version='1.0' encoding='UTF-8'?>\n"]))
    root = draw(st.sampled_from(["<annotation>", '<annotation verified="yes">']))
    space = draw(_SPACE)
    return f"{declaration}{root}{space}{space.join(parts)}{space}</annotation>\n"


@settings(max_examples=300, deadline=None)
@given(document=_document())
def test_plain_texts_are_the_tree_texts(document: str) -> None:
    data = document.encode("utf-8")
    raw = from_plain(data)
    assert raw is not None, document
    assert texts_of(raw) == tree_texts(data), document
