"""Pairing items, matching objects and measuring changes: the parts ``diff`` is made of."""

from __future__ import annotations

import math
import tracemalloc
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ango_convert.model import (
    Annotation,
    Box,
    Category,
    Dataset,
    Item,
    Keypoints,
    Mask,
    Point,
    Polygon,
    RotatedBox,
    Zone,
)
from ango_convert.views import diff
from ango_convert.views import waiting as waiting_module
from ango_convert.views.changes import largest_change
from ango_convert.views.overlap import iou
from ango_convert.views.pairing import paired_items

CATEGORIES = (Category(id=1, name="car"), Category(id=2, name="person"), Category(id=3, name="dog"))


def _box(category_id: int, x: float, y: float, w: float = 40, h: float = 30) -> Box:
    return Box(category_id=category_id, x=x, y=y, width=w, height=h)


def _item(name: str, *annotations: Annotation, item_id: str | None = None) -> Item:
    return Item(id=item_id or name, file_name=name, width=640, height=480, annotations=annotations)


# --- pairing --------------------------------------------------------------------------------


class _Stream:
    """A one-pass iterable of items (as a streamed reader gives), not a sequence."""

    def __init__(self, items: list[Item]) -> None:
        self.items = items

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)


def _pairs(first: object, second: object) -> set[tuple[str | None, str | None]]:
    return {
        (a.id if a else None, b.id if b else None)
        for a, b in paired_items(first, second)  # type: ignore[arg-type]
    }


@pytest.mark.parametrize("in_memory", [2, 10_000])
def test_pairing__by_name_in_any_order_then_by_id(
    monkeypatch: pytest.MonkeyPatch, in_memory: int
) -> None:
    monkeypatch.setattr(waiting_module, "IN_MEMORY", in_memory)
    first = [_item(f"{n}.jpg", item_id=f"a{n}") for n in range(8)]
    first.append(_item("dup.jpg", item_id="a-dup-1"))
    first.append(_item("dup.jpg", item_id="a-dup-2"))
    first.append(_item("renamed-a.jpg", item_id="same-id"))
    first.append(_item("only-a.jpg", item_id="oa"))
    second = [_item(f".\\{n}.jpg" if n == 3 else f"{n}.jpg", item_id=f"b{n}") for n in range(8)]
    second.reverse()
    second.append(_item("dup.jpg", item_id="b-dup-1"))
    second.append(_item("dup.jpg", item_id="b-dup-2"))
    second.append(_item("renamed-b.jpg", item_id="same-id"))
    second.append(_item("only-b.jpg", item_id="ob"))
    expected = {(f"a{n}", f"b{n}") for n in range(8)} | {
        ("a-dup-1", "b-dup-1"),
        ("a-dup-2", "b-dup-2"),
        ("same-id", "same-id"),
        ("oa", None),
        (None, "ob"),
    }
    assert _pairs(_Stream(first), _Stream(second)) == expected
    assert _pairs(first, _Stream(second)) == expected
    assert _pairs(_Stream(first), second) == expected


def _stream(count: int, reverse: bool) -> _Stream:
    indexes = range(count - 1, -1, -1) if reverse else range(count)
    return _Stream(
        [_item(f"{n}.jpg", *(_box(1 + k % 2, 10 * k, 10 * k) for k in range(5))) for n in indexes]
    )


def _peak(count: int) -> int:
    first, second = _stream(count, False), _stream(count, True)
    sizes = [len(first.items), len(second.items)]
    # Items are built ahead here; what is measured is what the diff holds on top.
    tracemalloc.start()
    try:
        report = diff(
            Dataset(categories=CATEGORIES, items=first),
            Dataset(categories=CATEGORIES, items=second),
        )
        assert report.equal and report.items_paired == sizes[0]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_diff__streams_in_opposite_orders_wait_on_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(waiting_module, "IN_MEMORY", 50)
    small, large = _peak(400), _peak(4_000)
    assert large < small * 1.5 + 300_000, (small, large)


