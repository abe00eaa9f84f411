"""The seam between readers and the network.

Formats never import an HTTP library: a reader that can use remote files takes a
:class:`Fetcher` (the ``fetcher`` service parameter) and the caller decides whether one
is given. :mod:`ango_convert.hub.images` has the HTTP implementation; tests pass fakes.
"""

from __future__ import annotations

from typing import Protocol


class FetchError(Exception):
    """A URL that could not be read; the message is safe to show (no URL query)."""


class Fetcher(Protocol):
    """Reads what a reader needs from a URL."""

    def image_size(self, url: str) -> tuple[int, int] | None:
        """The (width, height) from the image's header bytes, or None when the URL does
        not answer with a readable image header."""
        ...

    def get_bytes(self, url: str, limit: int) -> bytes:
        """The body of a plain GET of ``url`` (no API key), at most ``limit`` bytes.

        Raises:
            FetchError: The URL does not answer 200, the transfer fails, or the body is
                larger than ``limit``.
        """
        ...
