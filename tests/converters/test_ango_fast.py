"""The plain-box path of the Ango decoder gives what the general decoder gives, or
declines: a property test over objects near the usual shape."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ango_convert.formats.ango.decode import AngoDecoder
from ango_convert.model import Category
from ango_convert.ontology import Ontology, ToolEntry

CATEGORIES = (Category(id=1, name="cat"), Category(id=2, name="dog"))
ONTOLOGY = Ontology(tools=[ToolEntry(title="dog", tool="bounding-box", schema_id="S-dog")])
NUMBERS = st.one_of(
    st.integers(-5, 5),
    st.floats(-1e3, 1e3, allow_nan=False),
    st.sampled_from([1e308, -1e308, True, None, "3", 0.5]),
)
SIDES = st.fixed_dictionaries(
    {"x": NUMBERS, "y": NUMBERS, "width": NUMBERS, "height": NUMBERS},
    optional={"rotation": st.just(0)},
)
OBJECTS = st.fixed_dictionaries(
    {"bounding-box": st.one_of(SIDES, st.just([1, 2, 3, 4]))},
    optional={
        "title": st.sampled_from(["cat", "dog", "bird", "", 7]),
        "schemaId": st.sampled_from(["S-dog", "S-none", None, 3]),
        "objectId": st.sampled_from(["a1", "p:kp:0", 5, None]),
        "classifications": st.sampled_from([[], None, [{"title": "iscrowd", "answer": "yes"}]]),
        "page": st.just(2),
    },
)


def _decode(objects: list[Any], plain: bool) -> object:
    decoder = AngoDecoder(CATEGORIES, ONTOLOGY)
    if not plain:
        decoder._plain.box = lambda obj: None  # type: ignore[method-assign]
    try:
        return decoder.decode_objects(objects)
    except ValueError as exc:
        return str(exc)


@settings(max_examples=500, deadline=None)
@given(st.lists(OBJECTS, max_size=4))
def test_plain_boxes_decode_as_the_general_decoder_does(objects: list[Any]) -> None:
    assert _decode(objects, plain=True) == _decode(objects, plain=False)


def test_usual_boxes_take_the_plain_path() -> None:
    decoder = AngoDecoder(CATEGORIES, ONTOLOGY)
    obj = {"bounding-box": {"x": 1, "y": 2, "width": -3, "height": 4}, "title": "cat",
           "objectId": "o1", "classifications": []}  # fmt: skip
    box = decoder._plain.box(obj)
    assert box is not None
    assert (box.x, box.width, box.category_id) == (-2, 3, 1)
    assert decoder._plain.box({**obj, "schemaId": "S-dog", "title": "x"}).category_id == 2  # type: ignore[union-attr]
