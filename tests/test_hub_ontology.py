"""The live ontology: `ontology --project` saves it, `--ontology hub` maps with it."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from ango_convert.errors import EXIT_AUTH, EXIT_HUB
from tests.hub_server import PROJECT, HubServer
from tests.test_hub_cli import invoke

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "coco" / "annotations.json"


def project_ontology(runner: CliRunner, hub: HubServer, tmp_path: Path) -> dict[str, object]:
    made = tmp_path / "made.json"
    result = invoke(runner, tmp_path, "ontology", str(SAMPLE), "-o", str(made))
    assert result.exit_code == 0, result.stderr
    schema: dict[str, object] = json.loads(made.read_text())
    hub.state.category_schema = schema
    return schema


def test_ontology_project__saves_the_category_schema_as_hub_has_it(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    schema = project_ontology(runner, hub, tmp_path)
    out = tmp_path / "live.json"
    args = ("ontology", "--project", PROJECT, "-o", str(out), "--host", hub.url)
    result = invoke(runner, tmp_path, *args)
    assert result.exit_code == 0, result.stderr
    assert json.loads(out.read_text()) == schema
    assert f"saved the categorySchema of project {PROJECT}" in result.stderr
    call = hub.state.calls[-1]
    assert (call["method"], call["path"], call["query"]) == ("GET", f"/v2/project/{PROJECT}", {})


def test_ontology_project__unknown_project_exits_7_and_writes_nothing(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    out = tmp_path / "live.json"
    args = ("ontology", "--project", "nope", "-o", str(out), "--host", hub.url)
    result = invoke(runner, tmp_path, *args)
    assert result.exit_code == EXIT_HUB
    assert "Invalid project: nope." in result.stderr
    assert not out.exists()


def test_ontology__source_and_project_together_is_a_usage_error(
    runner: CliRunner, tmp_path: Path
) -> None:
    args = ("ontology", str(SAMPLE), "--project", PROJECT, "-o", str(tmp_path / "o.json"))
    result = invoke(runner, tmp_path, *args)
    assert result.exit_code == 2
    assert "SOURCE (a dataset) or --project ID, not both" in result.stderr


def test_convert_ontology_hub__maps_like_the_saved_file(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    project_ontology(runner, hub, tmp_path)
    common = ("convert", str(SAMPLE), "--to", "ango", "--project", PROJECT)
    local = tmp_path / "local.json"
    result = invoke(
        runner, tmp_path, *common, "--ontology", str(tmp_path / "made.json"), "-o", str(local)
    )
    assert result.exit_code == 0, result.stderr
    live = tmp_path / "live.json"
    result = invoke(
        runner, tmp_path, *common, "--ontology", "hub", "-o", str(live), ANGO_HOST=hub.url
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(live.read_text()) == json.loads(local.read_text())
    objects = json.loads(live.read_text())["labels"][0]["answer"]["objects"]
    assert objects and all("schemaId" in obj for obj in objects)


def test_convert_ontology_hub__needs_project_and_a_key(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    args = ("convert", str(SAMPLE), "--to", "ango", "--ontology", "hub", "-o", str(tmp_path / "o"))
    result = invoke(runner, tmp_path, *args, ANGO_HOST=hub.url)
    assert result.exit_code == 2
    assert "--ontology hub reads the project's ontology: it needs --project" in result.stderr
    result = invoke(runner, tmp_path, *args, "--project", PROJECT, key=None, ANGO_HOST=hub.url)
    assert result.exit_code == EXIT_AUTH


def test_upload_ontology_hub__converts_with_the_live_schema(
    runner: CliRunner, hub: HubServer, tmp_path: Path
) -> None:
    schema = project_ontology(runner, hub, tmp_path)
    args = ("upload", str(SAMPLE), "--project", PROJECT, "--ontology", "hub", "--host", hub.url)
    journal = str(tmp_path / "upload.journal")  # not beside the shipped sample
    result = invoke(runner, tmp_path, *args, "--no-check-assets", "--journal", journal)
    assert result.exit_code == 0, result.stderr
    ids = {tool["schemaId"] for tool in schema["tools"]}  # type: ignore[attr-defined]
    sent = hub.state.label_bodies[0]["labels"]
    used = {obj["schemaId"] for label in sent for obj in label["answer"]["objects"]}
    assert used and used <= ids
