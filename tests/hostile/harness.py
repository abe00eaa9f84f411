"""Run one hostile case through the CLI and check the contract every bad input must keep.

The contract (see README.md): the documented exit code, exactly one ``error: ...`` line
naming the file and the place, no traceback, the secret file beside the input never read
into the output or the message, and the output folder byte-identical to before the run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner, Result

from ango_convert.cli.main import cli

#: Written beside every input; it must never show up in an output or a message.
SECRET = "TOPSECRET-c0ffee-7"
#: Bytes of the earlier output that a failed run must leave as they were.
EARLIER = b'{"earlier": "output"}\n'

Build = Callable[[Path], Path]


@dataclass(frozen=True)
class Case:
    """One bad input: how to build it, the command line, and what must come out.

    Attributes:
        id: The test id.
        build: Writes the input under the given folder and returns the source path.
        args: Extra ``convert`` arguments (``--from``, ``-R``...).
        code: The exit code expected.
        needles: Text the error line must contain (the file name, the place, the reason).
        to: The output format.
    """

    id: str
    build: Build
    code: int
    needles: Sequence[str] = ()
    args: Sequence[str] = ()
    to: str = "ango-flat"
    command: str = "convert"
    extra: dict[str, str] = field(default_factory=dict)


FOLDER_FORMATS = {"voc", "yolo"}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (hidden ones included) with its bytes."""
    if not folder.exists():
        return {}
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def prepare_output(tmp_path: Path, to: str) -> tuple[Path, list[str]]:
    """An earlier output to protect, and the arguments that would replace it."""
    out = tmp_path / "out"
    out.mkdir()
    if to in FOLDER_FORMATS:
        target = out / "dataset"
        target.mkdir()
        (target / "keep.txt").write_bytes(EARLIER)
        return target, ["-o", str(target), "--overwrite"]
    target = out / "earlier.json"
    target.write_bytes(EARLIER)
    return target, ["-o", str(target)]


def invoke(args: Sequence[str]) -> Result:
    """Run the CLI in-process, as a user would, without letting click hide exceptions."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def run_case(case: Case, tmp_path: Path) -> Result:
    """Build the case's input, run ``convert`` and check the whole failure contract."""
    (tmp_path / "secret.txt").write_text(SECRET)
    inputs = tmp_path / "in"
    inputs.mkdir()
    source = case.build(inputs)
    _, out_args = prepare_output(tmp_path, case.to)
    before = snapshot(tmp_path / "out")
    result = invoke(["convert", str(source), "--to", case.to, *out_args, *case.args])
    assert_failure(result, case.code, case.needles)
    assert snapshot(tmp_path / "out") == before, "the earlier output was touched"
    return result


def assert_failure(result: Result, code: int, needles: Sequence[str]) -> str:
    """Exit code, one error line with every needle, no traceback, no secret."""
    assert result.exit_code == code, f"exit {result.exit_code}:\n{result.output}"
    assert "Traceback" not in result.output
    assert SECRET not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert result.stderr.rstrip("\n").endswith(errors[0]), "the error must be the last line"
    for needle in needles:
        assert needle in errors[0], f"{needle!r} not in {errors[0]!r}"
    return errors[0]


def convert_ok(source: Path, target: Path, to: str, *args: str) -> Result:
    """Run a conversion that must succeed."""
    result = invoke(["convert", str(source), "--to", to, "-o", str(target), *args])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


def files_below(folder: Path) -> list[str]:
    """Every file below ``folder``, relative, sorted (to assert where outputs land)."""
    return sorted(os.path.relpath(path, folder) for path in folder.rglob("*") if path.is_file())


def write(folder: Path, name: str, data: str | bytes) -> Path:
    """Write a text (UTF-8) or bytes file under ``folder``, making parents."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path
