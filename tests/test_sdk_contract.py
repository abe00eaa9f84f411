"""Contract tests: our requests with ``--wire sdk`` are the official SDK's, byte for meaning.

Each test runs a call of the ``imerit-ango`` SDK against the loopback Hub, records the
request the server saw (method, path, parsed query, JSON body, ``apikey`` header), runs
the matching ``ango-convert`` command, and asserts the two requests are the same.
Identifiers are plain on purpose: the SDK pastes ``json.dumps`` into URLs unescaped, so
an id with ``&`` or ``+`` would break its request, not ours.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from imerit_ango.models.enums import ExportFormats
from imerit_ango.models.export_options import ExportOptions
from imerit_ango.sdk import SDK

from tests.hub_server import API_KEY, PROJECT, HubServer
from tests.test_hub_cli import invoke, write_json

Call = dict[str, Any]
RECORDS: list[dict[str, Any]] = [
    {
        "externalId": "img-001.jpg",
        "objects": [
            {
                "schemaId": "box-tool-id",
                "title": "Car",
                "objectId": "o1",
                "bounding-box": {"x": 10, "y": 20, "width": 30, "height": 40},
                "classifications": [{"schemaId": "colour", "answer": "red"}],
            },
            {"schemaId": "ner-id", "ner": {"start": 3, "end": 7}},
        ],
        "classifications": [{"schemaId": "weather", "answer": ["sunny", "dry"]}],
        "relations": [{"schemaId": "rel", "title": "", "group": ["o1", "o2"]}],
    },
    {"externalId": "img-002.jpg", "objects": [], "brushDataUrl": "https://e/mask.png"},
]


def sdk_calls(hub: HubServer, call: Callable[[SDK], object]) -> list[Call]:
    hub.state.calls.clear()
    call(SDK(API_KEY, hub.url))
    return list(hub.state.calls)


def our_calls(runner: CliRunner, hub: HubServer, tmp_path: Path, *args: str) -> list[Call]:
    hub.state.calls.clear()
    result = invoke(runner, tmp_path, *args, "--host", hub.url)
    assert result.exit_code == 0, result.stderr
    return list(hub.state.calls)


def test_import_labels(runner: CliRunner, hub: HubServer, tmp_path: Path) -> None:
    theirs = sdk_calls(hub, lambda sdk: sdk.import_labels(PROJECT, RECORDS))
    source = write_json(tmp_path / "flat.json", RECORDS)
    args = ("upload", str(source), "--project", PROJECT, "--wire", "sdk", "--no-check-assets")
    ours = our_calls(runner, hub, tmp_path, *args, "--journal", str(tmp_path / "j"))
    assert ours == theirs
    assert theirs[0]["path"] == "/v2/import/labels" and theirs[0]["apikey"] == API_KEY


def test_get_assets_is_the_asset_check(runner: CliRunner, hub: HubServer, tmp_path: Path) -> None:
    hub.state.add_assets("img-001.jpg", "img-002.jpg")

    def lookups(sdk: SDK) -> None:
        for record in RECORDS:
            sdk.get_assets(PROJECT, filters={"externalId": record["externalId"]})
        sdk.import_labels(PROJECT, RECORDS)

    theirs = sdk_calls(hub, lookups)
    source = write_json(tmp_path / "flat.json", RECORDS)
    args = ("upload", str(source), "--project", PROJECT, "--wire", "sdk", "--check-assets")
    ours = our_calls(runner, hub, tmp_path, *args, "--journal", str(tmp_path / "j"))
    assert ours == theirs
    assert [call["method"] for call in ours] == ["GET", "GET", "POST"]


def test_upload_files_cloud(runner: CliRunner, hub: HubServer, tmp_path: Path) -> None:
    hub.state.batches = [{"_id": "65a1b2c3d4e5f60718293a4b", "name": "first"}]
    assets = [
        {"data": "https://e/a.jpg", "externalId": "a.jpg", "metadata": {"width": 64, "height": 48}},
        {"data": "https://e/b.jpg", "externalId": "b.jpg"},
    ]
    theirs = sdk_calls(hub, lambda sdk: sdk.upload_files_cloud(PROJECT, assets, batches=["first"]))
    # The SDK looks the batch name up in the project first; ours takes the batch id.
    assert [call["path"] for call in theirs[:-1]] == [f"/v2/project/{PROJECT}"]
    source = write_json(tmp_path / "assets.json", assets)
    args = ("assets", str(source), "--project", PROJECT, "--wire", "sdk")
    ours = our_calls(runner, hub, tmp_path, *args, "--batch", "65a1b2c3d4e5f60718293a4b")
    assert ours == theirs[-1:]


def test_get_project_is_the_live_ontology(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    hub.state.category_schema = {"tools": [], "classifications": [], "relations": []}
    theirs = sdk_calls(hub, lambda sdk: sdk.get_project(PROJECT))
    out = str(tmp_path / "schema.json")
    ours = our_calls(runner, hub, tmp_path, "ontology", "--project", PROJECT, "-o", out)
    assert ours == theirs
    assert [(call["method"], call["path"]) for call in theirs] == [
        ("GET", f"/v2/project/{PROJECT}")
    ]


def zipped_export(hub: HubServer) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("export.json", json.dumps([]))
    hub.state.export_name = "export.zip"
    hub.state.export_file = buffer.getvalue()


@pytest.mark.parametrize(
    ("call", "flags"),
    [
        (lambda sdk: sdk.export(PROJECT), ()),
        (lambda sdk: sdk.exportV3(PROJECT), ("--v3",)),
        (
            lambda sdk: sdk.exportV3(
                PROJECT,
                ExportOptions(
                    stage=["Review"],
                    batches=["65a1b2c3d4e5f60718293a4b"],
                    export_format=ExportFormats.NDJSON,
                    include_history=False,
                ),
            ),
            (
                "--status",
                "Review",
                "--batches",
                "65a1b2c3d4e5f60718293a4b",
                "--format",
                "ndjson",
                "--no-include-history",
            ),
        ),
    ],
)
def test_export(
    runner: CliRunner,
    hub: HubServer,
    tmp_path: Path,
    call: Callable[[SDK], object],
    flags: tuple[str, ...],
) -> None:
    zipped_export(hub)
    theirs = sdk_calls(hub, call)
    out = str(tmp_path / "export.zip")
    args = ("export", "--project", PROJECT, "-o", out, "--wire", "sdk", *flags)
    ours = our_calls(runner, hub, tmp_path, *args)
    assert ours == theirs
    assert theirs[0]["path"] == "/v2/export" and theirs[0]["query"]["stage"]


def test_create_attachment_keyed_by_externalid_assetid_and_data(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    attachments = [
        {"externalId": "a.jpg", "attachments": [{"type": "IMAGE", "value": "https://e/1.jpg"}]},
        {"assetId": "65a1b2c3d4e5f607", "attachments": [{"type": "TEXT", "value": "note"}]},
        {"data": "https://e/a.jpg", "attachments": [{"type": "VIDEO", "value": "https://e/v.mp4"}]},
    ]
    theirs = sdk_calls(hub, lambda sdk: sdk.create_attachment(PROJECT, attachments))
    source = write_json(tmp_path / "att.json", attachments)
    args = ("attach", str(source), "--project", PROJECT, "--wire", "sdk")
    ours = our_calls(runner, hub, tmp_path, *args, "--journal", str(tmp_path / "j"))
    assert ours == theirs
    assert theirs[0]["path"] == "/v2/attachments"


def _brush_exchange(hub: HubServer, upload: Callable[[], str]) -> tuple[Call, bytes, str]:
    """Run one brush upload; return the ``getUploadUrl`` call, the bytes the storage got
    and the URL the uploader hands back for the label."""
    hub.state.calls.clear()
    hub.state.stored.clear()
    hub.state.requests.clear()
    url = upload()
    (call,) = hub.state.calls
    ((path, data),) = hub.state.stored.items()
    puts = [(method, keyed) for method, where, keyed in hub.state.requests if where == path]
    assert puts == [("PUT", False)]  # one PUT to the signed URL, never with the key
    return call, data, url


def test_brush_upload_url_flow_is_the_sdks(hub: HubServer, tmp_path: Path) -> None:
    import numpy as np

    from ango_convert.hub.brush_upload import upload_brushes
    from ango_convert.hub.client import AngoClient
    from ango_convert.io.png import decode_rgba

    rgba = np.zeros((4, 6, 4), dtype=np.uint8)
    rgba[1:3, 2:5] = (255, 0, 0, 255)
    sdk_call, sdk_png, sdk_url = _brush_exchange(
        hub, lambda: str(SDK(API_KEY, hub.url).upload_brush_array(PROJECT, rgba))
    )

    from ango_convert.io.png import encode_rgba

    (tmp_path / "mask.png").write_bytes(encode_rgba(rgba))
    records: list[dict[str, Any]] = [{"externalId": "a.jpg", "brushDataUrl": "mask.png"}]

    def ours() -> str:
        with AngoClient(API_KEY, hub.url) as client:
            upload_brushes(client, PROJECT, records, tmp_path, "payload.json")
        return str(records[0]["brushDataUrl"])

    our_call, our_png, our_url = _brush_exchange(hub, ours)

    for call in (sdk_call, our_call):
        assert (call["method"], call["path"], call["apikey"]) == (
            "GET",
            "/v2/getUploadUrl",
            API_KEY,
        )
    assert (
        {k: v for k, v in our_call["query"].items() if k != "name"}
        == {k: v for k, v in sdk_call["query"].items() if k != "name"}
        == {"project": PROJECT, "type": "brushes"}
    )
    assert our_call["query"]["name"].endswith(".png") and sdk_call["query"]["name"].endswith(".png")
    # The same pixels reach storage, and both hand back the stored URL without its query.
    assert (decode_rgba(our_png) == decode_rgba(sdk_png)).all()
    assert "?" not in our_url and "?" not in sdk_url
    assert our_url.rsplit("/", 1)[0] == sdk_url.rsplit("/", 1)[0]
