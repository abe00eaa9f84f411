"""The seam between readers and the network.

Formats never import an HTTP library: a reader that can use remote files takes a
:class:`Fetcher` (the ``fetcher`` service parameter) and the caller decides whether one
is given. :mod:`ango_convert.hub.images` has the HTTP implementation; tests pass fakes.
"""

from __future__ import annotations

from typing import Protocol


class Fetcher(Protocol):
    """Reads what a reader needs from a URL."""

    def image_size(self, url: str) -> tuple[int, int] | None:
        """The (width, height) from the image's header bytes, or None when the URL does
        not answer with a readable image header."""
        ...
