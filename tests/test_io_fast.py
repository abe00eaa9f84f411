"""safe_relative_path's shortcut for plain names gives what the full rules give."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ango_convert.io import names as io_names

NAMES = st.one_of(
    st.from_regex(r"[A-Za-z0-9_.\- ]{1,20}", fullmatch=True),
    st.text(max_size=20),
    st.sampled_from(["img_0001.jpg", ".hidden", "a..b", "a.", "-", "x" * 300, "a b.jpg"]),
)


@settings(max_examples=300, deadline=None)
@given(name=NAMES, keep_dirs=st.booleans())
def test_plain_names_shortcut_matches_the_rules(name: str, keep_dirs: bool) -> None:
    with pytest.MonkeyPatch.context() as patch:
        fast = _outcome(name, keep_dirs)
        patch.setattr(io_names, "_PLAIN_NAME", re.compile(r"(?!)"))  # never matches
        assert fast == _outcome(name, keep_dirs)


def _outcome(name: str, keep_dirs: bool) -> object:
    try:
        return io_names.safe_relative_path(name, keep_dirs=keep_dirs)
    except ValueError as exc:
        return str(exc)
