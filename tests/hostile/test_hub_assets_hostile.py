"""Hostile input through the asset-facing commands: assets, the asset check, ontology --project."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from ango_convert.errors import EXIT_HUB, EXIT_INPUT, EXIT_UNLABELLED
from ango_convert.hub import retry as retry_module
from tests.hostile.harness import EARLIER, SECRET, assert_failure, invoke, snapshot, write
from tests.hub_server import API_KEY, PROJECT, HubServer


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry_module, "_sleep", lambda _s: None)


def hub_args(hub: HubServer, tmp_path: Path) -> list[str]:
    return ["--host", hub.url, "--api-key", API_KEY, "--journal", str(tmp_path / "j.jsonl")]


@pytest.mark.parametrize(
    ("name", "text", "needles"),
    [
        ("bad.json", '[{"data": "https://e/a.jpg", ', ("bad.json", "line 1")),
        ("bad.csv", "data\njavascript:alert(1)\n", ("bad.csv", "line 2", "http(s) URL")),
        ("bad.csv", "url,width,height\nhttps://e/a.jpg,1e400,5\n", ("line 2", "width")),
        ("bad.csv", "url,width,height\nhttps://e/a.jpg,-3,5\n", ("line 2", "positive")),
        ("bad.json", '{"assets": [{"data": "https://e/a", "batches": [1]}]}', ("$.assets[0]",)),
        ("bad.csv", "externalId\na.jpg\n", ("bad.csv", "line 1", "data (or url)")),
    ],
    ids=["truncated", "javascript-url", "huge-width", "negative-height", "bad-batches", "no-url"],
)
def test_assets_sends_nothing(
    tmp_path: Path, hub: HubServer, name: str, text: str, needles: Sequence[str]
) -> None:
    (tmp_path / "secret.txt").write_text(SECRET)
    source = write(tmp_path, name, text)
    args = ["assets", str(source), "--project", PROJECT, *hub_args(hub, tmp_path)]
    assert_failure(invoke(args), EXIT_INPUT, needles)
    assert hub.state.calls == []


def test_asset_check__hostile_externalids_are_data_not_filters(
    tmp_path: Path, hub: HubServer
) -> None:
    hub.state.add_assets("a.jpg")
    hostile = ['{"$gt": ""}', "a&b+c=d.jpg", "../../etc/passwd", "名前 \u202e.jpg"]
    records = [{"externalId": name, "objects": []} for name in ["a.jpg", *hostile]]
    source = write(tmp_path, "p.json", json.dumps(records))
    args = ["upload", str(source), "--project", PROJECT, *hub_args(hub, tmp_path)]
    result = invoke(args)
    assert_failure(result, EXIT_UNLABELLED, ("Hub labelled 1 of 5", "4 matched no task"))
    warning = next(line for line in result.stderr.splitlines() if line.startswith("warning:"))
    assert all(repr(name) in warning for name in hostile)
    looked_up = [json.loads(call["query"]["filters"]) for call in hub.state.calls[:-1]]
    assert looked_up == [{"externalId": name} for name in ["a.jpg", *hostile]]


def test_ontology_project__an_answer_without_a_schema_leaves_the_output(
    tmp_path: Path, hub: HubServer
) -> None:
    hub.state.category_schema = None  # type: ignore[assignment]
    out = tmp_path / "out"
    out.mkdir()
    (out / "earlier.json").write_bytes(EARLIER)
    before = snapshot(out)
    args = ["ontology", "--project", PROJECT, "-o", str(out / "earlier.json")]
    args += ["--host", hub.url, "--api-key", API_KEY]
    assert_failure(invoke(args), EXIT_HUB, (PROJECT, "no categorySchema"))
    assert snapshot(out) == before
