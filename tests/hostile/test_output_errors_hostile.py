"""Hostile outputs (issue 14), continued: clear errors where exit 1 used to be, names a
list file or a file system cannot hold, and what the upload journal keeps.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from ango_convert.errors import EXIT_CONVERSION, EXIT_INVALID, EXIT_OUTPUT
from ango_convert.io import outputs as io_outputs
from tests.hostile.harness import (
    EARLIER,
    Case,
    assert_failure,
    convert_ok,
    invoke,
    run_case,
    snapshot,
    write,
)
from tests.hostile.outputs_common import SAMPLES, coco, one_error, run
from tests.hub_server import API_KEY, PROJECT, HubServer

# --- 7. clear errors, not exit 1 --------------------------------------------------------


def _yolo_case(split: str) -> Case:
    return Case(
        f"default_split={split!r}",
        lambda folder: write(folder, "c.json", coco()),
        EXIT_CONVERSION,
        ("default_split", "cannot name a folder"),
        ("-W", f"default_split={split}"),
        to="yolo",
    )


@pytest.mark.parametrize("to", ["yolo", "voc"])
@pytest.mark.parametrize("split", ["..", ".", "", "/"])
def test_unusable_default_split(tmp_path: Path, to: str, split: str) -> None:
    case = _yolo_case(split)
    run_case(Case(case.id, case.build, case.code, case.needles, case.args, to=to), tmp_path)


def test_current_folder_as_output_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write(tmp_path, "in/c.json", coco())
    here = write(tmp_path, "here/keep.txt", EARLIER).parent
    monkeypatch.chdir(here)
    for target in (".", str(here), str(here / "sub" / "..")):
        result = invoke(["convert", str(source), "--to", "yolo", "-o", target, "--overwrite"])
        assert_failure(result, EXIT_OUTPUT, ("current folder",))
    assert snapshot(here) == {"keep.txt": EARLIER}


def test_mount_point_as_output_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As in ``docker run -v ./out:/out``: the folder cannot be renamed or replaced."""
    source = write(tmp_path, "in/c.json", coco())
    mount = tmp_path / "mnt"
    mount.mkdir()
    real_ismount = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == mount or real_ismount(p))
    result = invoke(["convert", str(source), "--to", "voc", "-o", str(mount), "--overwrite"])
    assert_failure(result, EXIT_OUTPUT, ("mount point", f"{mount}/NAME"))
    assert list(mount.iterdir()) == []


def test_folder_that_cannot_be_replaced_gives_exit_6(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A swap the system refuses (EBUSY, as for a mount point's own folder)."""
    source = write(tmp_path, "in/c.json", coco())
    target = write(tmp_path, "out/ds/keep.txt", EARLIER).parent
    real_replace = os.replace

    def busy(src: object, dst: object) -> None:
        if Path(str(dst)) == target or Path(str(src)) == target:
            raise OSError(16, "Device or resource busy")
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(io_outputs, "_exchange", lambda first, second: False)
    monkeypatch.setattr(os, "replace", busy)
    args = ["convert", str(source), "--to", "yolo", "-o", str(target), "--overwrite"]
    result = invoke([*args, "-W", "images=none"])
    assert_failure(result, EXIT_OUTPUT, (str(target), "busy"))
    assert snapshot(target) == {"keep.txt": EARLIER}


@pytest.mark.parametrize("to", ["ango-flat", "ango", "coco"])
def test_disk_full_midway_gives_exit_6(tmp_path: Path, to: str) -> None:
    """A file size limit (EFBIG, like a full disk) hit while the output is written."""
    source = write(tmp_path, "in/c.json", coco(400))
    target = write(tmp_path, "out/result.json", EARLIER)
    args = ["convert", str(source), "--to", to, "-o", str(target), "--project", PROJECT]
    args = args[:-2] if to != "ango" else args

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))

    result = run(args, preexec_fn=limit)
    assert result.returncode == EXIT_OUTPUT, result.stderr.decode()
    one_error(result.stderr, "cannot write")
    assert target.read_bytes() == EARLIER
    assert [p.name for p in target.parent.iterdir()] == ["result.json"]


@pytest.mark.parametrize("to", ["ango-flat", "ango", "coco"])
def test_broken_pipe_gives_exit_6(tmp_path: Path, to: str) -> None:
    source = write(tmp_path, "in/c.json", coco(3000))
    args = ["convert", str(source), "--to", to, "-o", "-", "--project", PROJECT]
    args = args[:-2] if to != "ango" else args
    command = [sys.executable, "-c", "from ango_convert.cli.main import main; main()", *args]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.read(10)
        process.stdout.close()  # the reader leaves, as `| head -c 10` does
        err = process.stderr.read()
        process.wait(120)
    assert process.returncode == EXIT_OUTPUT, err.decode()
    one_error(err, "stdout", "pipe")


