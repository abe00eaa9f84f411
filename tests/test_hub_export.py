"""``ango-convert export``: request, download json/ndjson/zip, check, save atomically, convert."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ango_convert import registry
from ango_convert.errors import EXIT_CONVERSION, EXIT_HUB, EXIT_OUTPUT, AngoConvertError
from ango_convert.hub import retry as retry_module
from ango_convert.hub.export import ExportOptions, check_export
from tests import imagebytes
from tests.hub_server import API_KEY, PROJECT, Fault, HubServer


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry_module, "_sleep", lambda _s: None)


def asset(n: int) -> dict[str, Any]:
    """A V3 export record for an image with one box (doc-derived shape)."""
    return {
        "asset": f"https://assets.example/img{n}.jpg?X-Amz-Signature=x",
        "externalId": f"img {n}.jpg",
        "metadata": {"width": 640, "height": 480},
        "batches": ["Batch 1"],
        "task": {
            "taskId": f"task{n:020d}",
            "stage": "Complete",
            "stageId": "Complete",
            "tools": [
                {
                    "bounding-box": {"x": 10.0 + n, "y": 20.0, "width": 100.0, "height": 50.0},
                    "objectId": f"obj{n}",
                    "schemaId": "b1c6805d054f0e44ae11500",
                    "title": "car",
                    "classifications": [],
                }
            ],
            "classifications": [],
            "relations": [],
        },
    }


RECORDS = [asset(n) for n in range(3)]
AS_JSON = json.dumps(RECORDS).encode()
AS_NDJSON = b"\n".join(json.dumps(r).encode() for r in RECORDS) + b"\n"


def zipped(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def run(runner: CliRunner, hub: HubServer, tmp_path: Path, *args: str) -> Result:
    from ango_convert.cli.main import cli

    env = {"ANGO_API_KEY": API_KEY, "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "ANGO_CONFIG": ""}
    return runner.invoke(
        cli,
        ["export", "--project", PROJECT, "--host", hub.url, *args],
        env=env,
        catch_exceptions=False,
    )


def serve(hub: HubServer, data: bytes, name: str = "export.json") -> None:
    hub.state.export_file = data
    hub.state.export_name = name


def test_params__booleans_as_true_false_and_only_what_was_given() -> None:
    options = ExportOptions(
        format="ndjson", batches=("b1", "b2"), include_assets=True, include_history=False
    )
    assert options.params("p") == {
        "project": "p",
        "format": "ndjson",
        "batches": "b1,b2",
        "includeAssets": "true",
        "includeHistory": "false",
    }
    assert ExportOptions(v3=True).path == "/v2/exportV3"


@pytest.mark.parametrize(("data", "kind"), [(AS_JSON, "json"), (AS_NDJSON, "ndjson")])
def test_export__downloads_checks_and_saves(
    runner: CliRunner, hub: HubServer, tmp_path: Path, data: bytes, kind: str
) -> None:
    serve(hub, data)
    target = tmp_path / "out dir" / f"my export.{kind}"
    result = run(
        runner,
        hub,
        tmp_path,
        "-o",
        str(target),
        "--status",
        "Completed",
        "--batches",
        "b1, b2",
        "--include-assets",
        "--no-include-history",
    )
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == data
    assert f"saved {kind} export, 3 asset record(s)" in result.stderr
    assert hub.state.export_queries == [
        {
            "project": PROJECT,
            "status": "Completed",
            "batches": "b1,b2",
            "includeAssets": "true",
            "includeHistory": "false",
        }
    ]
    assert [(path, key) for _, path, key in hub.state.requests] == [
        ("/v2/export", True),
        ("/files/export.json", False),  # the signed URL is fetched without the key
    ]
    assert "s3cr3tsig" not in result.output


def test_export__zip_with_one_file_is_extracted_to_a_json_target(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    serve(hub, zipped(**{"export-2025.ndjson": AS_NDJSON}), "export.zip")
    result = run(
        runner, hub, tmp_path, "-o", str(tmp_path / "e.ndjson"), "--v3", "--include-metadata"
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "e.ndjson").read_bytes() == AS_NDJSON
    assert hub.state.requests[0][1] == "/v2/exportV3"
    assert hub.state.export_queries[0]["includeMetadata"] == "true"


def test_export__zip_target_keeps_the_zip_and_counts_every_member(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    data = zipped(**{"a.json": AS_JSON, "b.ndjson": AS_NDJSON, "readme.txt": b"hi"})
    serve(hub, data, "export.zip")
    result = run(runner, hub, tmp_path, "-o", str(tmp_path / "e.zip"), "--format", "split")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "e.zip").read_bytes() == data
    assert "saved zip export, 6 asset record(s)" in result.stderr


def test_export__split_zip_to_a_json_name_is_refused_and_nothing_is_left(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    serve(hub, zipped(**{"a.json": AS_JSON, "b.json": AS_JSON}), "export.zip")
    result = run(runner, hub, tmp_path, "-o", str(tmp_path / "e.json"))
    assert result.exit_code == EXIT_OUTPUT
    assert "save it as NAME.zip" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (b'[{"externalId": "a"}, {"externalId": ', "$[1] (line 1)"),
        (b'{"externalId": "a"}\n{"externalId": \n{"x": 1}\n', "line 2"),
        (zipped(**{"a.json": b"[1, 2"}), "a.json"),
        (zipped(**{"notes.txt": b"x"}), "no JSON or NDJSON file"),
        (b"", "empty"),
    ],
)
def test_export__a_download_that_does_not_parse_keeps_the_old_file(
    runner: CliRunner, hub: HubServer, tmp_path: Path, data: bytes, where: str
) -> None:
    target = tmp_path / "e.json"
    target.write_bytes(b"old")
    serve(hub, data)
    result = run(runner, hub, tmp_path, "-o", str(target))
    assert result.exit_code == EXIT_HUB
    assert "the export download does not parse" in result.stderr and where in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.json"]


def test_export__download_retries_after_5xx_and_a_cut(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    serve(hub, AS_JSON)
    hub.state.plan(Fault("503", path="/files/"), Fault("truncate", path="/files/"))
    result = run(runner, hub, tmp_path, "-o", str(tmp_path / "e.json"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "e.json").read_bytes() == AS_JSON


def test_export__unknown_project_is_a_one_line_hub_error(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    hub.state.project = "another"
    result = run(runner, hub, tmp_path, "-o", str(tmp_path / "e.json"))
    assert result.exit_code == EXIT_HUB
    assert result.stderr.startswith(f"error: HTTP 400: Invalid project: {PROJECT}.")


def test_check_export__kinds(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(AS_NDJSON)
    (tmp_path / "b").write_bytes(b'{"externalId": "x", "task": {}}')
    assert check_export(tmp_path / "a").kind == "ndjson"
    assert (check_export(tmp_path / "b").kind, check_export(tmp_path / "b").records) == ("json", 1)


def _ready(*names: str) -> bool:
    try:
        registry.get_format(names[0]).reader()
        for name in names[1:]:
            registry.get_format(name).writer()
    except AngoConvertError:
        return False
    return True


@pytest.mark.skipif(
    not _ready("ango-v3", "coco", "yolo"), reason="ango-v3 reader or coco/yolo writer not there yet"
)
@pytest.mark.parametrize(
    ("data", "name", "to"),
    [
        (AS_JSON, "export.json", "coco"),
        (AS_NDJSON, "export.json", "yolo"),
        (zipped(**{"export.json": AS_JSON}), "export.zip", "yolo"),
    ],
)
def test_export_to__downloads_and_converts_in_one_command(
    runner: CliRunner, hub: HubServer, tmp_path: Path, data: bytes, name: str, to: str
) -> None:
    serve(hub, data, name)
    out = tmp_path / "dataset"
    result = run(
        runner,
        hub,
        tmp_path,
        "-o",
        str(tmp_path / "e.zip" if name.endswith("zip") else tmp_path / "e.json"),
        "--to",
        to,
        "--out",
        str(out),
        *(["-W", "images=none"] if to == "yolo" else []),  # the assets are not fetchable
    )
    assert result.exit_code == 0, result.output
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written, "nothing was written"
    if to == "coco":
        document = json.loads(next(out.rglob("*.json")).read_text())
        assert len(document["images"]) == 3 and len(document["annotations"]) == 3
    else:
        labels = [p for p in out.rglob("*.txt") if p.name != "classes.txt"]
        assert len(labels) == 3


def test_export_to_yolo__without_images_refused_naming_the_flags(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    """A YOLO dataset without its images cannot train: the export is kept, the conversion
    refused with the flags that fix it (as ``convert`` does)."""
    serve(hub, AS_JSON)
    out = tmp_path / "dataset"
    args = ("-o", str(tmp_path / "e.json"), "--to", "yolo", "--out", str(out))
    result = run(runner, hub, tmp_path, *args)
    assert result.exit_code == EXIT_CONVERSION, result.output
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert "no image found for any of the 3 item(s) ('img 0.jpg'" in error
    for flag in ("--images DIR", "-W images=none", "--download-images"):
        assert flag in error, error
    assert "images='none'" not in error and "download_images" not in error
    assert (tmp_path / "e.json").is_file() and not out.exists()


def test_export_to_yolo__download_images_makes_a_training_set(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    records = []
    for n in range(3):
        path = f"/storage/assets/{PROJECT}/img{n}.png"
        hub.state.stored[path] = imagebytes.png(640, 480)
        record = asset(n)
        record["asset"] = f"{hub.url}{path}?X-Amz-Signature=x"
        records.append(record)
    serve(hub, json.dumps(records).encode())
    out = tmp_path / "dataset"
    args = ("-o", str(tmp_path / "e.json"), "--to", "yolo", "--out", str(out))
    result = run(runner, hub, tmp_path, *args, "--download-images")
    assert result.exit_code == 0, result.output
    assert "images: 3 downloaded" in result.output
    images = sorted(p.name for p in (out / "images" / "train").iterdir())
    assert images == ["img 0.jpg", "img 1.jpg", "img 2.jpg"]
    assert (out / "images" / "train" / "img 0.jpg").read_bytes() == imagebytes.png(640, 480)
    assert len(list((out / "labels" / "train").glob("*.txt"))) == 3


def test_export__download_images_needs_to(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    serve(hub, AS_JSON)
    result = run(runner, hub, tmp_path, "-o", str(tmp_path / "e.json"), "--download-images")
    assert result.exit_code == 2 and "--download-images goes with --to" in result.output
