"""When and how long to wait before calling Ango Hub again: backoff with jitter,
``Retry-After``, and which failures are worth another try."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests


def _sleep(seconds: float) -> None:
    """The pause between retries; tests replace this module attribute."""
    time.sleep(seconds)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to wait before trying a call again.

    Attributes:
        attempts: Tries in all, the first one included.
        base: Backoff before the second try, in seconds; doubles each time.
        cap: Longest backoff, in seconds.
        retry_after_cap: Longest wait a server's ``Retry-After`` can ask for.
        sleep: Called with the delay; None means :func:`time.sleep`.
        jitter: Returns a float in [0, 1); spreads clients that failed together.
    """

    attempts: int = 6
    base: float = 1.0
    cap: float = 30.0
    retry_after_cap: float = 60.0
    sleep: Callable[[float], None] | None = None
    jitter: Callable[[], float] = random.random

    def backoff(self, attempt: int) -> float:
        """Delay after failed try number ``attempt`` (0-based): half fixed, half random."""
        ceiling = min(self.cap, self.base * 2.0**attempt)
        return ceiling / 2 + self.jitter() * ceiling / 2

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """The server's Retry-After (capped, plus a little jitter) or the backoff."""
        if retry_after is None:
            return self.backoff(attempt)
        return min(self.retry_after_cap, retry_after) + self.jitter() * min(self.base, 1.0)

    def pause(self, seconds: float) -> None:
        """Wait before the next try."""
        (self.sleep or _sleep)(seconds)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Read a Retry-After header: delta seconds or an HTTP date; None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


def retryable_exception(exc: requests.RequestException) -> bool:
    if isinstance(exc, requests.exceptions.SSLError):
        return False  # a certificate problem does not fix itself
    retryable = (
        requests.ConnectionError,
        requests.Timeout,
        requests.exceptions.ChunkedEncodingError,
    )
    return isinstance(exc, retryable)


def retryable_status(status: int) -> bool:
    return status == 429 or status >= 500
