"""The core commands through click's runner: convert, validate, formats, ontology."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import ango_convert
from ango_convert.cli.main import cli
from ango_convert.errors import EXIT_CONVERSION, EXIT_INPUT, EXIT_INVALID, EXIT_USAGE
from tests.ir_samples import tiny_dataset


@pytest.fixture
def flat_payload(tmp_path: Path) -> Path:
    path = tmp_path / "flat.json"
    ango_convert.write(tiny_dataset(), path, "ango-flat")
    return path


class TestConvert:
    def test_convert__flat_to_seed_detects_input(
        self, runner: CliRunner, flat_payload: Path, tmp_path: Path
    ) -> None:
        out = tmp_path / "seed.json"
        result = runner.invoke(
            cli, ["convert", str(flat_payload), "--to", "ango", "--project", "p9", "-o", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert json.loads(out.read_text())["project"] == "p9"
        assert "wrote 3 item(s), 7 annotation(s)" in result.stderr  # objects, not parts

    def test_convert__stdout(self, runner: CliRunner, flat_payload: Path) -> None:
        result = runner.invoke(
            cli, ["-q", "convert", str(flat_payload), "--to", "ango-flat", "-o", "-"]
        )
        assert result.exit_code == 0
        assert json.loads(result.stdout)[0]["externalId"] == "street scene.v2.final.jpg"

    def test_convert__missing_project_is_one_line_error(
        self, runner: CliRunner, flat_payload: Path, tmp_path: Path
    ) -> None:
        out = tmp_path / "seed.json"
        result = runner.invoke(cli, ["convert", str(flat_payload), "--to", "ango", "-o", str(out)])
        assert result.exit_code == EXIT_CONVERSION
        assert result.stderr.startswith("error: the 'ango' payload needs a project id")
        assert result.stderr.count("\n") == 1
        assert "Traceback" not in result.output
        assert not out.exists()

    def test_convert__truncated_json(self, runner: CliRunner, tmp_path: Path) -> None:
        bad = tmp_path / "bad.json"
        bad.write_text('[{"externalId": "a.jpg", "objects": [')
        out = tmp_path / "o.json"
        result = runner.invoke(
            cli,
            [
                "convert",
                str(bad),
                "--from",
                "ango-flat",
                "--to",
                "ango",
                "--project",
                "p",
                "-o",
                str(out),
            ],
        )
        assert result.exit_code == EXIT_INPUT
        assert result.stderr.startswith(f"error: {bad}: line 1 column")
        assert not out.exists()

    def test_convert__unknown_format(self, runner: CliRunner, flat_payload: Path) -> None:
        result = runner.invoke(cli, ["convert", str(flat_payload), "--to", "nope", "-o", "x"])
        assert result.exit_code == EXIT_USAGE
        assert "unknown format 'nope'" in result.stderr

    def test_convert__flag_not_applicable(
        self, runner: CliRunner, flat_payload: Path, tmp_path: Path
    ) -> None:
        result = runner.invoke(
            cli,
            [
                "convert",
                str(flat_payload),
                "--to",
                "ango-flat",
                "--project",
                "p",
                "-o",
                str(tmp_path / "x.json"),
            ],
        )
        assert result.exit_code == EXIT_USAGE
        assert "--project does not apply" in result.stderr


class TestValidate:
    def test_validate__valid(self, runner: CliRunner, flat_payload: Path) -> None:
        result = runner.invoke(cli, ["validate", str(flat_payload)])
        assert result.exit_code == 0
        assert "valid ango-import-flat" in result.stdout

    def test_validate__every_issue_with_path(self, runner: CliRunner, tmp_path: Path) -> None:
        bad = tmp_path / "bad.json"
        bad.write_text(
            json.dumps(
                {
                    "project": "",
                    "labels": [
                        {"externalId": "a", "answer": {"objects": [{"title": "t", "point": [1]}]}},
                        {"answer": {}},
                    ],
                }
            )
        )
        result = runner.invoke(cli, ["validate", str(bad)])
        assert result.exit_code == EXIT_INVALID
        lines = result.stderr.splitlines()
        assert f"{bad}: $.labels[0].answer.objects[0].point: [1] is too short" in lines
        assert any(line.startswith(f"{bad}: $.labels[1]:") for line in lines)
        assert any(line.startswith(f"{bad}: $.project:") for line in lines)
        assert lines[-1].startswith("error: ")


class TestFormatsAndOntology:
    def test_formats__lists_modes_and_options(self, runner: CliRunner) -> None:
        result = runner.invoke(cli, ["formats", "-v"])
        assert result.exit_code == 0
        assert "ango       read/write" in result.stdout
        assert "-W external_id=name|basename|stem" in result.stdout

    def test_ontology__tools_per_kind_and_keypoints(
        self, runner: CliRunner, flat_payload: Path, tmp_path: Path
    ) -> None:
        out = tmp_path / "ontology.json"
        result = runner.invoke(cli, ["ontology", str(flat_payload), "-o", str(out)])
        assert result.exit_code == 0, result.output
        schema = json.loads(out.read_text())
        tools = {(t["title"], t["tool"]) for t in schema["tools"]}
        assert ("car", "segmentation") in tools
        assert ("person", "point") in tools
        point = next(t for t in schema["tools"] if t["tool"] == "point")
        keypoint = next(c for c in point["classifications"] if c["title"] == "keypoint")
        assert [o["value"] for o in keypoint["options"]] == ["nose", "kp1", "right eye"]

    def test_ontology__mapping_back_roundtrips(
        self, runner: CliRunner, flat_payload: Path, tmp_path: Path
    ) -> None:
        ontology = tmp_path / "ontology.json"
        runner.invoke(cli, ["ontology", str(flat_payload), "-o", str(ontology)])
        out = tmp_path / "seed.json"
        result = runner.invoke(
            cli,
            [
                "convert",
                str(flat_payload),
                "--to",
                "ango",
                "--project",
                "p",
                "--ontology",
                str(ontology),
                "-o",
                str(out),
            ],
        )
        assert result.exit_code == 0, result.stderr
        objects = json.loads(out.read_text())["labels"][0]["answer"]["objects"]
        assert all("schemaId" in obj for obj in objects)

    def test_version(self, runner: CliRunner) -> None:
        result = runner.invoke(cli, ["--version"])
        assert result.exit_code == 0
        assert "0.1.0" in result.stdout
