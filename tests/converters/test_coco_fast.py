"""The plain-box fast path of the COCO reader gives exactly what the general path gives,
and leaves every record it does not fully understand (or that is wrong) to it."""

from __future__ import annotations

import contextlib
import copy
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ango_convert.formats import coco
from ango_convert.formats.coco import _fast as _coco_fast
from ango_convert.formats.coco import decode as _coco_read
from ango_convert.formats.coco import entries as _coco_entries
from ango_convert.formats.coco.keys import Located
from ango_convert.model import (
    ATTR_COCO_AREA,
    ATTR_COCO_ID,
    ATTR_ISCROWD,
    Box,
    Category,
    Dataset,
    Item,
    JSONValue,
)

BASE = {"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]}


def document(*annotations: Any) -> dict[str, Any]:
    return {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 8}],
        "annotations": list(annotations),
        "categories": [{"id": 1, "name": "thing"}],
    }


def both(doc: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    """Parse with the fast path and without; each gives a Dataset or the error's text."""
    results: list[object] = []
    for fast in (True, False):
        with monkeypatch.context() as patch:
            if not fast:
                patch.setattr(_coco_read, "plain_box", lambda *args: False)
            try:
                results.append(_coco_read.parse_document(copy.deepcopy(doc)))
            except Located as exc:
                results.append(f"{exc.where}: {exc.reason}")
    return results[0], results[1]


VARIANTS = [
    {},
    {"iscrowd": 1},
    {"iscrowd": 0, "area": 12},
    {"area": 12.5, "segmentation": []},
    {"segmentation": None, "area": None},
    {"iscrowd": True},  # a boolean: general path
    {"iscrowd": None},
    {"iscrowd": 2},
    {"id": 3.0},
    {"image_id": 9},
    {"category_id": 9},
    {"bbox": [1, 2, -3, 4]},
    {"bbox": [100, 2, 3, 4]},  # wholly outside the image
    {"bbox": [1, 2, 3]},
    {"bbox": [1, "2", 3, 4]},
    {"bbox": [1.5, 2.25, 0, 0]},
    {"area": "big"},
    {"segmentation": [[1, 1, 4, 1, 4, 4]]},
    {"keypoints": []},
    {"extra": "kept"},
    {"attributes": {"occluded": True}},
]


@pytest.mark.parametrize("variant", VARIANTS, ids=[str(v) for v in VARIANTS])
def test_fast_path_matches_general_path(variant: dict[str, Any], monkeypatch: pytest.MonkeyPatch):
    fast, general = both(document(BASE | variant), monkeypatch)
    assert fast == general


def test_duplicate_id_after_a_fast_box_is_located(monkeypatch: pytest.MonkeyPatch) -> None:
    fast, general = both(document(BASE, BASE | {"bbox": [2, 2, 1, 1]}), monkeypatch)
    assert fast == general == "('annotations', 1, 'id'): duplicate id 1 (also at $.annotations[0])"


def test_plain_box_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    taken: list[bool] = []
    original = _coco_fast.plain_box

    def spy(*args: Any) -> bool:
        taken.append(original(*args))
        return taken[-1]

    monkeypatch.setattr(_coco_read, "plain_box", spy)
    dataset = _coco_read.parse_document(document(BASE, BASE | {"id": 2, "extra": 1}))
    assert isinstance(dataset, Dataset)
    assert taken == [True, False]


NUMBER = st.one_of(
    st.integers(-20, 20), st.floats(-20, 20, allow_nan=False), st.sampled_from([float("inf")])
)


@settings(max_examples=60, deadline=None)
@given(bbox=st.lists(NUMBER, min_size=4, max_size=4), area=st.one_of(st.none(), NUMBER))
def test_random_boxes_agree(bbox: list[float], area: float | None) -> None:
    doc = document(BASE | {"bbox": bbox, "area": area})
    with pytest.MonkeyPatch.context() as patch:
        assert _same(doc, patch)


def _same(doc: dict[str, Any], patch: pytest.MonkeyPatch) -> bool:
    fast, general = both(doc, patch)
    return fast == general


BOX_ATTRIBUTES: list[dict[str, JSONValue]] = [
    {},
    {ATTR_COCO_ID: 7, ATTR_ISCROWD: 1, ATTR_COCO_AREA: 3.5},
    {ATTR_COCO_ID: "12", ATTR_COCO_AREA: True, "occluded": True, "coco:extra": [1]},
    {"coco:id": 7, "coco:area": "big", "coco:bbox": [0, 0, 1, 1], "voc:pose": "Left", "n": None},
]


@pytest.mark.parametrize("attributes", BOX_ATTRIBUTES, ids=[str(a) for a in BOX_ATTRIBUTES])
def test_writer_lone_box_path_matches_general_path(
    tmp_path: Path, attributes: dict[str, JSONValue], monkeypatch: pytest.MonkeyPatch
) -> None:
    boxes = (
        Box(category_id=1, x=1, y=2, width=3, height=4, attributes=attributes),
        Box(category_id=1, x=0.5, y=0, width=0, height=2.25),
    )
    dataset = Dataset(
        categories=(Category(id=1, name="thing"),),
        items=(Item(id="3", file_name="a.jpg", width=10, height=8, annotations=boxes),),
    )
    coco.write.write(dataset, tmp_path / "fast.json")
    monkeypatch.setattr(_coco_entries, "lone_boxes", lambda item: False)
    coco.write.write(dataset, tmp_path / "general.json")
    assert (tmp_path / "fast.json").read_bytes() == (tmp_path / "general.json").read_bytes()


ODD = st.sampled_from([None, True, 2.0, 2.5, "a.jpg", "", [1]])
IMAGES = st.lists(
    st.fixed_dictionaries(
        {"id": st.one_of(st.integers(1, 3), ODD)},
        optional={
            "file_name": st.one_of(st.just("a.jpg"), ODD),
            "width": st.one_of(st.integers(-1, 3), ODD),
            "height": st.one_of(st.integers(-1, 3), ODD),
            "license": ODD,
        },
    ),
    max_size=3,
)


@settings(max_examples=300, deadline=None)
@given(IMAGES)
def test_plain_images_read_as_the_general_path_does(images: list[dict[str, Any]]) -> None:
    """Image records: the fast path gives the same images, or the same located error."""
    results: list[object] = []
    for fast in (True, False):
        doc = {"images": copy.deepcopy(images), "annotations": [], "categories": []}
        general = mock.patch.object(_coco_read, "plain_image", return_value=None)
        with contextlib.nullcontext() if fast else general:
            try:
                results.append(_coco_read.parse_document(doc))
            except Located as exc:
                results.append(f"{exc.where}: {exc.reason}")
    assert results[0] == results[1]
