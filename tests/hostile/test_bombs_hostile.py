"""Decompression and whitespace bombs: refused (exit 3, naming the cap's read option)
or read in bulk, never read whole, with peak memory under 500 MB (measured in a child
process).

Each case fails on a reader without the caps of ``formats/ango_export/limits.py``: it
either read the whole member or line into memory (GBs), or skipped padding one
character at a time (30 s of CPU).
"""

from __future__ import annotations

import json
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from ango_convert.errors import EXIT_HUB, EXIT_INPUT, HubError
from ango_convert.hub.export import check_export
from tests.hostile.measured import PEAK_LIMIT_MB, run_measured
from tests.hostile.test_export_hostile import v3

MB = 1 << 20
RECORD = json.dumps(v3(0)).encode()


def chunks(head: bytes, fill: bytes, mb: int, tail: bytes) -> Iterator[bytes]:
    """``head``, ``mb`` MB of ``fill``, ``tail``: written a chunk at a time."""
    yield head
    block = fill * (MB // len(fill))
    for _ in range(mb):
        yield block
    yield tail


def plain(name: str, parts: Callable[[], Iterator[bytes]]) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        with path.open("wb") as out:
            for part in parts():
                out.write(part)
        return path

    return build


def zipped(member: str, parts: Callable[[], Iterator[bytes]]) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / "export.zip"
        with (
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
            archive.open(member, "w", force_zip64=True) as out,
        ):
            for part in parts():
                out.write(part)
        return path

    return build


def line_bomb() -> Iterator[bytes]:
    """One NDJSON line of 400 MB (a 1.5 GB one peaked at 3.1 GB)."""
    return chunks(b'{"externalId": "', b"a", 400, b'"}\n')


def whitespace_array(mb: int = 200) -> Callable[[], Iterator[bytes]]:
    """A JSON array of one record padded with ``mb`` MB of whitespace (32 s of CPU)."""
    return lambda: chunks(b"[", b" \n\t ", mb, RECORD + b"]")


# (id, build, extra arguments, exit code, needles)
REFUSED = [
    ("zip-ndjson-line-bomb", zipped("export.ndjson", line_bomb), [], ("max_zip_ratio",)),
    ("zip-whitespace-array", zipped("export.json", whitespace_array()), [], ("max_zip_ratio",)),
    ("ndjson-long-line", plain("export.ndjson", line_bomb), [], ("line 1", "max_record_mb")),
    (
        "array-long-element",
        plain("export.json", lambda: chunks(b'[{"externalId": "', b"a", 100, b'"}]')),
        [],
        ("$[0]", "max_record_mb"),
    ),
    (
        "array-whitespace-inside-element",
        plain("export.json", lambda: chunks(b'[{"externalId":', b" ", 100, b'"x"}]')),
        [],
        ("$[0]", "max_record_mb"),
    ),
    (
        "zip-over-total-cap",
        zipped("export.ndjson", lambda: iter([(RECORD + b"\n") * 5000])),
        ["-R", "max_unzipped_mb=1"],
        ("export.zip", "max_unzipped_mb"),
    ),
    (
        "zip-ratio-cap-lowered",
        zipped("export.json", whitespace_array(8)),
        ["-R", "max_zip_ratio=10"],
        ("export.json", "max_zip_ratio"),
    ),
]


@pytest.mark.parametrize(
    ("build", "args", "needles"),
    [pytest.param(build, args, needles, id=name) for name, build, args, needles in REFUSED],
)
def test_bomb_is_refused_under_500_mb(
    build: Callable[[Path], Path], args: list[str], needles: tuple[str, ...], tmp_path: Path
) -> None:
    source = build(tmp_path)
    target = tmp_path / "out.json"
    run = run_measured(
        ["convert", str(source), "--from", "ango-v3", "--to", "coco", "-o", str(target), *args],
        tmp_path,
    )
    assert run.code == EXIT_INPUT, run.stderr
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, run.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]
    assert run.peak_mb < PEAK_LIMIT_MB, f"peak {run.peak_mb:.0f} MB"
    assert not target.exists()


def test_whitespace_padding_is_skipped_in_bulk_when_the_cap_is_raised(tmp_path: Path) -> None:
    """The 200 MB-of-whitespace zip, let through by a raised ratio: read in seconds (it
    cost 32 s of CPU skipped a character at a time), memory flat."""
    source = zipped("export.json", whitespace_array())(tmp_path)
    target = tmp_path / "out.json"
    began = time.monotonic()
    args = ["convert", str(source), "--from", "ango-v3", "--to", "coco", "-o", str(target)]
    run = run_measured([*args, "-R", "max_zip_ratio=5000"], tmp_path)
    took = time.monotonic() - began
    assert run.code == 0, run.stderr
    assert [image["file_name"] for image in json.loads(target.read_bytes())["images"]] == [
        "img0.jpg"
    ]
    assert run.peak_mb < PEAK_LIMIT_MB, f"peak {run.peak_mb:.0f} MB"
    assert took < 20, f"took {took:.1f} s"


def test_export_check_refuses_a_bomb_before_unpacking_it(tmp_path: Path) -> None:
    """``export`` checks a download by reading it: a bomb is refused, not read whole."""
    source = zipped("export.ndjson", line_bomb)(tmp_path)
    with pytest.raises(HubError, match="max_zip_ratio"):
        check_export(source, "https://hub.example/export.zip")


def test_export_command_refuses_a_bomb_download(
    runner: CliRunner, hub: object, tmp_path: Path
) -> None:
    from tests.test_hub_export import run, serve

    bomb = zipped("export.json", whitespace_array(8))(tmp_path).read_bytes()
    serve(hub, bomb, "export.zip")  # type: ignore[arg-type]
    target = tmp_path / "e.zip"
    result = run(runner, hub, tmp_path, "-o", str(target))  # type: ignore[arg-type]
    # 8 MB of padding in a few KB: over the default ratio.
    assert result.exit_code == EXIT_HUB, result.output
    assert "max_zip_ratio" in result.stderr
    assert not target.exists()
