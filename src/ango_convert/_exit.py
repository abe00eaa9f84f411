"""Ending the command-line process without freeing what a conversion loaded.

Freeing a loaded COCO document and its dataset (millions of small objects) took about
a second at the end of a large conversion, after the output was complete. The API keeps
what it would free with :func:`retain` when the command line asked for it
(:func:`retain_until_exit`), and the command line then ends the process with
``os._exit`` once its streams are flushed, letting the OS take the memory back at once.
Library callers are unaffected: nothing is retained unless the command line asked.
"""

from __future__ import annotations

import logging
import os
import sys

from ango_convert.errors import EXIT_OUTPUT

_retained: list[object] | None = None


def retain_until_exit() -> None:
    """Let :func:`retain` keep objects until :func:`exit_now` (the command line only)."""
    global _retained
    _retained = []


def retain(value: object) -> None:
    """Keep ``value`` alive until the process ends, when :func:`retain_until_exit` was
    called; otherwise do nothing (it is freed as usual)."""
    if _retained is not None:
        _retained.append(value)


def exit_now(code: int) -> None:
    """End the process with ``code`` if anything was retained; return otherwise."""
    if not _retained:
        return
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed or broken: as a normal exit would say
            code = code or EXIT_OUTPUT
    os._exit(code)
