"""The command's own entry point: a conversion ends the process without freeing what it
loaded (see ``ango_convert._exit``), and still flushes, reports and exits as usual."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import SAMPLES

_MAIN = "import sys; from ango_convert.cli.main import main; sys.argv[0] = 'ango-convert'; main()"


def _run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", _MAIN, *args], capture_output=True, timeout=120, check=False
    )


def test_convert_to_stdout__whole_document_and_exit_zero() -> None:
    done = _run("convert", str(SAMPLES / "coco/annotations.json"), "--to", "coco", "-o", "-")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert len(document["images"]) == len(
        json.loads((SAMPLES / "coco/annotations.json").read_bytes())["images"]
    )


def test_convert_to_file__report_printed_and_exit_zero(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    done = _run("convert", str(SAMPLES / "coco/annotations.json"), "--to", "coco", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert b"wrote" in done.stderr + done.stdout
    assert json.loads(out.read_bytes())["annotations"]


def test_failed_conversion__its_exit_code(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"images": [{"id": 1}]}', encoding="utf-8")
    done = _run("convert", str(bad), "--from", "coco", "--to", "coco", "-o", str(tmp_path / "o"))
    assert done.returncode == 3
    assert done.stderr.startswith(b"error: ")


def test_closed_stdout__exit_six() -> None:
    code = (
        "import os, sys; os.close(1); from ango_convert.cli.main import main; "
        "sys.argv[0] = 'ango-convert'; main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "convert", str(SAMPLES / "coco/annotations.json"),
         "--to", "coco", "-o", "-"],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 6, done.stderr
