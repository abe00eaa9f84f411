"""``upload`` and ``attach`` through the CLI: keys, exit codes, wires, attachments, dry run."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ango_convert import registry
from ango_convert.errors import EXIT_AUTH, EXIT_INPUT, EXIT_USAGE, AngoConvertError
from ango_convert.hub import retry as retry_module
from ango_convert.hub.attachments import attachments_body, from_csv
from ango_convert.hub.config import resolve
from tests.hub_server import API_KEY, PROJECT, Fault, HubServer
from tests.test_hub_upload import label, seed_payload

ROOT = Path(__file__).resolve().parent.parent
BAD_KEY = "bad-KEY-0d9c8b7a6f5e4d3c"


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry_module, "_sleep", lambda _s: None)


def invoke(
    runner: CliRunner, tmp_path: Path, *args: str, key: str | None = API_KEY, **env: str
) -> Result:
    from ango_convert.cli.main import cli

    base = {"XDG_CONFIG_HOME": str(tmp_path / "cfg"), "ANGO_CONFIG": "", "ANGO_HOST": ""}
    base["ANGO_API_KEY"] = key or ""
    return runner.invoke(cli, list(args), env={**base, **env}, catch_exceptions=False)


def write_json(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


# --- keys and exit codes --------------------------------------------------------------------


def test_bad_key__one_line_exit_8_and_the_key_nowhere(
    runner: CliRunner, hub: HubServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    source = write_json(tmp_path / "p.json", seed_payload(3))
    result = invoke(runner, tmp_path, "-vv", "upload", str(source), "--host", hub.url, key=BAD_KEY)
    assert result.exit_code == EXIT_AUTH
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert lines == [
        f"error: HTTP 401: Invalid API KEY (check the API key and the host; "
        f"GET {hub.url}/v2/project/{PROJECT}/assets)"  # the asset check goes first
    ]
    assert BAD_KEY not in result.output + result.stderr + caplog.text
    assert hub.state.labels == {}


def test_bad_key__subprocess_at_debug_level_never_prints_the_key(
    hub: HubServer, tmp_path: Path
) -> None:
    source = write_json(tmp_path / "p.json", seed_payload(3))
    env = {**os.environ, "ANGO_API_KEY": BAD_KEY, "XDG_CONFIG_HOME": str(tmp_path)}
    code = "from ango_convert.cli.main import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", code, "-vv", "upload", str(source), "--host", hub.url],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == EXIT_AUTH
    assert b"debug: " in done.stderr  # the debug log really ran
    assert BAD_KEY.encode() not in done.stdout + done.stderr


def test_no_key_anywhere__exit_8_with_where_to_put_it(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    source = write_json(tmp_path / "p.json", seed_payload(1))
    result = invoke(runner, tmp_path, "upload", str(source), "--host", hub.url, key=None)
    assert result.exit_code == EXIT_AUTH
    assert "no API key: pass --api-key, set ANGO_API_KEY" in result.stderr
    assert hub.state.requests == []
    assert not (tmp_path / "p.json.ango-upload.journal").exists()


@pytest.mark.parametrize("name", ["config.toml", "config.json"])
def test_key_from_the_user_config_file(
    runner: CliRunner, hub: HubServer, tmp_path: Path, name: str
) -> None:
    folder = tmp_path / "cfg" / "ango-convert"
    folder.mkdir(parents=True)
    config = folder / name
    if name.endswith(".json"):
        config.write_text(json.dumps({"api_key": API_KEY, "host": hub.url}))
    else:
        config.write_text(f'api_key = "{API_KEY}"\nhost = "{hub.url}"\n')
    config.chmod(0o600)
    source = write_json(tmp_path / "p.json", seed_payload(2))
    result = invoke(runner, tmp_path, "upload", str(source), key=None)
    assert result.exit_code == 0, result.stderr
    assert sorted(hub.state.labels) == [label(0)["externalId"], label(1)["externalId"]]


def test_world_readable_config_is_refused(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    config = tmp_path / "mine.toml"
    config.write_text(f'api_key = "{API_KEY}"\n')
    config.chmod(0o644)
    source = write_json(tmp_path / "p.json", seed_payload(1))
    result = invoke(
        runner,
        tmp_path,
        "upload",
        str(source),
        "--host",
        hub.url,
        "--config",
        str(config),
        key=None,
    )
    assert result.exit_code == EXIT_AUTH
    assert "readable by every user; run: chmod 600" in result.stderr
    assert API_KEY not in result.stderr


# --- upload ---------------------------------------------------------------------------------


def test_upload__sdk_wire_sends_json_content(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    source = write_json(tmp_path / "p.json", seed_payload(12))
    result = invoke(
        runner,
        tmp_path,
        "upload",
        str(source),
        "--host",
        hub.url,
        "--wire",
        "sdk",
        "--batch-size",
        "5",
    )
    assert result.exit_code == 0, result.stderr
    assert [len(body["jsonContent"]) for body in hub.state.label_bodies] == [5, 5, 2]
    assert hub.state.label_bodies[0]["jsonContent"][0] == {
        "externalId": label(0)["externalId"],
        **label(0)["answer"],
    }
    assert (
        "sent 12 label(s) in 3 batch(es); 0 already confirmed; 0 retries; 0 failed" in result.stderr
    )


def test_upload__flat_list_needs_project_and_goes_out_in_seed_shape(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    flat = [{"externalId": "a b.png", "objects": [], "classifications": []}]
    source = write_json(tmp_path / "flat.json", flat)
    result = invoke(runner, tmp_path, "upload", str(source), "--host", hub.url)
    assert result.exit_code == EXIT_USAGE
    assert "--project is required" in result.stderr
    result = invoke(
        runner, tmp_path, "upload", str(source), "--host", hub.url, "--project", PROJECT
    )
    assert result.exit_code == 0, result.stderr
    assert hub.state.label_bodies[0]["labels"] == [
        {"externalId": "a b.png", "answer": {"objects": [], "classifications": []}}
    ]


def test_upload__schema_problems_stop_before_sending(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    document = seed_payload(3)
    document["labels"][1]["answer"]["objects"][0]["bounding-box"]["x"] = "ten"
    source = write_json(tmp_path / "p.json", document)
    result = invoke(runner, tmp_path, "upload", str(source), "--host", hub.url)
    assert result.exit_code == 4
    assert "$.labels[1].answer.objects[0]" in result.stderr
    assert hub.state.requests == []


def test_upload__dry_run_sends_nothing_and_needs_no_key(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    source = write_json(tmp_path / "p.json", seed_payload(25))
    result = invoke(
        runner,
        tmp_path,
        "upload",
        str(source),
        "--host",
        hub.url,
        "--dry-run",
        "--batch-size",
        "10",
        key=None,
    )
    assert result.exit_code == 0, result.stderr
    assert "would send 25 record(s) in 3 batch(es)" in result.output
    assert '"externalId": "img 00000.v1.jpg"' in result.output
    assert hub.state.requests == []
    assert not (tmp_path / "p.json.ango-upload.journal").exists()


def test_upload__mapping_flags_on_a_payload_are_a_usage_error(
    runner: CliRunner, tmp_path: Path
) -> None:
    source = write_json(tmp_path / "p.json", seed_payload(1))
    result = invoke(runner, tmp_path, "upload", str(source), "--schema-map", "m.json", "--dry-run")
    assert result.exit_code == EXIT_USAGE
    assert "--schema-map" in result.stderr


def _ready() -> bool:
    try:
        registry.get_format("coco").reader()
        registry.get_format("ango").writer()
    except AngoConvertError:
        return False
    return True


@pytest.mark.skipif(not _ready(), reason="coco reader or ango writer not there yet")
def test_upload__a_coco_dataset_is_converted_on_the_fly(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    coco = {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 80}],
        "annotations": [
            {
                "id": 1,
                "image_id": 1,
                "category_id": 1,
                "bbox": [1, 2, 30, 40],
                "area": 1200,
                "iscrowd": 0,
            }
        ],
        "categories": [{"id": 1, "name": "car"}],
    }
    source = write_json(tmp_path / "coco.json", coco)
    schema_map = write_json(tmp_path / "map.json", {"car": "box-tool-id"})
    result = invoke(
        runner,
        tmp_path,
        "upload",
        str(source),
        "--host",
        hub.url,
        "--project",
        PROJECT,
        "--schema-map",
        str(schema_map),
    )
    assert result.exit_code == 0, result.stderr
    (record,) = hub.state.label_bodies[0]["labels"]
    assert record["externalId"] == "a.jpg"
    assert record["answer"]["objects"][0]["bounding-box"] == {
        "x": 1,
        "y": 2,
        "width": 30,
        "height": 40,
    }


# --- attach ---------------------------------------------------------------------------------

SEED_ITEMS = [
    {
        "externalId": "image-001",
        "attachmentUrl": "https://example.com/attachment1.pdf",
        "attachmentType": "pdf",
    },
    {
        "assetId": "asset123",
        "attachmentUrl": "https://example.com/attachment2.doc",
        "attachmentType": "document",
    },
]


def test_attach__csv_arrives_in_the_seed_shape(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    source = tmp_path / "attachments, v1.csv"
    source.write_text(
        "externalId,assetId,url,type\n"
        "image-001,,https://example.com/attachment1.pdf,pdf\n"
        ",asset123,https://example.com/attachment2.doc,document\n\n",
        encoding="utf-8",
    )
    result = invoke(
        runner, tmp_path, "attach", str(source), "--host", hub.url, "--project", PROJECT
    )
    assert result.exit_code == 0, result.stderr
    assert hub.state.attachment_bodies == [{"project": PROJECT, "attachments": SEED_ITEMS}]
    assert "sent 2 attachment(s) in 1 batch(es)" in result.stderr


def test_attach__seed_json_arrives_unchanged(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    source = write_json(tmp_path / "a.json", {"project": PROJECT, "attachments": SEED_ITEMS})
    result = invoke(runner, tmp_path, "attach", str(source), "--host", hub.url)
    assert result.exit_code == 0, result.stderr
    assert hub.state.attachment_bodies == [{"project": PROJECT, "attachments": SEED_ITEMS}]


def test_attach__sdk_json_arrives_as_seed_items(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    sdk = {
        "attachments": [
            {
                "externalId": "sample_image_1.png",
                "attachments": [
                    {"type": "IMAGE", "value": "https://example.com/a.jpg"},
                    {"type": "TEXT", "value": "Some sample text."},
                ],
            }
        ]
    }
    source = write_json(tmp_path / "sdk.json", sdk)
    result = invoke(
        runner, tmp_path, "attach", str(source), "--host", hub.url, "--project", PROJECT
    )
    assert result.exit_code == 0, result.stderr
    assert hub.state.attachment_bodies[0]["attachments"] == [
        {
            "externalId": "sample_image_1.png",
            "attachmentUrl": "https://example.com/a.jpg",
            "attachmentType": "image",
        },
        {
            "externalId": "sample_image_1.png",
            "attachmentUrl": "Some sample text.",
            "attachmentType": "text",
        },
    ]


def test_attach__sdk_wire_groups_per_asset(hub: HubServer) -> None:
    items = [
        *SEED_ITEMS,
        {**SEED_ITEMS[0], "attachmentUrl": "https://example.com/3.jpg", "attachmentType": "image"},
    ]
    body = attachments_body(PROJECT, items, "sdk")
    assert body["attachments"][0] == {
        "externalId": "image-001",
        "attachments": [
            {"type": "PDF", "value": "https://example.com/attachment1.pdf"},
            {"type": "IMAGE", "value": "https://example.com/3.jpg"},
        ],
    }
    assert body["attachments"][1]["assetId"] == "asset123"


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        ("externalId,url,type\na.jpg,,pdf\n", "line 2: an attachment needs a url"),
        ("externalId,url,type\na.jpg,ftp://x/y,pdf\n", "line 2: the url must start with https://"),
        (
            "externalId,assetId,url,type\na,b,https://x/y,pdf\n",
            "exactly one of externalId, assetId or data",
        ),
        (
            "name,url,type\na.jpg,https://x/y,pdf\n",
            "line 1: the header needs an externalId, assetId or data column",
        ),
        ("externalId,link,type\n", "the header needs a url column"),
    ],
)
def test_attach__bad_csv_is_a_one_line_read_error(
    runner: CliRunner, tmp_path: Path, csv: str, message: str
) -> None:
    source = tmp_path / "a.csv"
    source.write_text(csv, encoding="utf-8")
    result = invoke(runner, tmp_path, "attach", str(source), "--project", PROJECT, "--dry-run")
    assert result.exit_code == EXIT_INPUT
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_from_csv__bom_and_alias_columns() -> None:
    data = "\ufeffassetId,attachmentUrl,attachmentType\nx1,https://h/a.mp4,video\n".encode()
    assert from_csv(data, "c.csv") == [
        {"assetId": "x1", "attachmentUrl": "https://h/a.mp4", "attachmentType": "video"}
    ]


def test_upload__keep_going_reports_refused_batches_and_exits_7(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    labels = "/v2/import/labels"
    hub.state.plan(Fault("ok", path=labels), Fault("400", path=labels))
    source = write_json(tmp_path / "p.json", seed_payload(30))
    args = ("upload", str(source), "--host", hub.url, "--batch-size", "10")
    result = invoke(runner, tmp_path, *args, "--keep-going")
    assert result.exit_code == 7
    assert (
        "sent 20 label(s) in 2 batch(es); 0 already confirmed; 0 retries; 1 failed batch(es)"
        in result.stderr
    )
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("error: 1 batch(es) refused; first: batch 1: HTTP 400")
    )
    result = invoke(runner, tmp_path, *args)
    assert result.exit_code == 0, result.stderr
    assert "sent 10 label(s) in 1 batch(es); 20 already confirmed" in result.stderr
    assert sorted(hub.state.labels.values()) == [1] * 30


def test_group_readable_config_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"api_key": API_KEY}))
    config.chmod(0o640)
    found = resolve(None, None, config)
    assert found.api_key == API_KEY and found.host == "https://imeritapi.ango.ai"
    assert "readable by its group" in caplog.text
    assert API_KEY not in repr(found)


def test_upload__10000_labels_through_the_cli_exactly_once_with_faults(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    source = write_json(tmp_path / "ten thousand.json", seed_payload(10_000))
    faults = [Fault("429", retry_after="1"), Fault("500"), Fault("drop"), Fault("ok")]
    hub.state.plan(*faults, Fault("503"), Fault("drop"), Fault("ok"), Fault("ok"), Fault("429"))
    result = invoke(runner, tmp_path, "upload", str(source), "--host", hub.url)
    assert result.exit_code == 0, result.stderr
    assert (
        "sent 10000 label(s) in 20 batch(es); 0 already confirmed; 6 retries; 0 failed"
        in result.stderr
    )
    assert len(hub.state.labels) == 10_000 and set(hub.state.labels.values()) == {1}
    assert len(hub.state.label_bodies) == 20
