"""Mask geometry: RLE codecs against pycocotools, and exact mask <-> zones round trips."""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pycocotools import mask as coco_mask

from ango_convert import masks
from ango_convert.model import Mask, Zone


def grid(text: str) -> npt.NDArray[np.bool_]:
    """A mask drawn with '#' for set pixels, one line per row."""
    return np.array([[c == "#" for c in line] for line in text.strip().split()], dtype=bool)


def to_mask(array: npt.ArrayLike) -> Mask:
    return masks.array_to_mask(array, category_id=1)


def round_trip(array: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    zones = masks.mask_to_zones(to_mask(array))
    h, w = array.shape
    return masks.mask_to_array(masks.zones_to_mask(zones, height=h, width=w, category_id=1))


small_masks = st.integers(1, 24).flatmap(
    lambda h: st.integers(1, 24).flatmap(lambda w: arrays(np.bool_, (h, w)))
)


# --- RLE -------------------------------------------------------------------------------------


def test_counts_are_column_major_and_start_with_background() -> None:
    array = grid("""
        #.
        ##
    """)
    assert masks.array_to_counts(array) == (0, 2, 1, 1)
    assert masks.array_to_counts(~array) == (2, 1, 1)


@settings(max_examples=150, deadline=None)
@given(small_masks)
def test_counts_round_trip_and_match_pycocotools(array: npt.NDArray[np.bool_]) -> None:
    counts = masks.array_to_counts(array)
    assert (masks.counts_to_array(counts, *array.shape) == array).all()
    encoded = coco_mask.encode(np.asfortranarray(array.astype(np.uint8)))
    assert masks.compress_counts(counts) == encoded["counts"].decode("ascii")
    assert masks.decompress_counts(encoded["counts"].decode("ascii")) == counts


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 5000), max_size=40))
def test_compressed_counts_round_trip(counts: list[int]) -> None:
    assert masks.decompress_counts(masks.compress_counts(counts)) == tuple(counts)


@settings(max_examples=100, deadline=None)
@given(small_masks)
def test_area_and_bbox_match_pycocotools(array: npt.NDArray[np.bool_]) -> None:
    mask = to_mask(array)
    encoded = coco_mask.encode(np.asfortranarray(array.astype(np.uint8)))
    assert masks.mask_area(mask) == int(coco_mask.area(encoded))
    assert masks.mask_bbox(mask) == tuple(int(v) for v in coco_mask.toBbox(encoded))


