"""Brush masks into Ango: painted PNGs in the tools' colours, uploaded through the
upload-URL flow on the loopback Hub (the key never reaches storage), and back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner, Result

from ango_convert.cli.main import cli
from ango_convert.hub import retry as retry_module
from ango_convert.io.png import decode_rgba
from tests.hub_server import API_KEY, PROJECT, HubServer

W, H = 12, 9
COLOURS = {"car": (0x9C, 0x27, 0xB0), "road": (0x00, 0x80, 0xFF)}
ONTOLOGY = {
    "tools": [
        {"title": "car", "tool": "brush", "schemaId": "b-car", "color": "#9c27b0"},
        {"title": "road", "tool": "brush", "schemaId": "b-road", "color": "#0080ff"},
        {"title": "sign", "tool": "bounding-box", "schemaId": "bb-sign", "color": "#ff0000"},
    ]
}


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry_module, "_sleep", lambda _s: None)


def truth() -> dict[str, np.ndarray]:
    car = np.zeros((H, W), dtype=bool)
    car[1:5, 2:7] = True
    car[2, 4] = False
    road = np.zeros((H, W), dtype=bool)
    road[6:9, :] = True
    road[6, 0] = False
    return {"car": car, "road": road}


def rle(array: np.ndarray) -> dict[str, Any]:
    """Uncompressed COCO RLE (column-major runs, the first of zeros), built independently."""
    counts: list[int] = []
    current, run = False, 0
    for value in array.flatten(order="F").tolist():
        if value != current:
            counts.append(run)
            current, run = value, 0
        run += 1
    counts.append(run)
    return {"size": [H, W], "counts": counts}


def coco(tmp_path: Path) -> tuple[Path, Path]:
    masks = truth()
    document = {
        "images": [{"id": 1, "file_name": "dir/a b.jpg", "width": W, "height": H}],
        "categories": [
            {"id": 1, "name": "car"},
            {"id": 2, "name": "road"},
            {"id": 3, "name": "sign"},
        ],
        "annotations": [
            {
                "id": 1,
                "image_id": 1,
                "category_id": 1,
                "segmentation": rle(masks["car"]),
                "iscrowd": 1,
                "area": int(masks["car"].sum()),
                "bbox": [2, 1, 5, 4],
            },
            {
                "id": 2,
                "image_id": 1,
                "category_id": 2,
                "segmentation": rle(masks["road"]),
                "iscrowd": 1,
                "area": int(masks["road"].sum()),
                "bbox": [0, 6, 12, 3],
            },
            {
                "id": 3,
                "image_id": 1,
                "category_id": 3,
                "bbox": [1, 1, 2, 2],
                "area": 4,
                "iscrowd": 0,
                "segmentation": [],
            },
        ],
    }
    source = tmp_path / "coco.json"
    source.write_text(json.dumps(document))
    ontology = tmp_path / "ontology.json"
    ontology.write_text(json.dumps(ONTOLOGY))
    return source, ontology


def invoke(runner: CliRunner, tmp_path: Path, *args: str) -> Result:
    from ango_convert.cli.main import cli

    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg"), "ANGO_CONFIG": "", "ANGO_HOST": ""}
    env["ANGO_API_KEY"] = API_KEY
    return runner.invoke(cli, list(args), env=env, catch_exceptions=False)


def check_png(data: bytes) -> None:
    """Exactly the tools' colours, fully opaque, each class's pixels equal to its mask."""
    pixels = decode_rgba(data)
    assert pixels.shape == (H, W, 4)
    alpha = pixels[:, :, 3]
    assert set(np.unique(alpha).tolist()) == {0, 255}
    opaque = {tuple(p) for p in pixels[alpha == 255][:, :3].tolist()}
    assert opaque == set(COLOURS.values())
    for name, mask in truth().items():
        painted = (alpha == 255) & np.all(pixels[:, :, :3] == COLOURS[name], axis=2)
        assert np.array_equal(painted, mask), name


def test_convert_paints_one_png_per_asset_in_the_tools_colours(
    runner: CliRunner, tmp_path: Path
) -> None:
    source, ontology = coco(tmp_path)
    out = tmp_path / "out" / "payload.json"
    result = invoke(
        runner,
        tmp_path,
        "convert",
        str(source),
        "--to",
        "ango-flat",
        "-o",
        str(out),
        "--ontology",
        str(ontology),
    )
    assert result.exit_code == 0, result.output
    (record,) = json.loads(out.read_text())
    reference = record["brushDataUrl"]
    assert reference.startswith("payload.json.brushes/") and reference.endswith(".png")
    check_png((out.parent / reference).read_bytes())
    # The brush classes are in the PNG only; the box stays an object.
    assert [o["schemaId"] for o in record["objects"]] == ["bb-sign"]


def test_brush_url_base_names_the_hosted_pngs(runner: CliRunner, tmp_path: Path) -> None:
    source, ontology = coco(tmp_path)
    out = tmp_path / "payload.json"
    result = invoke(
        runner,
        tmp_path,
        "convert",
        str(source),
        "--to",
        "ango",
        "-o",
        str(out),
        "--project",
        PROJECT,
        "--ontology",
        str(ontology),
        "--brush-url-base",
        "https://cdn.example.test/masks/",
    )
    assert result.exit_code == 0, result.output
    (label,) = json.loads(out.read_text())["labels"]
    name = label["brushDataUrl"].removeprefix("https://cdn.example.test/masks/")
    assert "/" not in name and (tmp_path / "payload.json.brushes" / name).is_file()


def test_upload_puts_pngs_through_the_upload_url_flow_and_back(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    source, ontology = coco(tmp_path)
    result = invoke(
        runner,
        tmp_path,
        "upload",
        str(source),
        "--project",
        PROJECT,
        "--host",
        hub.url,
        "--ontology",
        str(ontology),
    )
    assert result.exit_code == 0, result.output
    ((stored_path, data),) = hub.state.stored.items()
    check_png(data)
    (query,) = hub.state.upload_queries
    assert query["type"] == "brushes" and query["project"] == PROJECT
    assert stored_path == f"/storage/brushes/{PROJECT}/{query['name']}"
    puts = [r for r in hub.state.requests if r[0] == "PUT"]
    assert puts == [("PUT", stored_path, False)]  # the key never went to storage
    (body,) = hub.state.label_bodies
    (label,) = body["labels"]
    assert label["brushDataUrl"] == hub.url + stored_path

    # The export Hub would give back: the same PNG behind a signed URL, read with consent.
    export = tmp_path / "export.json"
    record = {
        "externalId": label["externalId"],
        "metadata": {"width": W, "height": H},
        "task": {"tools": [], "brushDataUrl": f"{hub.url}{stored_path}?X-Amz-Signature=x"},
    }
    export.write_text(json.dumps([record]))
    back = tmp_path / "back.json"
    result = invoke(
        runner,
        tmp_path,
        "convert",
        str(export),
        "--from",
        "ango-v3",
        "--to",
        "coco",
        "-o",
        str(back),
        "--ontology",
        str(ontology),
        "--download-images",
    )
    assert result.exit_code == 0, result.output
    document = json.loads(back.read_text())
    names = {c["id"]: c["name"] for c in document["categories"]}
    from ango_convert.formats.coco.read import read as read_coco
    from ango_convert.masks import mask_to_array
    from ango_convert.model import Mask

    (item,) = list(read_coco(back).items)
    got = {names[a.category_id]: mask_to_array(a) for a in item.annotations if isinstance(a, Mask)}
    assert set(got) == {"car", "road"}
    for name, mask in truth().items():
        assert np.array_equal(got[name], mask), name


def test_a_payload_file_dry_run_then_upload(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    source, ontology = coco(tmp_path)
    out = tmp_path / "payload.json"
    invoke(
        runner,
        tmp_path,
        "convert",
        str(source),
        "--to",
        "ango",
        "-o",
        str(out),
        "--project",
        PROJECT,
        "--ontology",
        str(ontology),
    )
    result = invoke(runner, tmp_path, "upload", str(out), "--host", hub.url, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "1 brush mask PNG(s) would be uploaded first" in result.output
    assert hub.state.requests == []
    result = invoke(runner, tmp_path, "upload", str(out), "--host", hub.url)
    assert result.exit_code == 0, result.output
    ((stored_path, data),) = hub.state.stored.items()
    check_png(data)
    (label,) = hub.state.label_bodies[0]["labels"]
    assert label["brushDataUrl"] == hub.url + stored_path


def test_a_payload_naming_a_file_outside_its_folder_is_refused(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\nsecret")
    folder = tmp_path / "p"
    folder.mkdir()
    payload = folder / "payload.json"
    payload.write_text(
        json.dumps(
            {
                "project": PROJECT,
                "labels": [
                    {
                        "externalId": "a.jpg",
                        "answer": {"objects": []},
                        "brushDataUrl": "../secret.png",
                    }
                ],
            }
        )
    )
    result = invoke(runner, tmp_path, "upload", str(payload), "--host", hub.url)
    assert result.exit_code != 0
    assert "outside the payload's folder" in result.output + result.stderr
    assert hub.state.requests == [] and hub.state.stored == {}


def test_stdout_without_a_brush_folder_is_refused_before_any_output(
    runner: CliRunner, tmp_path: Path
) -> None:
    source, ontology = coco(tmp_path)
    result = runner.invoke(
        cli,
        ["convert", str(source), "--to", "ango-flat", "-o", "-", "--ontology", str(ontology)],
    )
    assert result.exit_code == 5
    assert result.stdout == ""
    assert "masks of brush classes (car, road)" in result.stderr
    assert "-W brush_dir=DIR" in result.stderr


def test_a_brush_folder_outside_the_payloads_is_reported(runner: CliRunner, tmp_path: Path) -> None:
    source, ontology = coco(tmp_path)
    out = tmp_path / "out" / "payload.json"
    result = invoke(
        runner,
        tmp_path,
        "convert",
        str(source),
        "--to",
        "ango-flat",
        "-o",
        str(out),
        "--ontology",
        str(ontology),
        "-W",
        f"brush_dir={tmp_path / 'elsewhere'}",
    )
    assert result.exit_code == 0, result.output
    assert "outside the payload's folder: upload reads them only inside it" in result.stderr
    (record,) = json.loads(out.read_text())
    check_png((out.parent / record["brushDataUrl"]).read_bytes())