# --- the measures ---------------------------------------------------------------------


coordinates = st.floats(min_value=-50, max_value=500, allow_nan=False)
sizes = st.floats(min_value=0.5, max_value=200, allow_nan=False)
boxes = st.builds(_box, st.integers(1, 3), coordinates, coordinates, sizes, sizes)
rotated = st.builds(
    RotatedBox,
    category_id=st.just(1),
    cx=coordinates,
    cy=coordinates,
    width=sizes,
    height=sizes,
    angle=st.floats(min_value=-180, max_value=180),
)


@given(st.lists(st.lists(boxes, max_size=8), min_size=1, max_size=6))
@settings(max_examples=60, deadline=None)
def test_diff__any_dataset_against_itself_is_unchanged(groups: list[list[Box]]) -> None:
    items = tuple(_item(f"{n}.jpg", *group) for n, group in enumerate(groups))
    report = diff(
        Dataset(categories=CATEGORIES, items=items),
        Dataset(categories=CATEGORIES, items=_Stream(list(items))),
    )
    assert report.equal
    assert report.total("unchanged") == sum(len(group) for group in groups)


@given(boxes, boxes)
def test_iou__boxes_symmetric_and_bounded(first: Box, second: Box) -> None:
    value = iou(first, second)
    assert 0.0 <= value <= 1.0
    assert value == pytest.approx(iou(second, first))
    assert iou(first, first) == 1.0


@given(rotated, rotated)
@settings(deadline=None)
def test_iou__rotated_boxes_symmetric_and_bounded(first: RotatedBox, second: RotatedBox) -> None:
    value = iou(first, second)
    assert 0.0 <= value <= 1.0
    assert value == pytest.approx(iou(second, first), abs=1e-9)
    assert iou(first, first) == pytest.approx(1.0)


def test_iou__known_values() -> None:
    a = RotatedBox(category_id=1, cx=50, cy=50, width=20, height=10, angle=0)
    turned = RotatedBox(category_id=1, cx=50, cy=50, width=10, height=20, angle=90)
    assert iou(a, turned) == pytest.approx(1.0)
    assert largest_change(a, turned) == pytest.approx(0.0, abs=1e-9)
    shifted = RotatedBox(category_id=1, cx=60, cy=50, width=20, height=10, angle=0)
    assert iou(a, shifted) == pytest.approx(1 / 3)
    square = ((0.0, 0.0), (40.0, 0.0), (40.0, 40.0), (0.0, 40.0))
    hole = ((10.0, 10.0), (30.0, 10.0), (30.0, 30.0), (10.0, 30.0))
    full = Polygon(category_id=1, zones=(Zone(outer=square),))
    holed = Polygon(category_id=1, zones=(Zone(outer=square, holes=(hole,)),))
    assert iou(full, holed) == pytest.approx(0.75, abs=0.01)
    traced = Polygon(category_id=1, zones=(Zone(outer=((0, 0), (1, 0), (1, 2), (0, 2))),))
    left = Mask(category_id=1, height=2, width=2, counts=(0, 2, 2))
    assert iou(traced, left) == iou(left, traced) == 1.0
    assert largest_change(traced, left) == 0.0
    mask_a = Mask(category_id=1, height=2, width=2, counts=(0, 2, 2))  # left column
    mask_b = Mask(category_id=1, height=2, width=2, counts=(0, 4))
    assert iou(mask_a, mask_b) == 0.5
    assert iou(Point(category_id=1, x=5, y=5), Point(category_id=1, x=6, y=5)) > 0.9
    assert iou(_box(1, 0, 0), Point(category_id=1, x=5, y=5)) == 0.0  # kinds never match
    reordered = Polygon(category_id=1, zones=(Zone(outer=square[2:] + square[:2]),))
    assert largest_change(full, reordered) == 0.0
    assert math.isinf(
        largest_change(
            Keypoints(category_id=1, points=((1, 1, 2),)),
            Keypoints(category_id=1, points=((1, 1, 0),)),
        )
    )