@pytest.mark.parametrize(
    ("text", "reason"),
    [("0~", "invalid character"), ("W", "end in the middle"), ("@", "negative run")],
)
def test_bad_compressed_counts_are_refused(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        masks.decompress_counts(text)


def test_counts_that_do_not_fill_the_image_are_refused() -> None:
    with pytest.raises(ValueError, match="add up to 3, expected 4"):
        masks.counts_to_array((1, 2), 2, 2)


# --- tracing ---------------------------------------------------------------------------------


def test_one_pixel_gives_a_clockwise_unit_square() -> None:
    zones = masks.mask_to_zones(
        to_mask(
            grid("""
        ...
        .#.
    """)
        )
    )
    assert zones == (Zone(outer=((1, 1), (2, 1), (2, 2), (1, 2))),)


def test_ring_with_hole_drops_collinear_points() -> None:
    zones = masks.mask_to_zones(
        to_mask(
            grid("""
        ###
        #.#
        ###
    """)
        )
    )
    assert zones == (
        Zone(outer=((0, 0), (3, 0), (3, 3), (0, 3)), holes=(((1, 1), (1, 2), (2, 2), (2, 1)),)),
    )


def test_diagonal_pixels_are_separate_zones() -> None:
    zones = masks.mask_to_zones(
        to_mask(
            grid("""
        #.
        .#
    """)
        )
    )
    assert [zone.outer for zone in zones] == [
        ((0, 0), (1, 0), (1, 1), (0, 1)),
        ((1, 1), (2, 1), (2, 2), (1, 2)),
    ]


def test_hole_touching_the_outside_at_a_corner_stays_a_hole() -> None:
    zones = masks.mask_to_zones(
        to_mask(
            grid("""
        ###.
        #.#.
        ##..
        ....
    """)
        )
    )
    assert len(zones) == 1
    assert zones[0].holes == (((1, 1), (1, 2), (2, 2), (2, 1)),)
    assert (2, 2) in zones[0].outer  # the hole touches the outer ring at one vertex


def test_island_inside_a_hole_is_its_own_zone() -> None:
    array = grid("""
        #####
        #...#
        #.#.#
        #...#
        #####
    """)
    zones = masks.mask_to_zones(to_mask(array))
    assert [len(zone.holes) for zone in zones] == [1, 0]
    assert zones[1].outer == ((2, 2), (3, 2), (3, 3), (2, 3))
    assert (round_trip(array) == array).all()


def test_holes_go_to_the_component_around_them() -> None:
    array = grid("""
        ###.###
        #.#.#.#
        ###.###
    """)
    zones = masks.mask_to_zones(to_mask(array))
    assert [len(zone.holes) for zone in zones] == [1, 1]
    assert zones[1].holes == (((5, 1), (5, 2), (6, 2), (6, 1)),)


def test_full_image_and_empty_mask() -> None:
    full = np.ones((3, 4), dtype=bool)
    assert masks.mask_to_zones(to_mask(full)) == (Zone(outer=((0, 0), (4, 0), (4, 3), (0, 3))),)
    assert masks.mask_to_zones(to_mask(~full)) == ()


@settings(max_examples=200, deadline=None)
@given(small_masks)
def test_mask_to_zones_round_trips_exactly(array: npt.NDArray[np.bool_]) -> None:
    zones = masks.mask_to_zones(to_mask(array))
    assert (round_trip(array) == array).all()
    for zone in zones:
        for ring in (zone.outer, *zone.holes):
            assert len(set(ring)) == len(ring), "rings must be simple"
            assert all(isinstance(v, int) for point in ring for v in point)


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 24), st.integers(2, 24), st.data())
def test_dense_blobs_round_trip(h: int, w: int, data: st.DataObject) -> None:
    # Mostly-set masks with a few holes exercise holes, islands and pinches more often.
    holes = data.draw(arrays(np.bool_, (h, w), elements=st.sampled_from([True] * 4 + [False])))
    assert (round_trip(holes) == holes).all()


def test_large_mask_is_fast() -> None:
    yy, xx = np.mgrid[:1000, :1000]
    disc = (yy - 500) ** 2 + (xx - 500) ** 2 < 400**2
    disc &= (yy - 500) ** 2 + (xx - 400) ** 2 >= 100**2
    mask = to_mask(disc)
    began = time.perf_counter()
    zones = masks.mask_to_zones(mask)
    back = masks.zones_to_mask(zones, height=1000, width=1000, category_id=1)
    assert time.perf_counter() - began < 1.0  # about 0.05 s here; slack for busy CI
    assert back == mask
    assert len(zones) == 1
    assert len(zones[0].holes) == 1


# --- rasterising -----------------------------------------------------------------------------


def test_rasterise_uses_pixel_centres() -> None:
    # A triangle: pixels whose centre lies inside are set, others not.
    zone = Zone(outer=((0.0, 0.0), (4.0, 0.0), (0.0, 3.0)))
    array = masks.rasterise([zone], height=4, width=4)
    expected = grid("""
        ###.
        ##..
        #...
        ....
    """)
    assert (array == expected).all()


def test_rasterise_clips_and_unions_overlapping_zones() -> None:
    a = Zone(outer=((-5.0, -5.0), (2.0, -5.0), (2.0, 2.0), (-5.0, 2.0)))
    b = Zone(outer=((1.0, 1.0), (9.0, 1.0), (9.0, 3.0), (1.0, 3.0)))
    array = masks.rasterise([a, b], height=3, width=3)
    assert (
        array
        == grid("""
        ##.
        ###
        .##
    """)
    ).all()


def test_rasterise_nothing_gives_an_empty_mask() -> None:
    mask = masks.zones_to_mask([], height=2, width=3, category_id=4)
    assert mask.counts == (6,)
    assert mask.category_id == 4
