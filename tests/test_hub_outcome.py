"""Import outcome: Hub's "N / M tasks are labeled." counted, and the asset pre-check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ango_convert.errors import EXIT_UNLABELLED
from ango_convert.hub import assets as hub_assets
from ango_convert.hub.outcome import labelled_count
from tests.hub_server import PROJECT, HubServer
from tests.test_hub_cli import invoke, write_json
from tests.test_hub_upload import seed_payload

ASSETS_PATH = f"/v2/project/{PROJECT}/assets"


def five_labels_three_known(hub: HubServer, tmp_path: Path) -> tuple[Path, list[str]]:
    payload = seed_payload(5)
    names = [record["externalId"] for record in payload["labels"]]
    hub.state.add_assets(names[0], names[2], names[4])
    return write_json(tmp_path / "p.json", payload), [names[1], names[3]]


def test_five_labels_three_assets__says_3_of_5_names_the_2_first_and_exits_11(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    source, unknown = five_labels_three_known(hub, tmp_path)
    report = tmp_path / "report.json"
    result = invoke(
        runner, tmp_path, "upload", str(source), "--host", hub.url, "--report", str(report)
    )
    assert result.exit_code == EXIT_UNLABELLED
    warning = next(line for line in result.stderr.splitlines() if line.startswith("warning:"))
    assert "2 of 5 asset key(s) match no asset" in warning
    assert all(repr(name) in warning for name in unknown)
    assert "Hub labelled 3 of 5 sent" in result.stderr
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("error: Hub labelled 3 of 5 label(s) sent; 2 matched no task")
    assert "--allow-unlabelled" in error
    # The check ran before anything was sent: every asset lookup precedes the import.
    paths = [call["path"] for call in hub.state.calls]
    assert paths == [ASSETS_PATH] * 5 + ["/v2/import/labels"]
    saved = json.loads(report.read_text())
    assert saved["labelled"] == 3
    assert saved["batch_outcomes"] == [{"batch": 0, "sent": 5, "labelled": 3}]
    assert sorted(saved["missing_assets"]) == sorted(unknown)


def test_no_check_assets__still_counts_and_exits_11_without_lookups(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    source, _unknown = five_labels_three_known(hub, tmp_path)
    args = ("upload", str(source), "--host", hub.url, "--no-check-assets", "--batch-size", "2")
    result = invoke(runner, tmp_path, *args, "--report", str(tmp_path / "r.json"))
    assert result.exit_code == EXIT_UNLABELLED
    assert "Hub labelled 3 of 5 sent" in result.stderr
    assert "--check-assets" in result.stderr.strip().splitlines()[-1]
    assert [call["path"] for call in hub.state.calls] == ["/v2/import/labels"] * 3
    outcomes = json.loads((tmp_path / "r.json").read_text())["batch_outcomes"]
    assert outcomes == [
        {"batch": 0, "sent": 2, "labelled": 1},
        {"batch": 1, "sent": 2, "labelled": 1},
        {"batch": 2, "sent": 1, "labelled": 1},
    ]


def test_allow_unlabelled__exits_0_with_a_warning(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    source, _unknown = five_labels_three_known(hub, tmp_path)
    args = ("upload", str(source), "--host", hub.url, "--allow-unlabelled")
    result = invoke(runner, tmp_path, *args)
    assert result.exit_code == 0, result.stderr
    assert "warning: Hub labelled 3 of 5 label(s) sent" in result.stderr


def test_every_asset_known__exits_0_and_says_all_labelled(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    payload = seed_payload(4)
    hub.state.add_assets(*(record["externalId"] for record in payload["labels"]))
    result = invoke(
        runner, tmp_path, "upload", str(write_json(tmp_path / "p.json", payload)), "--host", hub.url
    )
    assert result.exit_code == 0, result.stderr
    assert "asset check: all 4 asset key(s) found" in result.stderr
    assert "Hub labelled 4 of 4 sent" in result.stderr


def test_no_asset_matches__0_of_4_exits_11(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    hub.state.add_assets("something-else.jpg")
    source = write_json(tmp_path / "p.json", seed_payload(4))
    result = invoke(runner, tmp_path, "upload", str(source), "--host", hub.url)
    assert result.exit_code == EXIT_UNLABELLED
    assert "Hub labelled 0 of 4 sent" in result.stderr


def test_large_payload__automatic_check_is_skipped_but_can_be_forced(
    runner: CliRunner, hub: HubServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_assets, "AUTO_CHECK_MAX_KEYS", 2)
    source, unknown = five_labels_three_known(hub, tmp_path)
    result = invoke(
        runner, tmp_path, "upload", str(source), "--host", hub.url, "--allow-unlabelled"
    )
    assert "skipping the asset check" in result.stderr
    assert ASSETS_PATH not in [call["path"] for call in hub.state.calls]
    hub.state.calls.clear()
    forced = invoke(
        runner,
        tmp_path,
        "upload",
        str(source),
        "--host",
        hub.url,
        "--check-assets",
        "--journal",
        str(tmp_path / "j2"),
    )
    assert forced.exit_code == EXIT_UNLABELLED
    assert all(repr(name) in forced.stderr for name in unknown)
    assert [call["path"] for call in hub.state.calls].count(ASSETS_PATH) == 5


def test_asset_lookup_query_is_the_sdks() -> None:
    query = hub_assets.asset_query({"externalId": 'a "b".jpg'})
    assert query == {"page": "1", "limit": "10", "filters": '{"externalId": "a \\"b\\".jpg"}'}


@pytest.mark.parametrize(
    ("answer", "count"),
    [
        ({"project": "3 / 5 tasks are labeled."}, 3),
        ({"project": "0 / 4 tasks are labeled."}, 0),
        ({"message": "1 / 1 task is labelled"}, 1),
        ("12 / 12 tasks are labeled.", 12),
        ({"project": {"attachmentsImported": 1}}, None),
        ({}, None),
    ],
)
def test_labelled_count_reads_hubs_sentence(answer: object, count: int | None) -> None:
    assert labelled_count(answer) == count


def test_records_keyed_by_data_are_noted_not_looked_up(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    hub.state.add_assets("a.jpg")
    records = [
        {"externalId": "a.jpg", "objects": []},
        {"data": "https://assets.example/a.jpg", "objects": []},
    ]
    source = write_json(tmp_path / "p.json", records)
    result = invoke(
        runner, tmp_path, "upload", str(source), "--project", PROJECT, "--host", hub.url
    )
    assert result.exit_code == 0, result.stderr
    assert "note: 1 record(s) keyed only by data" in result.stderr
    assert [call["path"] for call in hub.state.calls] == [ASSETS_PATH, "/v2/import/labels"]
    assert "Hub labelled 2 of 2 sent" in result.stderr


def test_rerun_with_the_journal__still_exits_11_and_says_to_use_a_new_journal(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    source, _unknown = five_labels_three_known(hub, tmp_path)
    args = ("upload", str(source), "--host", hub.url, "--journal", str(tmp_path / "j"))
    first = invoke(runner, tmp_path, *args)
    assert first.exit_code == EXIT_UNLABELLED
    hub.state.calls.clear()
    again = invoke(runner, tmp_path, *args)
    assert again.exit_code == EXIT_UNLABELLED
    assert hub.state.calls == []  # everything was confirmed: nothing is looked up or sent
    error = again.stderr.strip().splitlines()[-1]
    assert error.startswith("error: Hub labelled 3 of 5 label(s) sent; 2 matched no task")
    assert "2 of them in batches an earlier run confirmed" in error
    assert "upload with a new --journal" in error
    # Once the assets exist, a new journal lands every label.
    hub.state.add_assets(*_unknown)
    fresh = invoke(
        runner,
        tmp_path,
        "upload",
        str(source),
        "--host",
        hub.url,
        "--journal",
        str(tmp_path / "j2"),
    )
    assert fresh.exit_code == 0, fresh.stderr
    assert "Hub labelled 5 of 5 sent" in fresh.stderr
