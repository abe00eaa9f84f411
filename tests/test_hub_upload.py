"""Label upload: shapes, batching, journal, exactly-once delivery, kill and resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ango_convert.errors import HubError, ReadError
from ango_convert.hub import retry as retry_module
from ango_convert.hub import upload as up
from ango_convert.hub.client import AngoClient
from ango_convert.hub.journal import Journal, record_keys
from ango_convert.hub.retry import RetryPolicy
from tests.hub_server import API_KEY, PROJECT, Fault, HubServer

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    delays: list[float] = []
    monkeypatch.setattr(retry_module, "_sleep", delays.append)
    return delays


def label(n: int) -> dict[str, Any]:
    """A realistic seed record: one box, one classification."""
    return {
        "externalId": f"img {n:05d}.v1.jpg",
        "answer": {
            "objects": [
                {
                    "schemaId": "box-tool-id",
                    "title": "Car",
                    "bounding-box": {"x": n % 600, "y": 10, "width": 20, "height": 15},
                }
            ],
            "classifications": [{"schemaId": "weather", "answer": "sunny"}],
            "relations": [],
        },
    }


def seed_payload(count: int) -> dict[str, Any]:
    return {"project": PROJECT, "labels": [label(n) for n in range(count)]}


def client_for(hub: HubServer) -> AngoClient:
    return AngoClient(API_KEY, hub.url, timeout=(2, 10), retry=RetryPolicy(attempts=5, base=0.01))


def upload(
    hub: HubServer,
    records: list[dict[str, Any]],
    journal: Journal | None,
    size: int = 500,
    **kw: Any,
) -> up.UploadReport:
    todo, keys = up.pending(records, journal)
    batches = up.make_batches(todo, keys, size=size)
    report = up.UploadReport(total=len(records), already=len(records) - len(todo))
    with client_for(hub) as client:
        return up.send_batches(
            client,
            up.LABELS_PATH,
            batches,
            lambda b: up.label_body(PROJECT, b, "seed"),
            report,
            journal=journal,
            **kw,
        )


def open_journal(path: Path, hub: HubServer) -> Journal:
    return Journal.open(path, kind="labels", host=hub.url, project=PROJECT)


# --- shapes ----------------------------------------------------------------------------


def test_payload_shape__seed_flat_sdk_and_exports() -> None:
    assert up.payload_shape({"project": "p", "labels": []}) == "seed"
    assert up.payload_shape({"project": "p", "jsonContent": []}) == "sdk"
    assert up.payload_shape([{"externalId": "a", "objects": []}]) == "flat"
    assert up.payload_shape([]) == "flat"
    assert up.payload_shape([{"asset": "x", "task": {}}]) is None
    assert up.payload_shape({"images": []}) is None


def test_to_flat_and_back_is_lossless() -> None:
    record = {**label(3), "status": "Completed"}
    flat = up.to_flat(record)
    assert flat["objects"] == record["answer"]["objects"] and "answer" not in flat
    assert flat["status"] == "Completed"
    assert up.to_seed(flat) == record


def test_label_body__sdk_wire_sends_flat_json_content() -> None:
    body = up.label_body(PROJECT, [label(1)], "sdk")
    assert set(body) == {"project", "jsonContent"}
    assert body["jsonContent"][0]["externalId"] == "img 00001.v1.jpg"
    assert "answer" not in body["jsonContent"][0]


def test_parse_payload__record_without_asset_key_names_its_path() -> None:
    document = seed_payload(5)
    del document["labels"][3]["externalId"]
    with pytest.raises(ReadError) as info:
        up.parse_payload(document, "p.json")
    assert str(info.value) == (
        "p.json: $.labels[3]: a label record needs externalId, assetId or data"
    )


def test_parse_payload__flat_and_sdk_become_seed_records() -> None:
    flat = [up.to_flat(label(n)) for n in range(3)]
    assert up.parse_payload(flat, "f").records == [label(n) for n in range(3)]
    sdk = up.parse_payload({"project": "p1", "jsonContent": flat}, "s")
    assert sdk.project == "p1" and sdk.shape == "sdk" and sdk.records[2] == label(2)


def test_make_batches__count_and_byte_limits() -> None:
    records = [label(n) for n in range(1201)]
    keys = record_keys(records)
    assert [len(b.records) for b in up.make_batches(records, keys, size=500)] == [500, 500, 201]
    one = len(json.dumps(records[0]).encode()) + 1
    by_bytes = up.make_batches(records[:10], keys[:10], size=500, max_bytes=3 * one)
    assert [len(b.records) for b in by_bytes] == [3, 3, 3, 1]
    assert [b.index for b in by_bytes] == [0, 1, 2, 3]


def test_record_keys__identical_records_stay_distinct() -> None:
    keys = record_keys([label(1), label(1), label(2)])
    assert len(set(keys)) == 3
    assert keys == record_keys([label(1), label(1), label(2)])


# --- delivery ----------------------------------------------------------------------------


def test_10000_labels_arrive_exactly_once_despite_faults(hub: HubServer, tmp_path: Path) -> None:
    records = seed_payload(10_000)["labels"]
    hub.state.plan(
        Fault("429", retry_after="1"),
        Fault("ok"),
        Fault("500"),
        Fault("drop"),
        Fault("ok"),
        Fault("503"),
        Fault("drop"),
        Fault("429"),
    )
    journal = open_journal(tmp_path / "j.journal", hub)
    report = upload(hub, records, journal)
    assert report.sent == 10_000 and report.batches == 20 and report.failed == 0
    assert report.retries == 6
    assert len(hub.state.labels) == 10_000
    assert set(hub.state.labels.values()) == {1}
    assert len(journal.confirmed) == 10_000


def test_rate_limited_server__every_label_once(hub: HubServer, tmp_path: Path) -> None:
    hub.state.rate_limit = (3, 60.0)
    records = seed_payload(1000)["labels"]
    with pytest.raises(HubError) as info:
        upload(hub, records, open_journal(tmp_path / "j", hub), size=200)
    assert info.value.status == 429
    hub.state.rate_limit = None
    report = upload(hub, records, open_journal(tmp_path / "j", hub), size=200)
    assert report.sent == 400 and report.already == 600
    assert sorted(hub.state.labels.values()) == [1] * 1000


def test_drop_after_processing__the_documented_at_least_once_case(hub: HubServer) -> None:
    hub.state.plan(Fault("ok"), Fault("drop-after"))
    report = upload(hub, seed_payload(30)["labels"], None, size=10)
    assert report.sent == 30 and report.retries == 1
    twice = sorted(key for key, count in hub.state.labels.items() if count == 2)
    assert twice == [f"img {n:05d}.v1.jpg" for n in range(10, 20)]


def test_journal__rerun_sends_only_unconfirmed_even_with_another_batch_size(
    hub: HubServer, tmp_path: Path
) -> None:
    records = seed_payload(100)["labels"]
    hub.state.plan(Fault("ok"), Fault("ok"), Fault("400"))
    with pytest.raises(HubError, match="HTTP 400"):
        upload(hub, records, open_journal(tmp_path / "j", hub), size=25)
    assert len(hub.state.labels) == 50
    report = upload(hub, records, open_journal(tmp_path / "j", hub), size=7)
    assert report.sent == 50
    assert sorted(hub.state.labels.values()) == [1] * 100
    assert upload(hub, records, open_journal(tmp_path / "j", hub)).sent == 0


def test_keep_going__counts_failures_and_continues(hub: HubServer, tmp_path: Path) -> None:
    hub.state.plan(Fault("400"))
    report = upload(
        hub, seed_payload(40)["labels"], open_journal(tmp_path / "j", hub), size=10, keep_going=True
    )
    assert (report.sent, report.batches, report.failed, report.failed_records) == (30, 3, 1, 10)
    assert report.errors[0].startswith("batch 0: HTTP 400: planned fault")


def test_journal__torn_last_line_is_ignored_other_damage_is_not(
    hub: HubServer, tmp_path: Path
) -> None:
    path = tmp_path / "j"
    upload(hub, seed_payload(20)["labels"], open_journal(path, hub), size=10)
    with path.open("ab") as stream:
        stream.write(b'{"batch": 2, "key": "ab')
    assert len(open_journal(path, hub).confirmed) == 20
    lines = path.read_bytes().splitlines()
    path.write_bytes(b"\n".join([lines[0], b"garbage", *lines[1:]]) + b"\n")
    with pytest.raises(ReadError, match="line 2"):
        open_journal(path, hub)


def test_journal__another_project_is_refused(hub: HubServer, tmp_path: Path) -> None:
    open_journal(tmp_path / "j", hub)
    with pytest.raises(ReadError, match="this journal is for project"):
        Journal.open(tmp_path / "j", kind="labels", host=hub.url, project="other")


# --- kill and resume ---------------------------------------------------------------------


def _as_from_a_terminal() -> None:
    """Start the child as a shell would: SIGINT at its default and not blocked, whatever
    a long test session left behind (a child inheriting an ignored SIGINT never gets
    Python's KeyboardInterrupt handler; seen only in full CI runs)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def run_cli(*args: str) -> subprocess.Popen[bytes]:
    code = "from ango_convert.cli.main import main; main()"
    env = {**os.environ, "ANGO_API_KEY": API_KEY, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_as_from_a_terminal,
    )


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_killed_midway_then_resumed__every_label_exactly_once(
    hub: HubServer, tmp_path: Path, sig: signal.Signals
) -> None:
    source = tmp_path / "pay load.v2.json"
    source.write_text(json.dumps(seed_payload(10_000)))
    journal = tmp_path / "pay load.v2.json.ango-upload.journal"
    hub.state.plan(*[Fault("ok")] * 7, Fault("hang"))
    args = ("upload", str(source), "--host", hub.url, "--no-validate")
    process = run_cli(*args)
    try:
        assert hub.state.hung.wait(30), process.communicate(timeout=5)
        confirmed = journal.read_text().splitlines()[1:]
        assert len(confirmed) == len(hub.state.label_bodies) == 7
        process.send_signal(sig)
        process.wait(30)  # generous: a loaded machine is slow to start the handler
    finally:
        hub.state.release.set()
        if process.poll() is None:
            process.kill()
        process.communicate()
    assert process.returncode == (-9 if sig == signal.SIGKILL else 130)
    assert sum(hub.state.labels.values()) == 3500
    second = run_cli(*args)
    _out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err.decode()
    assert "sent 6500 label(s) in 13 batch(es); 3500 already confirmed" in err.decode()
    assert len(hub.state.labels) == 10_000 and set(hub.state.labels.values()) == {1}
