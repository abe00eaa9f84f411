"""The API is the one orchestrator: the CLI's convert gives the same bytes and the same
report, the per-format functions show their format's real options, and what a read
leaves out travels in Diagnostics, never in ``Dataset.info``."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import ango_convert
from ango_convert import registry
from ango_convert.cli.main import cli
from ango_convert.report import Diagnostics
from tests.conftest import SAMPLES

# A record whose width is text: ``on_error=skip`` must leave it out and note it.
_BROKEN_RECORD = {
    "asset": "http://127.0.0.1:9/b.jpg",
    "externalId": "b.jpg",
    "metadata": {"width": "wide", "height": 10},
    "task": {"tools": [], "classifications": []},
}


def _broken_coco(folder: Path) -> Path:
    document = json.loads((SAMPLES / "coco" / "annotations.json").read_text())
    document["annotations"][1]["bbox"] = [1, 2, "three", 4]
    path = folder / "broken.json"
    path.write_text(json.dumps(document))
    return path


def _broken_export(folder: Path) -> Path:
    lines = (SAMPLES / "ango" / "export_v3.ndjson").read_text().splitlines()
    lines.insert(1, json.dumps(_BROKEN_RECORD))
    path = folder / "broken.ndjson"
    path.write_text("\n".join(lines) + "\n")
    return path


def _comparable(report: dict[str, Any], target: Path) -> dict[str, Any]:
    """A report with its own output's path taken out (the two runs write elsewhere)."""
    text = json.dumps(report).replace(str(target), "<target>")
    return dict(json.loads(text))


_EXPORT_IMAGES = SAMPLES / "ango" / "images"


@pytest.mark.parametrize(
    ("make_source", "images"),
    [(_broken_coco, None), (_broken_export, _EXPORT_IMAGES)],
    ids=["coco-eager", "ango-v3-lazy"],
)
def test_cli_and_api_give_the_same_bytes_and_report_with_on_error_skip(
    tmp_path: Path, runner: CliRunner, make_source: Any, images: Path | None
) -> None:
    source = make_source(tmp_path)
    by_cli, by_api = tmp_path / "cli.json", tmp_path / "api.json"
    report_file = tmp_path / "cli-report.json"
    arguments = ["convert", str(source), "--to", "coco", "-o", str(by_cli), "--on-error", "skip"]
    arguments += ["--report", str(report_file), "--on-unsupported", "skip"]
    arguments += ["--images", str(images)] if images else []
    result = runner.invoke(cli, arguments)
    assert result.exit_code == 0, result.output
    read_options: dict[str, Any] = {"on_error": "skip"}
    if images:
        read_options["images_dir"] = images
    report = ango_convert.convert(
        source,
        by_api,
        to="coco",
        read_options=read_options,
        write_options={"on_unsupported": "skip"},
    )

    assert by_cli.read_bytes() == by_api.read_bytes()
    cli_report = _comparable(json.loads(report_file.read_text()), by_cli)
    api_report = _comparable(report.to_dict(), by_api)
    assert cli_report == api_report
    assert len(api_report["skipped_input"]) >= 1
    assert all(note["file"] == str(source) for note in api_report["skipped_input"])
    assert b"skipped_input" not in by_api.read_bytes()  # notes never reach the output


def test_lazy_reader_notes_reach_the_report_after_the_write(tmp_path: Path) -> None:
    source = _broken_export(tmp_path)
    options = {"on_error": "skip", "images_dir": _EXPORT_IMAGES}
    report = ango_convert.convert(
        source,
        tmp_path / "out.json",
        to="coco",
        read_options=options,
        write_options={"on_unsupported": "skip"},
    )
    places = [note["place"] for note in report.skipped_input]
    assert places == ["line 2 (externalId 'b.jpg')"]


def test_read_with_diagnostics_collects_and_the_dataset_info_stays_clean(tmp_path: Path) -> None:
    diagnostics = Diagnostics()
    dataset = ango_convert.read(_broken_coco(tmp_path), diagnostics=diagnostics, on_error="skip")
    assert [note["place"] for note in diagnostics.skipped_input] == ["$.annotations[1].bbox[2]"]
    assert "skipped_input" not in dataset.info


def test_read_without_diagnostics_logs_what_it_left_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ango_convert.read(_broken_coco(tmp_path), on_error="skip")
    left_out = [r.getMessage() for r in caplog.records if r.getMessage().startswith("left out")]
    assert len(left_out) == 1
    assert "$.annotations[1].bbox" in left_out[0]


_TYPED = [
    ("read_coco", "coco", "read"),
    ("write_coco", "coco", "write"),
    ("read_voc", "voc", "read"),
    ("write_voc", "voc", "write"),
    ("read_yolo", "yolo", "read"),
    ("write_yolo", "yolo", "write"),
    ("read_ango", "ango", "read"),
    ("write_ango", "ango", "write"),
    ("write_ango_flat", "ango-flat", "write"),
    ("read_ango_v2", "ango-v2", "read"),
    ("read_ango_v3", "ango-v3", "read"),
]


@pytest.mark.parametrize(("public", "format_name", "role"), _TYPED)
def test_per_format_functions_show_the_format_options(
    public: str, format_name: str, role: str
) -> None:
    spec = registry.get_format(format_name)
    function = spec.reader() if role == "read" else spec.writer()
    shown = inspect.signature(getattr(ango_convert, public))
    assert shown == inspect.signature(function)
    assert getattr(ango_convert, public).__doc__ == function.__doc__
    assert any(p.kind is inspect.Parameter.KEYWORD_ONLY for p in shown.parameters.values())


def test_per_format_function_reads_and_writes(tmp_path: Path) -> None:
    dataset = ango_convert.read_coco(SAMPLES / "coco" / "annotations.json")
    report = ango_convert.write_coco(dataset, tmp_path / "again.json", indent=True)
    assert report.items == len(tuple(dataset.items)) > 0
    assert b'\n  "images"' in (tmp_path / "again.json").read_bytes()


def test_service_parameters_are_not_user_options(runner: CliRunner) -> None:
    reader = registry.get_format("ango-v3").reader()
    options = {option.name for option in registry.options_of(reader)}
    assert "on_error" in options
    assert not options & registry.SERVICE_PARAMETERS
    with pytest.raises(ValueError, match="unknown option 'diagnostics'"):
        registry.bind_options(reader, {"diagnostics": "x"})
    listed = runner.invoke(cli, ["formats", "-v"])
    assert listed.exit_code == 0
    assert "on_error" in listed.output and "fetcher" not in listed.output
