"""The IR's shortcut constructor builds the very object its dataclass constructor does."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ango_convert.model import Box, checked_box

FINITE = st.floats(allow_nan=False, allow_infinity=False)
SIZE = st.floats(min_value=0, allow_infinity=False)


@given(st.integers(), FINITE, FINITE, SIZE, SIZE, st.dictionaries(st.text(), st.integers()))
def test_checked_box_is_the_box_the_constructor_makes(
    category_id: int, x: float, y: float, width: float, height: float, attributes: dict[str, int]
) -> None:
    made = Box(category_id=category_id, x=x, y=y, width=width, height=height, attributes=attributes)
    checked = checked_box(category_id, x, y, width, height, attributes)
    assert checked == made
    assert hash(dataclasses.astuple(checked)[:6]) == hash(dataclasses.astuple(made)[:6])
    assert dataclasses.replace(checked, x=0.0) == dataclasses.replace(made, x=0.0)
    assert type(checked) is Box and checked.group is None


def test_checked_box_is_still_frozen() -> None:
    box = checked_box(1, 0.0, 0.0, 1.0, 1.0, {})
    with pytest.raises(dataclasses.FrozenInstanceError):
        box.x = 2.0  # type: ignore[misc]
