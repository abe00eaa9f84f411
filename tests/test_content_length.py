"""A Content-Length header that is not ASCII digits (``²`` is a digit to ``str.isdigit``)
is ignored, never turned into a crash of ``int()``."""

from __future__ import annotations

import io

import pytest
import requests

from ango_convert.hub import client
from ango_convert.hub import images as ango_images


def _response(length: str, body: bytes = b"abc") -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response.headers["Content-Length"] = length
    response.raw = io.BytesIO(body)
    return response


@pytest.mark.parametrize("length", ["²", "٣", "3 ", "-3", ""])
def test_odd_lengths_are_ignored(length: str) -> None:
    sink = io.BytesIO()
    assert client._stream(_response(length), sink, None) == 3
    assert sink.getvalue() == b"abc"
    ango_images._check_length(_response(length), written=3)  # no error: nothing to compare


def test_a_real_length_is_still_checked() -> None:
    with pytest.raises(ango_images._DownloadError, match="got 2 of 3 bytes"):
        ango_images._check_length(_response("3"), written=2)
