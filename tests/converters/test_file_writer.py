"""FileWriter: files land, sub-folders are made, and a failed write is raised, not lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from ango_convert.errors import OutputError
from ango_convert.io.file_writer import FileWriter, write_file


def test_files_and_folders_are_written(tmp_path: Path) -> None:
    with FileWriter(tmp_path) as files:
        for index in range(600):
            files.write(f"labels/part {index % 3}/{index}.txt", f"{index}\n".encode())
    assert (tmp_path / "labels" / "part 2" / "599.txt").read_text() == "599\n"
    assert len(list(tmp_path.rglob("*.txt"))) == 600


def test_a_failed_write_is_raised_at_once(tmp_path: Path) -> None:
    (tmp_path / "blocked").write_text("a file where a folder should be")
    files = FileWriter(tmp_path)
    with pytest.raises(OutputError, match=r"blocked/x.txt: cannot write"):
        files.write("blocked/x.txt", b"data")


def test_leaving_on_an_error_keeps_that_error(tmp_path: Path) -> None:
    with pytest.raises(KeyError), FileWriter(tmp_path) as files:
        files.write("a.txt", b"a")
        raise KeyError("stop")
    with pytest.raises(RuntimeError):  # closed: nothing more is written
        files.write("late.txt", b"")
    assert not (tmp_path / "late.txt").exists()


def test_write_file_replaces_an_existing_file(tmp_path: Path) -> None:
    write_file(tmp_path, "a.txt", b"long old content")
    write_file(tmp_path, "a.txt", b"new")
    assert (tmp_path / "a.txt").read_bytes() == b"new"
