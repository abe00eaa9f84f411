"""Attachments keyed by externalId, assetId or data: each key travels as itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.hub_server import PROJECT, HubServer
from tests.test_hub_cli import invoke, write_json

# --- attachments keyed by externalId, assetId or data --------------------------------------

ASSET_URL = "https://storage.example/bucket/img%201.jpg?x=1"
KEYED = [
    {"externalId": "img-1.jpg", "attachments": [{"type": "IMAGE", "value": "https://e/1.jpg"}]},
    {"assetId": "65a1b2c3d4e5f60718293a4b", "attachments": [{"type": "TEXT", "value": "note"}]},
    {"data": ASSET_URL, "attachments": [{"type": "VIDEO", "value": "https://e/1.mp4"}]},
]


@pytest.mark.parametrize("wire", ["seed", "sdk"])
def test_attach__each_asset_key_travels_as_itself_on_both_wires(
    runner: CliRunner, hub: HubServer, tmp_path: Path, wire: str
) -> None:
    source = write_json(tmp_path / "a.json", {"project": PROJECT, "attachments": KEYED})
    result = invoke(runner, tmp_path, "attach", str(source), "--host", hub.url, "--wire", wire)
    assert result.exit_code == 0, result.stderr
    (body,) = hub.state.attachment_bodies
    if wire == "sdk":
        assert body == {"project": PROJECT, "attachments": KEYED}
    else:
        assert body["attachments"] == [
            {
                "externalId": "img-1.jpg",
                "attachmentUrl": "https://e/1.jpg",
                "attachmentType": "image",
            },
            {
                "assetId": "65a1b2c3d4e5f60718293a4b",
                "attachmentUrl": "note",
                "attachmentType": "text",
            },
            {"data": ASSET_URL, "attachmentUrl": "https://e/1.mp4", "attachmentType": "video"},
        ]


def test_attach__csv_data_column_keys_by_the_asset_url(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    source = tmp_path / "a.csv"
    source.write_text(f'data,url,type\n"{ASSET_URL}",https://e/2.jpg,image\n', encoding="utf-8")
    args = ("attach", str(source), "--host", hub.url, "--project", PROJECT, "--wire", "sdk")
    result = invoke(runner, tmp_path, *args)
    assert result.exit_code == 0, result.stderr
    assert hub.state.attachment_bodies[0]["attachments"] == [
        {"data": ASSET_URL, "attachments": [{"type": "IMAGE", "value": "https://e/2.jpg"}]}
    ]
