"""The regex path for plain VOC files reads exactly what the lxml path reads, or
declines: it never takes a file lxml would read differently or refuse."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ango_convert.errors import ReadError
from ango_convert.formats.voc import decode as _voc_read
from ango_convert.formats.voc._plain import read_plain
from ango_convert.formats.voc.decode import Context, Parsed
from tests.converters.test_voc_xml import BOXES, OBJECTS

SAMPLES = Path(__file__).parents[2] / "samples" / "voc" / "Annotations"
HEADER = (
    "<folder>images</folder><filename>a.jpg</filename>"
    "<size><width>40</width><height>30</height><depth>3</depth></size><segmented>0</segmented>"
)


def _both(
    tmp_path: Path, document: str | bytes, convention: str = "continuous"
) -> tuple[Parsed | None, object]:
    """(plain result or None, lxml result or the ReadError it raised)."""
    data = document.encode("utf-8") if isinstance(document, str) else document
    path = tmp_path / "Annotations" / "a.xml"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    context = Context(root=tmp_path, images_dir=None, convention=convention)  # type: ignore[arg-type]
    plain = read_plain(data, context.shift)
    fast: Parsed | None = None
    if plain is not None:
        fast = _voc_read._assemble_plain(plain, path, context)
    try:
        element = _voc_read.parse_xml(path, data)
        general: object = _voc_read._parse_annotation(element, path, context)
    except (ReadError, ValueError) as exc:
        general = exc
    return fast, general


@pytest.mark.parametrize("body", OBJECTS)
@pytest.mark.parametrize("bndbox", BOXES)
@pytest.mark.parametrize("convention", ["continuous", "inclusive"])
def test_plain_path_matches_lxml_on_object_variants(
    tmp_path: Path, body: str, bndbox: str, convention: str
) -> None:
    obj = f"<object>{body.format(box=bndbox)}</object>"
    fast, general = _both(tmp_path, f"<annotation>{HEADER}{obj}{obj}</annotation>", convention)
    if fast is not None:
        assert fast == general


def test_the_usual_files_take_the_plain_path(tmp_path: Path) -> None:
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
    fast, general = _both(tmp_path, usual)
    assert fast is not None
    assert fast == general
    assert [raw[0] for raw in fast.objects] == ["dog", "cat"]
    assert fast.objects[0][5] == {"truncated": 1, "pose": "Left"}
    taken = {s.name for s in SAMPLES.glob("*.xml") if read_plain(s.read_bytes(), 0.0)}
    assert taken == {"000002.xml", "000003.xml"}  # the others have <part> or <attributes>


@pytest.mark.parametrize(
    "document",
    [
        "<annotation><!-- note --><filename>a.jpg</filename></annotation>",
        "<annotation><filename>a&amp;b.jpg</filename></annotation>",
        "<annotation><filename><![CDATA[a.jpg]]></filename></annotation>",
        '<!DOCTYPE annotation [<!ENTITY x "y">]><annotation><filename>&x;</filename></annotation>',
        "<annotation><filename>a.jpg</filename>",
        "<annotation><filename>a.jpg</folder></annotation>",
        '<annotation a="1" b="2"><filename>a.jpg</filename></annotation>',
        '<annotation xmlns="urn:x"><filename>a.jpg</filename></annotation>',
        "<annotation><filename>a\rb.jpg</filename></annotation>",
        "<annotation><filename>a.jpg</filename><size><width>4</width></size></annotation>",
        "<annotation><filename>a.jpg</filename><object><name>x</name></object></annotation>",
        "<annotation><filename>a.jpg</filename><object>x</object></annotation>",
        "  <?xml version='1.0'?><annotation><filename>a.jpg</filename></annotation>",
        "<?xml version='1.0' encoding='latin-1'?><annotation><filename>a</filename></annotation>",
        "<annotation><filename>a.jpg</filename></annotation><annotation></annotation>",
        "<annotation><source><filename>b</filename></source><filename>a</filename></annotation>",
    ],
)
def test_anything_outside_the_subset_is_declined(document: str) -> None:
    assert read_plain(document.encode("utf-8"), 0.0) is None


def test_bad_bytes_are_declined() -> None:
    assert read_plain(b"<annotation><filename>\xff</filename></annotation>", 0.0) is None
    utf16 = "<annotation><filename>a.jpg</filename></annotation>".encode("utf-16")
    assert read_plain(utf16, 0.0) is None


_TEXTS = st.sampled_from(
    ["", "0", "1", " 1 ", "true", "no", "maybe", "a.jpg", "x/y.png", "../..", "é", "3.5", "-1",
     "1e3", "nan", "inf", " ", "\t", "Unspecified", "40", "31", "a]]>b", "\x7f", "\u2028"]
)  # fmt: skip
_LEAF_TAGS = st.sampled_from(
    ["name", "pose", "truncated", "difficult", "occluded", "filename", "folder", "segmented",
     "width", "height", "depth", "xmin", "ymin", "xmax", "ymax", "path", "part"]
)  # fmt: skip
_SPACE = st.sampled_from(["", " ", "\n  ", "\r\n", "\t"])


@st.composite
def _leaf(draw: st.DrawFn) -> str:
    tag = draw(_LEAF_TAGS)
    return f"<{tag}>{draw(_TEXTS)}</{tag}>{draw(_SPACE)}"


@st.composite
def _object(draw: st.DrawFn) -> str:
    before = "".join(draw(st.lists(_leaf(), max_size=5)))
    after = "".join(draw(st.lists(_leaf(), max_size=2)))
    corners = draw(st.permutations(["xmin", "ymin", "xmax", "ymax"]))
    box = "".join(f"<{tag}>{draw(_TEXTS)}</{tag}>{draw(_SPACE)}" for tag in corners)
    return f"<object>{draw(_SPACE)}{before}<bndbox>{box}</bndbox>{draw(_SPACE)}{after}</object>"


@st.composite
def _usual_object(draw: st.DrawFn) -> str:
    """An object in the usual order, which the plain path reads in one pattern."""
    optional = ("pose", "truncated", "difficult", "occluded")
    leaves = [f"<name>{draw(_TEXTS)}</name>"]
    leaves += [f"<{tag}>{draw(_TEXTS)}</{tag}>" for tag in optional if draw(st.booleans())]
    box = "".join(f"<{tag}>{draw(_TEXTS)}</{tag}>" for tag in ("xmin", "ymin", "xmax", "ymax"))
    space = draw(_SPACE)
    return f"<object>{space.join(leaves)}{space}<bndbox>{box}</bndbox>{space}</object>"


@st.composite
def _document(draw: st.DrawFn) -> str:
    parts = draw(
        st.lists(
            st.one_of(
                _leaf(),
                _object(),
                _usual_object(),
                st.just("<size><width>40</width><height>30</height></size>"),
                st.builds(lambda t: f"<size><width>{t}</width><height>9</height></size>", _TEXTS),
                st.builds(lambda inner: f"<source>{inner}</source>", _leaf()),
            ),
            max_size=6,
        )
    )
    space = draw(_SPACE)
    return f"<annotation>{space}{space.join(parts)}</annotation>{draw(_SPACE)}"


@settings(max_examples=400, deadline=None)
@given(document=_document(), convention=st.sampled_from(["continuous", "inclusive"]))
def test_plain_path_never_differs_from_lxml(
    tmp_path_factory: pytest.TempPathFactory, document: str, convention: str
) -> None:
    fast, general = _both(tmp_path_factory.mktemp("voc"), document, convention)
    if fast is not None:
        assert fast == general, document


def test_no_element_matches_two_ways() -> None:
    """An element that both a leaf and a block could match would make a failing match
    retry 2^n ways (a whole document of ``<a> </a>`` elements hung the reader)."""
    import re

    from ango_convert.formats.voc import _plain as _voc_plain

    block, leaf = re.compile(_voc_plain._BLOCK), re.compile(_voc_plain._TOP_LEAF)
    for element in ("<a> </a>", "<a></a>", "<a>\n</a>", "<source>x</source>"):
        assert leaf.fullmatch(element) and not block.fullmatch(element)
    assert block.fullmatch("<source> <b>1</b> </source>") and not leaf.fullmatch("<a><b/></a>")
    many = "<annotation>" + "<a> </a>" * 5000 + "</annotatio>"
    assert read_plain(many.encode(), 0.0) is None
