"""Hostile input through the other commands: validate, ontology, upload, export --to."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from ango_convert.errors import EXIT_HUB, EXIT_INPUT, EXIT_INVALID
from ango_convert.hub import retry as retry_module
from tests.hostile.harness import EARLIER, SECRET, assert_failure, invoke, snapshot, write
from tests.hub_server import API_KEY, PROJECT, HubServer

TRUNCATED = '[{"externalId": "a.jpg", "objects": ['
LONG_ID = json.dumps([{"externalId": "x" * 2049, "objects": []}])


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry_module, "_sleep", lambda _s: None)


def run_command(tmp_path: Path, args: Sequence[str], code: int, needles: Sequence[str]) -> None:
    """Run a command on a hostile input; the folder ``out`` must stay as it was."""
    (tmp_path / "secret.txt").write_text(SECRET)
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    (out / "earlier.json").write_bytes(EARLIER)
    before = snapshot(out)
    assert_failure(invoke(args), code, needles)
    assert snapshot(out) == before


@pytest.mark.parametrize(
    ("text", "code", "needles"),
    [
        (TRUNCATED, EXIT_INPUT, ("bad.json", "line 1")),
        ("", EXIT_INPUT, ("bad.json", "empty")),
        (LONG_ID, EXIT_INVALID, ("bad.json", "$[0].externalId")),
    ],
    ids=["truncated", "empty", "over-limit"],
)
def test_validate(tmp_path: Path, text: str, code: int, needles: Sequence[str]) -> None:
    source = write(tmp_path, "bad.json", text)
    run_command(tmp_path, ["validate", str(source)], code, needles)


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ('{"images": [{"id": 1}], "annotations": []}', ("$.images[0]", "file_name")),
        ('{"images": [', ("bad.json", "line 1")),
    ],
    ids=["missing-key", "truncated"],
)
def test_ontology(tmp_path: Path, text: str, needles: Sequence[str]) -> None:
    source = write(tmp_path, "bad.json", text)
    args = ["ontology", str(source), "--from", "coco", "-o", str(tmp_path / "out/earlier.json")]
    run_command(tmp_path, args, EXIT_INPUT, needles)


@pytest.mark.parametrize(
    ("text", "code", "needles"),
    [
        (TRUNCATED, EXIT_INPUT, ("bad.json", "line 1")),
        (LONG_ID, EXIT_INVALID, ("bad.json", "$[0].externalId")),
    ],
    ids=["truncated", "over-limit"],
)
def test_upload_sends_nothing(
    tmp_path: Path, hub: HubServer, text: str, code: int, needles: Sequence[str]
) -> None:
    source = write(tmp_path, "bad.json", text)
    args = ["upload", str(source), "--project", PROJECT, "--host", hub.url]
    args += ["--api-key", API_KEY, "--journal", str(tmp_path / "journal.jsonl")]
    run_command(tmp_path, args, code, needles)
    assert hub.state.label_bodies == []


HOLOGRAM = {"hologram": {"x": 1}, "objectId": "h", "schemaId": "s", "title": "h"}


def hostile_export() -> bytes:
    record = {
        "asset": "http://127.0.0.1:9/a.jpg",
        "externalId": "a.jpg",
        "metadata": {"width": 64, "height": 48},
        "task": {"taskId": "t", "tools": [HOLOGRAM], "classifications": [], "relations": []},
    }
    return json.dumps([record]).encode()


@pytest.mark.parametrize(
    ("data", "code", "needles"),
    [
        (hostile_export(), EXIT_INPUT, ("a.jpg", "hologram")),
        # A broken download is the Hub's fault, not the user's: exit 7, the URL unsigned.
        (b'[{"asset": "x", "task": {"tools": [', EXIT_HUB, ("export.json", "line 1")),
    ],
    ids=["unknown-tool", "truncated"],
)
def test_export_to(
    tmp_path: Path, hub: HubServer, data: bytes, code: int, needles: Sequence[str]
) -> None:
    hub.state.export_file = data
    hub.state.export_name = "export.json"
    out = tmp_path / "out"
    out.mkdir()
    (out / "dataset").mkdir()
    (out / "dataset" / "keep.txt").write_bytes(EARLIER)
    args = ["export", "--project", PROJECT, "--host", hub.url, "--api-key", API_KEY, "--v3"]
    args += ["-o", str(tmp_path / "export.json"), "--to", "yolo", "--out", str(out / "dataset")]
    args += ["--overwrite"]
    before = snapshot(out)
    result = invoke(args)
    assert_failure(result, code, needles)
    assert "s3cr3tsig" not in result.output
    assert snapshot(out) == before


@pytest.mark.parametrize(
    ("name", "text", "needles"),
    [
        ("bad.json", '{"attachments": [{"externalId": "a.jpg", ', ("bad.json", "line 1")),
        ("bad.json", "", ("bad.json", "line 1")),
        ("bad.csv", "externalId,url,type\na.jpg\n", ("bad.csv", "line 2")),
    ],
    ids=["truncated-json", "empty", "csv-short-row"],
)
def test_attach_sends_nothing(
    tmp_path: Path, hub: HubServer, name: str, text: str, needles: Sequence[str]
) -> None:
    source = write(tmp_path, name, text)
    args = ["attach", str(source), "--project", PROJECT, "--host", hub.url]
    args += ["--api-key", API_KEY, "--journal", str(tmp_path / "journal.jsonl")]
    run_command(tmp_path, args, EXIT_INPUT, needles)
    assert hub.state.attachment_bodies == []
