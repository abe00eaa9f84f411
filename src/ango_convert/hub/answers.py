"""Reading an HTTP answer's body against a deadline for the whole of it.

``requests`` bounds each socket read, not the answer: a server sending one byte every
two seconds keeps a call alive forever. :func:`chunks` reads whatever each socket read
gives (``read1``) and checks a deadline after every piece.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

import requests
import urllib3

#: Bytes asked of the socket at a time.
CHUNK = 1 << 16


class AnswerTimeout(requests.exceptions.Timeout):
    """The whole answer did not arrive in time, however lively the socket was."""


@contextlib.contextmanager
def closed_on_error(response: requests.Response) -> Iterator[None]:
    """Close ``response`` when the block raises (its connection is not reused)."""
    try:
        yield
    except BaseException:
        response.close()
        raise


def chunks(response: requests.Response, deadline: Callable[[int], float]) -> Iterator[bytes]:
    """The body as it arrives (``read1``: whatever one socket read gives, so a trickle
    returns here often), checking ``deadline(bytes so far)`` after each piece.

    Raises:
        AnswerTimeout: The deadline passed before the body ended.
        requests.RequestException: The connection broke (urllib3's errors translated,
            as ``iter_content`` does, so the retry policy sees them).
    """
    raw = response.raw
    # urllib3 decodes gzip when asked; a plain stream (tests) has no such argument.
    options = {"decode_content": True} if isinstance(raw, urllib3.HTTPResponse) else {}
    received = 0
    while True:
        try:
            chunk = raw.read1(CHUNK, **options)
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise requests.exceptions.ReadTimeout(exc) from None
        except (urllib3.exceptions.ProtocolError, urllib3.exceptions.SSLError) as exc:
            raise requests.exceptions.ChunkedEncodingError(exc) from None
        except urllib3.exceptions.DecodeError as exc:
            raise requests.exceptions.ContentDecodingError(exc) from None
        except urllib3.exceptions.HTTPError as exc:
            raise requests.exceptions.ConnectionError(exc) from None
        if not chunk:
            return
        received += len(chunk)
        yield chunk
        if time.monotonic() > deadline(received):
            raise AnswerTimeout(
                f"the answer did not end in time, the timeout counting for all of it "
                f"({received} bytes came)"
            )
