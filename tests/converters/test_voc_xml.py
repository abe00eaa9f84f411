"""VOC XML is put together from strings: it must be what lxml itself writes, for any
text the data holds (escapes, control characters, unicode, CR, whitespace)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from ango_convert.formats import voc
from ango_convert.formats.voc.annotation_xml import _item_xml
from ango_convert.formats.voc.vocabulary import PixelConvention
from ango_convert.model import Box, Category, Dataset, Item, JSONValue

_PARSER = etree.XMLParser(remove_blank_text=True)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["a&b", "<x>", "]]>", "x\ry", " pad ", "\t", "é 𝄞", "\x00\x1f", "\ud800"]),
)


def canonical(xml: bytes) -> bytes:
    """lxml's own pretty-printed serialisation of the same document (every leaf has a
    text, maybe empty, as the writer always set one: ``<a></a>``, never ``<a/>``)."""
    root = etree.fromstring(xml, _PARSER)
    for element in root.iter():
        if len(element) == 0 and element.text is None:
            element.text = ""
    return etree.tostring(root, pretty_print=True, encoding="utf-8", xml_declaration=False)


@settings(max_examples=150, deadline=None)
@given(
    file_name=TEXT,
    folder=TEXT,
    name=TEXT.filter(bool),
    pose=TEXT,
    extra=TEXT,
    part=TEXT,
    x=st.floats(-5, 5, allow_nan=False),
    size=st.floats(0, 9, allow_nan=False),
)
def test_item_xml_is_what_lxml_writes(
    file_name: str, folder: str, name: str, pose: str, extra: str, part: str, x: float, size: float
) -> None:
    attributes: dict[str, JSONValue] = {
        "pose": pose,
        "note": extra,
        "truncated": 1,
        "parts": [{"name": part, "xmin": 1}],
    }
    box = Box(category_id=3, x=x, y=x, width=size, height=size, attributes=attributes)
    item = Item(
        id="i",
        file_name=file_name,
        width=7,
        height=5,
        annotations=(box,),
        attributes={"voc:folder": folder},
    )
    xml = _item_xml(item, [box], {3: Category(id=3, name=name)}, "continuous")
    assert xml == canonical(xml)
    root = etree.fromstring(xml)
    assert (root.findtext("filename"), root.findtext("folder")) == (
        _NOT_XML.sub("", file_name),
        _NOT_XML.sub("", folder),
    )
    assert root.findtext("object/name") == _NOT_XML.sub("", name)
    assert root.findtext("object/attributes/attribute/value") == _NOT_XML.sub("", extra)
    assert root.findtext("object/part/name") == _NOT_XML.sub("", part)


def test_subpixel_inclusive_box_survives_float_rounding(tmp_path: Path) -> None:
    # Written as ymin 1.477, ymax 0.977; read back, 0.977 + 1 - 1.477 is not exactly 0.5.
    box = Box(category_id=1, x=0.0, y=0.477, width=0.5, height=0.5)
    item = Item(id="a", file_name="a.jpg", annotations=(box,))
    dataset = Dataset(categories=(Category(id=1, name="c"),), items=(item,))
    voc.write.write(dataset, tmp_path / "o", pixel_convention="inclusive", images="none")
    (back,) = next(iter(voc.read.read(tmp_path / "o", pixel_convention="inclusive"))).annotations
    assert isinstance(back, Box)
    assert (back.x, back.y, back.width, back.height) == pytest.approx(
        (0, 0.477, 0.5, 0.5), abs=1e-9
    )


def test_zero_area_box_left_out_and_reported(tmp_path: Path) -> None:
    boxes = (
        Box(category_id=1, x=0.0, y=0.477, width=0.0, height=0.0),
        Box(category_id=1, x=1, y=1, width=2, height=0.0),
        Box(category_id=1, x=1, y=1, width=2, height=3),
    )
    item = Item(id="a", file_name="a.jpg", annotations=boxes)
    dataset = Dataset(categories=(Category(id=1, name="c"),), items=(item,))
    report = voc.write.write(dataset, tmp_path / "o", images="none")
    assert report.skipped == {"zero-area box": 2}
    (back,) = next(iter(voc.read.read(tmp_path / "o"))).annotations
    assert isinstance(back, Box) and (back.width, back.height) == (2, 3)


SILENT = st.fixed_dictionaries(
    {},
    optional={
        "coco:id": st.integers(1, 9),
        "coco:area": st.floats(0, 99, allow_nan=False),
        "coco:iscrowd": st.sampled_from([0, 1]),
        "ango:schemaId": st.just("s1"),
        "ango:objectId": st.just("o1"),
        "ango:page": st.just(2),
    },
)


@settings(max_examples=150, deadline=None)
@given(
    boxes=st.lists(
        st.tuples(
            st.sampled_from([3, 4]),
            st.floats(-5, 50, allow_nan=False),
            st.floats(0, 9, allow_nan=False),
            SILENT,
        ),
        max_size=4,
    ),
    convention=st.sampled_from(["continuous", "inclusive"]),
)
def test_cached_object_head_is_the_general_object_xml(
    boxes: list[tuple[int, float, float, dict[str, JSONValue]]], convention: PixelConvention
) -> None:
    """Boxes whose attributes VOC never writes take a head cached per class: the XML
    must be what the general path writes for each of them."""
    from unittest import mock

    from ango_convert.formats.voc import annotation_xml as _voc_write

    item = Item(
        id="i",
        file_name="i.jpg",
        width=50,
        height=50,
        annotations=tuple(
            Box(category_id=c, x=x, y=x, width=w, height=w, attributes=a) for c, x, w, a in boxes
        ),
    )
    categories = {3: Category(id=3, name="a&b"), 4: Category(id=4, name="dog")}
    plain = _item_xml(item, list(item.annotations), categories, convention, {})  # type: ignore[arg-type]
    with mock.patch.object(_voc_write, "_SILENT_KEYS", frozenset()):
        general = _item_xml(item, list(item.annotations), categories, convention, {})  # type: ignore[arg-type]
    assert plain == general
