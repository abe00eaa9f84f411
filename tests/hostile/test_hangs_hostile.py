"""Hangs: a Hub (or a file host) that trickles one byte at a time is cut off at the
timeout, for the whole answer and not each socket read; a silent server costs two
timeouts, not six; an API answer over the size cap is refused, not read whole.

(The FIFO cases, for VOC reading and detection, are in ``test_links_hostile.py``.)
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from ango_convert.errors import EXIT_CONNECTION, HubConnectionError, HubError
from ango_convert.hub import client as client_module
from ango_convert.hub.client import TIMEOUT_TRIES, AngoClient
from ango_convert.hub.retry import RetryPolicy
from tests.hub_server import API_KEY, Fault, HubServer

BODY = {"project": "p", "labels": [{"externalId": "a.jpg", "objects": []}]}


def fast_client(hub: HubServer, answer_timeout: float) -> AngoClient:
    policy = RetryPolicy(attempts=6, base=0.01, cap=0.05, jitter=lambda: 0.5)
    return AngoClient(API_KEY, hub.url, timeout=(2.0, answer_timeout), retry=policy)


def test_trickling_api_answer_is_cut_off_at_the_timeout(hub: HubServer) -> None:
    hub.state.plan(*[Fault("trickle")] * 6)
    began = time.monotonic()
    with fast_client(hub, 1.0) as client, pytest.raises(HubConnectionError, match="in time"):
        client.post("/v2/import/labels", BODY)
    took = time.monotonic() - began
    # One byte every 0.1 s never lets a socket read time out: only the whole-answer
    # deadline ends each try, and a timeout is tried TIMEOUT_TRIES times, not six.
    assert len(hub.state.requests) == TIMEOUT_TRIES
    assert took < TIMEOUT_TRIES * 1.0 + 2, f"took {took:.1f} s"


def test_trickling_export_download_is_cut_off(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    from tests.test_hub_export import run

    hub.state.export_file = b"[]"
    hub.state.plan(*[Fault("trickle", path="/files/")] * 6)
    target = tmp_path / "e.json"
    began = time.monotonic()
    result = run(runner, hub, tmp_path, "-o", str(target), "--timeout", "1")
    took = time.monotonic() - began
    assert result.exit_code == EXIT_CONNECTION, result.output
    assert "in time" in result.stderr
    assert "Traceback" not in result.output
    assert not target.exists()
    assert took < TIMEOUT_TRIES * 1.0 + 3, f"took {took:.1f} s"


def test_api_answer_over_the_cap_is_refused(
    hub: HubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "MAX_ANSWER_BYTES", 16)
    with fast_client(hub, 5.0) as client, pytest.raises(HubError, match="larger than"):
        client.post("/v2/import/labels", BODY)


def test_a_slow_but_steady_download_still_finishes(hub: HubServer, tmp_path: Path) -> None:
    """The download deadline grows with the bytes received: a large export on a slow
    link is not cut off like a trickle."""
    hub.state.export_file = b"[" + b" " * (4 << 20) + b"]"
    url = f"{hub.url}/files/{hub.state.export_name}"
    with fast_client(hub, 30.0) as client, (tmp_path / "e.json").open("w+b") as sink:
        assert client.download(url, sink) == (4 << 20) + 2
