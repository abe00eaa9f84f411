"""A small Ango Hub HTTP client on requests: auth, timeouts, retries and one-line errors.

The API key travels only in the ``apikey`` header of calls to the configured host. It is
kept in a :class:`Secret` whose ``repr`` and ``str`` are ``***``, redirects are never
followed with it, it is never sent to the signed export URL, and every message the
client builds (log lines, exceptions) is scrubbed of it. Exceptions raised by requests
are not chained (``from None``): they hold the prepared request, headers included.

Retries: 429 (honouring ``Retry-After`` in seconds or as an HTTP date, capped), 5xx and
connection errors are retried with exponential backoff and jitter. Other 4xx answers
are final. This module knows nothing about converters.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import orjson
import requests

from ango_convert import __version__
from ango_convert.errors import AuthError, HubConnectionError, HubError
from ango_convert.hub.answers import AnswerTimeout, chunks, closed_on_error
from ango_convert.hub.retry import (
    RetryPolicy,
    parse_retry_after,
    retryable_exception,
    retryable_status,
)

logger = logging.getLogger(__name__)

DEFAULT_HOST = "https://imeritapi.ango.ai"
#: Known Ango Hub API hosts, by region (``--host`` takes any of these URLs).
REGIONAL_HOSTS: Mapping[str, str] = {
    "eu": "https://imeritapi.ango.ai",
    "eu-alias": "https://eu-api.ango.ai",
    "us": "https://us-api.ango.ai",
    "in": "https://in-api.ango.ai",
    "test": "https://testapi.ango.ai",
}
#: (connect, answer) seconds. The answer budget is generous because a label import of a
#: full batch and an export request both answer only when the server is done. It bounds
#: the whole answer, not each socket read: a server trickling a byte at a time is cut off.
DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 300.0)
#: An exchange that runs out of time is tried this many times in all (not the policy's
#: six): a silent server costs two timeouts, not half an hour.
TIMEOUT_TRIES = 2
#: Largest API answer read (real ones are a few MB at most); downloads have no cap.
MAX_ANSWER_BYTES = 64 << 20
#: A download may take its timeout plus one second per this many bytes received: a large
#: export on a slow link finishes, a trickle does not.
MIN_DOWNLOAD_RATE = 32 << 10
NO_KEY = (
    "no API key: pass --api-key, set ANGO_API_KEY or put api_key in "
    "~/.config/ango-convert/config.toml"
)
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_MAX_ERROR_TEXT = 300
_MAX_ERROR_BODY = 64 << 10


class Secret:
    """A string that never shows itself in ``repr``, ``str`` or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The real value, for the one header that needs it."""
        return self._value

    def scrub(self, text: str) -> str:
        """Replace every occurrence of the secret in ``text`` with ``***``."""
        return text.replace(self._value, "***") if self._value else text

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


def redact_url(url: str) -> str:
    """A URL without its query string and credentials: signed URLs carry tokens there."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def check_host(host: str) -> str:
    """Normalise a base URL; refuse plain http except to this machine.

    Raises:
        HubError: The URL is not http(s), or is plain http to another machine, which
            would send the API key in clear.
    """
    parts = urlsplit(host.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HubError(f"invalid host {redact_url(host)!r}: expected https://name")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise HubError(
            f"refusing plain http to {parts.hostname}: the API key would travel in clear"
        )
    return host.strip().rstrip("/")


def _describe(exc: BaseException) -> str:
    """Name a requests exception and its root cause, such as ``ConnectionError
    (RemoteDisconnected)``; the URL is left out, the caller names it."""
    if isinstance(exc, AnswerTimeout):
        return str(exc)
    reason: BaseException = exc
    for _ in range(6):  # requests and urllib3 nest causes a few levels deep
        inner = getattr(reason, "reason", None)
        if not isinstance(inner, BaseException):
            inner = next((arg for arg in reason.args if isinstance(arg, BaseException)), None)
        if inner is None:
            break
        reason = inner
    text = type(exc).__name__
    return text if reason is exc else f"{text} ({type(reason).__name__})"


class AngoClient:
    """Calls Ango Hub's ``/v2`` API with the API key, timeouts and retries.

    Args:
        api_key: The account's API key; None for calls that need none (downloads).
        host: Base URL, such as :data:`DEFAULT_HOST` or one of :data:`REGIONAL_HOSTS`.
        timeout: (connect, read) seconds for every call.
        retry: Retry policy; the default tries 6 times over about 30 seconds.
        session: A requests session to use (for connection pooling or tests).

    Attributes:
        retries: Retries made so far, over all calls.
    """

    def __init__(
        self,
        api_key: str | None,
        host: str = DEFAULT_HOST,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.host = check_host(host)
        self._key = Secret(api_key or "")
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._session = session or requests.Session()
        self.retries = 0

    def __repr__(self) -> str:
        return f"AngoClient(host={self.host!r}, api_key={self._key!r})"

    def __enter__(self) -> AngoClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    # --- API calls ---------------------------------------------------------------

    def post(self, path: str, body: Any) -> dict[str, Any]:
        """POST a JSON body to ``path`` (such as ``/v2/import/labels``).

        Returns:
            The ``data`` member of the success envelope (empty if there is none).

        Raises:
            AuthError: HTTP 401 or 403.
            HubError: Any other error answer, after retries for 429 and 5xx.
            HubConnectionError: No answer after every retry.
        """
        payload = orjson.dumps(body)
        return self._call("POST", path, data=payload)

    def get(self, path: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        """GET ``path`` with query parameters; same returns and errors as :meth:`post`."""
        return self._call("GET", path, params=dict(params or {}))

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        if not self._key.reveal():
            raise AuthError(NO_KEY)
        url = self.host + path
        headers = {
            "apikey": self._key.reveal(),
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"ango-convert/{__version__}",
        }

        what = f"{method} {url}"

        def attempt() -> requests.Response:
            # Redirects are not followed: requests would forward the apikey header.
            deadline = time.monotonic() + self.timeout[1]
            response = self._session.request(
                method,
                url,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
                stream=True,
                **kwargs,
            )
            with closed_on_error(response):
                body = bytearray()
                for chunk in chunks(response, lambda _: deadline):
                    body += chunk
                    if len(body) > MAX_ANSWER_BYTES:
                        raise HubError(
                            f"the answer is larger than {MAX_ANSWER_BYTES >> 20} MB ({what})",
                            response.status_code,
                        )
                response._content = bytes(body)  # what response.content returns from now on
            return response

        response = self._with_retries(what, attempt)
        with response:
            return self._decode(response, what)

    def _decode(self, response: requests.Response, what: str) -> dict[str, Any]:
        status = response.status_code
        if 300 <= status < 400:
            target = redact_url(response.headers.get("Location", "") or "?")
            raise HubError(
                f"{what} was redirected to {target}; not following with the API key", status
            )
        body = _json_or_none(response)
        if status >= 400 or (isinstance(body, dict) and body.get("status") in ("fail", "error")):
            self._raise_for(status, body, response.text, what)
        if not isinstance(body, dict):
            raise HubError(f"the answer is not a JSON object ({what})", status)
        data = body.get("data", {})
        return data if isinstance(data, dict) else {"value": data}

    def _raise_for(self, status: int, body: Any, text: str, what: str) -> None:
        message = body.get("message") if isinstance(body, dict) else None
        if not isinstance(message, str) or not message.strip():
            message = " ".join(text.split())[:_MAX_ERROR_TEXT] or "(no message)"
        message = self._key.scrub(message)
        if status in (401, 403):
            raise AuthError(f"{message} (check the API key and the host; {what})", status)
        if status == 451:
            message += " (blocked by the account's IP or country allowlist)"
        raise HubError(f"{message} ({what})", status)

    # --- downloads ---------------------------------------------------------------

    def download(
        self,
        url: str,
        sink: IO[bytes],
        progress: Callable[[int, int | None], None] | None = None,
    ) -> int:
        """Stream a signed URL (an ``exportPath``) into ``sink``, without the API key.

        A transfer cut mid-way is restarted from the beginning: ``sink`` is rewound.

        Args:
            url: The signed URL.
            sink: A seekable binary file.
            progress: Called with (bytes so far, total bytes or None).

        Returns:
            Bytes written.

        Raises:
            HubError: The URL answered with an error status.
            HubConnectionError: No complete transfer after every retry.
        """
        written = 0

        def attempt() -> requests.Response:
            nonlocal written
            started = time.monotonic()
            response = requests.get(url, stream=True, timeout=self.timeout)
            with closed_on_error(response):
                if response.status_code >= 300:
                    # An error page is read up to a small cap: its text is shown cut anyway.
                    response._content = response.raw.read(_MAX_ERROR_BODY) or b""
                    return response
                sink.seek(0)
                sink.truncate()
                written = _stream(response, sink, progress, started + self.timeout[1])
            return response

        response = self._with_retries(f"GET {redact_url(url)}", attempt)
        with response:
            if response.status_code >= 300:
                text = " ".join(response.text.split())[:_MAX_ERROR_TEXT]
                raise HubError(
                    f"download of {redact_url(url)} failed: {text}", response.status_code
                )
        return written

    # --- retries -----------------------------------------------------------------

    def _with_retries(
        self, what: str, attempt: Callable[[], requests.Response]
    ) -> requests.Response:
        tries = max(1, self.retry.attempts)
        timeouts = 0
        for number in range(tries):
            last = number + 1 == tries
            try:
                response = attempt()
            except requests.RequestException as exc:
                reason = self._key.scrub(_describe(exc))
                timeouts += isinstance(exc, requests.Timeout)
                if last or not retryable_exception(exc) or timeouts >= TIMEOUT_TRIES:
                    raise HubConnectionError(
                        f"{what}: no answer after {number + 1} "
                        f"tr{'y' if number == 0 else 'ies'}: {reason}"
                    ) from None
                delay = self.retry.backoff(number)
            else:
                if last or not retryable_status(response.status_code):
                    return response
                reason = f"HTTP {response.status_code}"
                delay = self.retry.delay(
                    number, parse_retry_after(response.headers.get("Retry-After"))
                )
                response.close()
            self.retries += 1
            logger.warning(
                "%s: %s; retry %d of %d in %.1f s", what, reason, number + 1, tries - 1, delay
            )
            self.retry.pause(delay)
        raise AssertionError("unreachable: the last try returns or raises")


def _json_or_none(response: requests.Response) -> Any:
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None


def _stream(
    response: requests.Response,
    sink: IO[bytes],
    progress: Callable[[int, int | None], None] | None,
    deadline: float = math.inf,
) -> int:
    length = response.headers.get("Content-Length")
    total = int(length) if length and length.isascii() and length.isdigit() else None
    written = 0
    for chunk in chunks(response, lambda got: deadline + got / MIN_DOWNLOAD_RATE):
        sink.write(chunk)
        written += len(chunk)
        if progress is not None:
            progress(written, total)
    if total is not None and written != total and not response.headers.get("Content-Encoding"):
        raise requests.exceptions.ChunkedEncodingError(f"got {written} of {total} bytes")
    return written
