"""AngoClient against the loopback server: auth, errors, retries, secrecy, downloads."""

from __future__ import annotations

import io
import logging
import socket
from email.utils import formatdate

import pytest

from ango_convert.errors import EXIT_AUTH, EXIT_CONNECTION, AuthError, HubConnectionError, HubError
from ango_convert.hub import retry as retry_module
from ango_convert.hub.client import AngoClient, Secret, check_host
from ango_convert.hub.retry import RetryPolicy, parse_retry_after
from tests.hub_server import API_KEY, PROJECT, Fault, HubServer

BODY = {"project": PROJECT, "labels": [{"externalId": "a.jpg", "answer": {"objects": []}}]}


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record retry pauses instead of sleeping."""
    delays: list[float] = []
    monkeypatch.setattr(retry_module, "_sleep", delays.append)
    return delays


def make(hub: HubServer, key: str = API_KEY, attempts: int = 6) -> AngoClient:
    policy = RetryPolicy(attempts=attempts, base=0.01, cap=0.05, jitter=lambda: 0.5)
    return AngoClient(key, hub.url, timeout=(2.0, 5.0), retry=policy)


def test_post__returns_data_and_sends_the_key_header(hub: HubServer) -> None:
    with make(hub) as client:
        data = client.post("/v2/import/labels", BODY)
    assert data == {"project": "1 / 1 tasks are labeled."}
    assert hub.state.labels["a.jpg"] == 1
    assert hub.state.requests == [("POST", "/v2/import/labels", True)]


def test_bad_key__auth_error_with_status_and_no_key(hub: HubServer) -> None:
    with make(hub, key="WRONG-key-123456") as client, pytest.raises(AuthError) as info:
        client.post("/v2/import/labels", BODY)
    assert str(info.value).startswith("HTTP 401: Invalid API KEY")
    assert info.value.exit_code == EXIT_AUTH
    assert "WRONG-key-123456" not in str(info.value) + repr(info.value)
    assert hub.state.labels == {}


def test_missing_key__auth_error_before_any_request(hub: HubServer) -> None:
    with make(hub, key="") as client, pytest.raises(AuthError, match="no API key"):
        client.post("/v2/import/labels", BODY)
    assert hub.state.requests == []


def test_bad_body__one_line_hub_error_with_status(hub: HubServer) -> None:
    with make(hub) as client, pytest.raises(HubError) as info:
        client.post("/v2/import/labels", {**BODY, "project": "nope"})
    assert info.value.status == 400
    assert str(info.value).startswith("HTTP 400: Invalid project: nope.")
    assert "\n" not in str(info.value)


def test_429_retry_after_seconds_is_honoured(hub: HubServer, sleeps: list[float]) -> None:
    hub.state.plan(Fault("429", retry_after="2"))
    with make(hub) as client:
        client.post("/v2/import/labels", BODY)
        assert client.retries == 1
    assert 2.0 <= sleeps[0] <= 2.01
    assert hub.state.labels["a.jpg"] == 1


def test_429_retry_after_http_date_and_cap(hub: HubServer, sleeps: list[float]) -> None:
    later = formatdate(timeval=__import__("time").time() + 5, usegmt=True)
    hub.state.plan(Fault("429", retry_after=later), Fault("429", retry_after="86400"))
    with make(hub) as client:
        client.post("/v2/import/labels", BODY)
    assert 3.0 <= sleeps[0] <= 5.1
    assert sleeps[1] <= RetryPolicy().retry_after_cap + 1  # a day is capped


@pytest.mark.parametrize("kind", ["500", "503", "drop"])
def test_5xx_and_dropped_connections_are_retried(
    hub: HubServer, sleeps: list[float], kind: str
) -> None:
    hub.state.plan(Fault(kind), Fault(kind))
    with make(hub) as client:
        client.post("/v2/import/labels", BODY)
        assert client.retries == 2
    assert len(sleeps) == 2
    assert sleeps[1] > sleeps[0]  # exponential
    assert hub.state.labels["a.jpg"] == 1


def test_retries_exhausted__5xx_is_hub_error(hub: HubServer, sleeps: list[float]) -> None:
    hub.state.plan(*[Fault("500")] * 3)
    with make(hub, attempts=3) as client, pytest.raises(HubError) as info:
        client.post("/v2/import/labels", BODY)
    assert info.value.status == 500
    assert len(sleeps) == 2


def test_retries_exhausted__drops_are_connection_error(hub: HubServer, sleeps: list[float]) -> None:
    hub.state.plan(*[Fault("drop")] * 3)
    with make(hub, attempts=3) as client, pytest.raises(HubConnectionError) as info:
        client.post("/v2/import/labels", BODY)
    assert info.value.exit_code == EXIT_CONNECTION
    assert "no answer after 3 tries" in str(info.value)
    assert API_KEY not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_connection_refused__connection_error(sleeps: list[float]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    policy = RetryPolicy(attempts=2, base=0.01)
    with (
        AngoClient(API_KEY, f"http://127.0.0.1:{port}", retry=policy) as client,
        pytest.raises(HubConnectionError, match="ConnectionError"),
    ):
        client.get("/v2/export", {"project": PROJECT})


def test_redirect_is_not_followed_with_the_key(hub: HubServer) -> None:
    hub.state.plan(Fault("redirect"))
    with (
        make(hub) as client,
        pytest.raises(HubError, match=r"redirected to http://192\.0\.2\.1/elsewhere;"),
    ):
        client.post("/v2/import/labels", BODY)
    assert len(hub.state.requests) == 1


def test_key_is_never_logged_or_shown(
    hub: HubServer, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    hub.state.plan(Fault("429", retry_after="0"), Fault("drop"), Fault("500"))
    with make(hub) as client:
        client.post("/v2/import/labels", BODY)
        assert API_KEY not in repr(client)
    with make(hub, key="zz-other-key-zz") as client, pytest.raises(AuthError):
        client.post("/v2/import/labels", BODY)
    text = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert "retry 1 of 5" in text
    assert API_KEY not in text and "zz-other-key-zz" not in text


def test_server_echoing_the_key_is_scrubbed() -> None:
    secret = Secret("abc-123")
    assert secret.scrub("bad key abc-123!") == "bad key ***!"
    assert "abc-123" not in repr(secret) + str(secret) + f"{secret}"


@pytest.mark.parametrize("host", ["https://imeritapi.ango.ai/", "http://127.0.0.1:8080"])
def test_check_host__keeps_https_and_loopback_http(host: str) -> None:
    assert check_host(host) == host.rstrip("/")


@pytest.mark.parametrize("host", ["http://imeritapi.ango.ai", "ftp://x", "imeritapi.ango.ai"])
def test_check_host__refuses_plain_http_off_this_machine(host: str) -> None:
    with pytest.raises(HubError):
        check_host(host)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", 3.0), (" 0 ", 0.0), ("1.5", 1.5), ("-4", 0.0), ("soon", None), ("", None), (None, None)],
)
def test_parse_retry_after__seconds(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after__http_date() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0.0


def test_backoff__doubles_with_jitter_and_stays_capped() -> None:
    low = RetryPolicy(base=1, cap=8, jitter=lambda: 0.0)
    high = RetryPolicy(base=1, cap=8, jitter=lambda: 0.999)
    assert [low.backoff(n) for n in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert all(high.backoff(n) < min(8, 2**n) for n in range(6))


def test_download__no_key_sent_and_restart_after_a_cut(hub: HubServer, sleeps: list[float]) -> None:
    hub.state.export_file = b'[{"externalId": "a.jpg"}]' * 100
    hub.state.plan(Fault("truncate", path="/files/"))
    seen: list[tuple[int, int | None]] = []
    sink = io.BytesIO()
    with make(hub) as client:
        size = client.download(
            f"{hub.url}/files/export.json?sig=1", sink, lambda d, t: seen.append((d, t))
        )
    assert sink.getvalue() == hub.state.export_file and size == len(hub.state.export_file)
    assert seen[-1] == (size, size)
    assert [had_key for _, path, had_key in hub.state.requests] == [False, False]
