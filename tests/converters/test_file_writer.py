"""FileWriter: files land, sub-folders are made, and a failed write is raised, not lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from ango_convert.converters._file_writer import FileWriter, write_file
from ango_convert.errors import OutputError


def test_files_and_folders_are_written(tmp_path: Path) -> None:
    with FileWriter(tmp_path) as files:
        for index in range(600):  # more than the queue holds
            files.write(f"labels/part {index % 3}/{index}.txt", f"{index}\n".encode())
    assert (tmp_path / "labels" / "part 2" / "599.txt").read_text() == "599\n"
    assert len(list(tmp_path.rglob("*.txt"))) == 600


def test_a_failed_write_is_raised_on_close(tmp_path: Path) -> None:
    (tmp_path / "blocked").write_text("a file where a folder should be")
    files = FileWriter(tmp_path)
    files.write("blocked/x.txt", b"data")
    with pytest.raises(OutputError, match=r"blocked/x.txt: cannot write"):
        files.close()


def test_leaving_on_an_error_keeps_that_error(tmp_path: Path) -> None:
    with pytest.raises(KeyError), FileWriter(tmp_path) as files:
        files.write("a.txt", b"a")
        raise KeyError("stop")
    with pytest.raises(RuntimeError):  # shut down: nothing more is written
        files.write("late.txt", b"")


def test_write_file_replaces_an_existing_file(tmp_path: Path) -> None:
    write_file(tmp_path, "a.txt", b"long old content")
    write_file(tmp_path, "a.txt", b"new")
    assert (tmp_path / "a.txt").read_bytes() == b"new"