@pytest.mark.parametrize("to", ["coco", "ango-flat", "ango", "yolo", "voc"])
def test_closed_stdout_gives_a_clear_error(tmp_path: Path, to: str) -> None:
    source = write(tmp_path, "in/c.json", coco())
    args = ["convert", str(source), "--to", to, "-o", "-", "--project", PROJECT]
    args = args[:-2] if to != "ango" else args
    result = run(args, cwd=tmp_path, stdout=None, preexec_fn=lambda: os.close(1))
    assert result.returncode not in (0, 1), result.stderr.decode()
    one_error(result.stderr)
    assert not (tmp_path / "-").exists()  # a folder format must not write a folder "-"


def test_attach_csv_with_a_long_field(tmp_path: Path, hub: HubServer) -> None:
    """A field over csv's default cap (131,072 characters) is read, then judged by the
    schema like any other (a URL over 8192 characters: exit 4 with its JSON path)."""
    url = "https://example.com/a.png?sig=" + "x" * 140_000
    header = "externalId,attachmentUrl,attachmentType\n"
    source = write(tmp_path, "a.csv", f"{header}a.jpg,{url},IMAGE\n")
    args = ["attach", str(source), "--project", PROJECT, "--host", hub.url, "--api-key", API_KEY]
    result = invoke([*args, "--journal", str(tmp_path / "j.jsonl")])
    assert_failure(result, EXIT_INVALID, ("a.csv", "attachmentUrl"))
    assert hub.state.attachment_bodies == []


# --- 8. names that a line-based list cannot hold ---------------------------------------


@pytest.mark.parametrize("name", ["a\nb", "a\r\nb", "a\rb", "a\u2028b", "a\x85b", " padded"])
def test_darknet_names_with_line_breaks_are_refused(tmp_path: Path, name: str) -> None:
    case = Case(
        repr(name),
        lambda folder: write(folder, "c.json", coco(category=name)),
        EXIT_CONVERSION,
        ("class name", "obj.names"),
        ("-W", "layout=darknet", "-W", "images=none"),
        to="yolo",
    )
    run_case(case, tmp_path)


def test_image_names_with_unicode_line_breaks_stay_one_line(tmp_path: Path) -> None:
    """A list file (train.txt) holds one image a line: a name must not break it."""
    names = ["a\u2028b.jpg", "c\x85d.jpg", "e\u2029f.jpg"]
    pixel = next((SAMPLES / "yolo/detect/images").glob("*/*")).read_bytes()
    for name in names:
        write(tmp_path / "imgs", name, pixel)
    source = write(tmp_path, "c.json", coco(names=names))
    out = tmp_path / "dk"
    args = ("--images", str(tmp_path / "imgs"), "-W", "layout=darknet")
    convert_ok(source, out, "yolo", *args)
    listed = (out / "train.txt").read_text(encoding="utf-8").splitlines()
    assert len(listed) == 3
    back = tmp_path / "back.json"
    convert_ok(out / "obj.data", back, "coco")
    assert len(json.loads(back.read_bytes())["annotations"]) == 3


# --- 11. long names ---------------------------------------------------------------------

LONG = "x" * 300


@pytest.mark.parametrize("to", ["yolo", "voc"])
@pytest.mark.parametrize("suffix", [".jpg", ".jpeg", ""])
def test_long_names_that_differ_past_the_cut_stay_apart(
    tmp_path: Path, to: str, suffix: str
) -> None:
    names = [f"{LONG}1{suffix}", f"{LONG}2{suffix}", f"{LONG.upper()}3{suffix}"]
    source = write(tmp_path, "c.json", coco(names=names))
    out = tmp_path / "out"
    convert_ok(source, out, to, "-W", "images=none")
    files = [Path(f) for f in snapshot(out)]
    assert all(len(f.name.encode()) <= 255 for f in files)
    labels = [f for f in files if f.parts[0] in ("labels", "Annotations")]
    assert len(labels) == 3
    assert len({f.stem.lower() for f in labels}) == 3


def test_long_names_keep_room_for_the_image_extension() -> None:
    from ango_convert.io.names import UniqueNames

    names = UniqueNames()
    first = names.claim_name(f"{LONG}.txt", limit=254)
    second = names.claim_name(f"{LONG}.txt", limit=254)
    assert first != second
    assert all(len(n.encode()) <= 254 for n in (first, second))
    assert all(len(n[: -len(".txt")] + ".jpeg") <= 255 for n in (first, second))


# --- risk: the upload journal keeps only what resuming needs ----------------------------


def test_journal_never_stores_the_answer(
    tmp_path: Path, hub: HubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Hub (or proxy) that echoes the request's key in its answer."""
    from tests import hub_server

    real = hub_server._Handler._answer

    def echo(self: object, data: object) -> None:
        real(self, {"echo": {"apikey": API_KEY}, "data": data})  # type: ignore[arg-type]

    monkeypatch.setattr(hub_server._Handler, "_answer", echo)
    source = write(tmp_path, "p.json", json.dumps([{"externalId": "a.jpg", "objects": []}]))
    journal = tmp_path / "j.jsonl"
    args = ["upload", str(source), "--project", PROJECT, "--host", hub.url]
    result = invoke([*args, "--api-key", API_KEY, "--journal", str(journal)])
    assert result.exit_code == 0, result.output
    text = journal.read_text()
    assert API_KEY not in text and '"answer"' not in text
    assert len(text.splitlines()) == 2  # the header and one confirmed batch
