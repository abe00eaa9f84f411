"""`assets`: creating assets from URLs as the SDK does, batched, journalled, resumable."""

from __future__ import annotations

import collections
import json
import signal
from pathlib import Path

from click.testing import CliRunner

from ango_convert.errors import EXIT_CONVERSION, EXIT_INPUT
from tests.hub_server import PROJECT, Fault, HubServer
from tests.test_hub_cli import invoke, write_json
from tests.test_hub_upload import run_cli

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "coco" / "annotations.json"
CLOUD = f"/v2/project/{PROJECT}/cloud"


def test_csv_list__sent_as_the_sdks_body_with_sizes(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    source = tmp_path / "urls.csv"
    source.write_text(
        "data,externalId,width,height,batches\n"
        "https://b.example/a%201.jpg,a 1.jpg,640,480,\n"
        "https://b.example/b.jpg,,,,b1;b2\n",
        encoding="utf-8",
    )
    result = invoke(
        runner, tmp_path, "assets", str(source), "--project", PROJECT, "--host", hub.url
    )
    assert result.exit_code == 0, result.stderr
    assert "sent 2 asset(s) in 1 batch(es)" in result.stderr
    (call,) = hub.state.calls
    assert (call["method"], call["path"], call["query"]) == ("POST", CLOUD, {})
    assert call["body"] == {
        "assets": [
            {
                "data": "https://b.example/a%201.jpg",
                "externalId": "a 1.jpg",
                "metadata": {"width": 640, "height": 480},
            },
            {"data": "https://b.example/b.jpg", "batches": ["b1", "b2"]},
        ],
        "uploadLocal": None,
        "priority": 0,
    }


def test_dataset_with_url_base__externalids_and_sizes_from_the_dataset(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    coco = json.loads(SAMPLE.read_text())
    coco["images"][0]["file_name"] = "sub dir/ä #1.jpg"
    source = write_json(tmp_path / "coco.json", coco)
    args = ("assets", str(source), "--project", PROJECT, "--host", hub.url)
    result = invoke(
        runner,
        tmp_path,
        *args,
        "--url-base",
        "https://cdn.example/imgs/",
        "--batch",
        "65a1b2c3",
        "--priority",
        "3",
    )
    assert result.exit_code == 0, result.stderr
    (call,) = hub.state.calls
    assert call["query"] == {"batches": '["65a1b2c3"]'}
    assert call["body"]["priority"] == 3
    expected = [
        {
            "data": "https://cdn.example/imgs/"
            + image["file_name"].replace(" ", "%20").replace("ä", "%C3%A4").replace("#", "%23"),
            "externalId": image["file_name"],
            "metadata": {"width": image["width"], "height": image["height"]},
        }
        for image in coco["images"]
    ]
    assert call["body"]["assets"] == expected
    created = {asset["externalId"]: asset for asset in hub.state.assets or []}
    assert created["sub dir/ä #1.jpg"]["metadata"] == expected[0]["metadata"]


def test_dataset_without_urls_or_url_base__exit_5_naming_the_images(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    args = ("assets", str(SAMPLE), "--project", PROJECT, "--host", hub.url)
    result = invoke(runner, tmp_path, *args)
    assert result.exit_code == EXIT_CONVERSION
    assert "are not URLs" in result.stderr and "--url-base" in result.stderr
    assert hub.state.calls == []


def test_bad_row__one_line_read_error_with_its_place(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    source = write_json(
        tmp_path / "list.json",
        {
            "assets": [
                {"data": "https://e/1.jpg"},
                {"data": "https://e/2.jpg", "metadata": {"width": 5}},
            ]
        },
    )
    result = invoke(
        runner, tmp_path, "assets", str(source), "--project", PROJECT, "--host", hub.url
    )
    assert result.exit_code == EXIT_INPUT
    assert result.stderr.strip() == (
        f"error: {source}: $.assets[1]: give both width and height, or neither"
    )
    bad = tmp_path / "u.csv"
    bad.write_text("url\nftp://x/y.jpg\n", encoding="utf-8")
    result = invoke(runner, tmp_path, "assets", str(bad), "--project", PROJECT, "--host", hub.url)
    assert result.exit_code == EXIT_INPUT
    assert "line 2: an asset needs an http(s) URL in data (got 'ftp://x/y.jpg')" in result.stderr


def test_killed_midway_then_rerun__each_asset_created_once(hub: HubServer, tmp_path: Path) -> None:
    rows = "".join(f"https://e/img{n:05d}.jpg,img{n:05d}.jpg,64,48\n" for n in range(2000))
    source = tmp_path / "many urls.csv"
    source.write_text("data,externalId,width,height\n" + rows, encoding="utf-8")
    hub.state.plan(*[Fault("ok")] * 5, Fault("hang"))
    args = ("assets", str(source), "--project", PROJECT, "--host", hub.url, "--batch-size", "100")
    process = run_cli(*args)
    try:
        assert hub.state.hung.wait(30), process.communicate(timeout=5)
        journal = tmp_path / "many urls.csv.ango-assets.journal"
        assert len(journal.read_text().splitlines()[1:]) == 5
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        hub.state.release.set()
        if process.poll() is None:
            process.kill()
        process.communicate()
    assert process.returncode == -9
    assert len(hub.state.assets or []) == 500
    second = run_cli(*args)
    _out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err.decode()
    assert "sent 1500 asset(s) in 15 batch(es); 500 already confirmed" in err.decode()
    counts = collections.Counter(asset["externalId"] for asset in hub.state.assets or [])
    assert len(counts) == 2000 and set(counts.values()) == {1}
    assert all(asset["metadata"] == {"width": 64, "height": 48} for asset in hub.state.assets or [])
