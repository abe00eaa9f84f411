"""Atomic outputs, located JSON errors and safe output names."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from ango_convert.errors import OutputError, ReadError
from ango_convert.io import inputs as io_inputs
from ango_convert.io import names as io_names
from ango_convert.io import outputs as io_outputs


class TestAtomicFile:
    def test_atomic_file__failure_keeps_old_content(self, tmp_path: Path) -> None:
        target = tmp_path / "out.json"
        target.write_text("old")
        with pytest.raises(RuntimeError), io_outputs.atomic_file(target) as stream:
            stream.write(b"half")
            raise RuntimeError("boom")
        assert target.read_text() == "old"
        assert [p.name for p in tmp_path.iterdir()] == ["out.json"]

    def test_atomic_file__success_replaces(self, tmp_path: Path) -> None:
        target = tmp_path / "sub" / "out.json"
        io_outputs.write_bytes_atomic(target, b"new")
        assert target.read_bytes() == b"new"


class TestAtomicDir:
    def test_atomic_dir__refuses_non_empty_without_overwrite(self, tmp_path: Path) -> None:
        (tmp_path / "out").mkdir()
        (tmp_path / "out" / "keep.txt").write_text("x")
        with (
            pytest.raises(OutputError, match="not empty; pass --overwrite"),
            io_outputs.atomic_dir(tmp_path / "out"),
        ):
            pass

    def test_atomic_dir__failure_leaves_old_folder(self, tmp_path: Path) -> None:
        (tmp_path / "out").mkdir()
        (tmp_path / "out" / "keep.txt").write_text("x")
        with (
            pytest.raises(RuntimeError),
            io_outputs.atomic_dir(tmp_path / "out", overwrite=True) as tmp,
        ):
            (tmp / "new.txt").write_text("y")
            raise RuntimeError("boom")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
        assert [p.name for p in (tmp_path / "out").iterdir()] == ["keep.txt"]

    def test_atomic_dir__overwrite_swaps(self, tmp_path: Path) -> None:
        (tmp_path / "out").mkdir()
        (tmp_path / "out" / "old.txt").write_text("x")
        with io_outputs.atomic_dir(tmp_path / "out", overwrite=True) as tmp:
            (tmp / "new.txt").write_text("y")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
        assert [p.name for p in (tmp_path / "out").iterdir()] == ["new.txt"]


class TestParseJson:
    def test_parse_json__names_line_and_column(self) -> None:
        with pytest.raises(ReadError, match=r"^f.json: line 2 column \d+: invalid JSON"):
            io_inputs.parse_json(b'{"a": 1,\n "b": }', "f.json")

    def test_parse_json__bom_accepted(self) -> None:
        assert io_inputs.parse_json(b'\xef\xbb\xbf{"a": 1}', "f.json") == {"a": 1}

    def test_parse_json__empty(self) -> None:
        with pytest.raises(ReadError, match="file is empty"):
            io_inputs.parse_json(b"  \n", "f.json")

    def test_parse_json__nan_refused(self) -> None:
        with pytest.raises(ReadError, match="invalid JSON"):
            io_inputs.parse_json(b'{"a": NaN}', "f.json")

    def test_json_path__formats_parts(self) -> None:
        assert (
            io_inputs.json_path("labels", 3, "answer", "odd key") == "$.labels[3].answer['odd key']"
        )


class TestSafeNames:
    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("../../etc/passwd", "etc/passwd"),
            ("/abs/path/a.jpg", "abs/path/a.jpg"),
            ("C:\\data\\img.png", "data/img.png"),
            ("a\x00b\x1f.jpg", "a_b_.jpg"),
            ("sub/./x..y.jpg", "sub/x..y.jpg"),
        ],
    )
    def test_safe_relative_path__stays_inside(self, name: str, expected: str) -> None:
        assert str(io_names.safe_relative_path(name)) == expected

    def test_safe_relative_path__long_name_cut_keeping_extension(self) -> None:
        result = io_names.safe_relative_path("é" * 300 + ".jpg")
        assert len(result.name.encode()) <= 255
        assert result.suffix == ".jpg"

    def test_safe_relative_path__nothing_left(self) -> None:
        with pytest.raises(ValueError, match="no usable part"):
            io_names.safe_relative_path("../..")

    def test_unique_names__collisions_renamed(self) -> None:
        unique = io_names.UniqueNames()
        got = [str(unique.claim(PurePosixPath(n))) for n in ("a.jpg", "A.jpg", "a.jpg", "b/a.jpg")]
        assert got == ["a.jpg", "A_1.jpg", "a_2.jpg", "b/a.jpg"]

    def test_ensure_inside__refuses_escape(self, tmp_path: Path) -> None:
        with pytest.raises(OutputError, match="outside"):
            io_names.ensure_inside(tmp_path, PurePosixPath("../x"))


class TestOutputModes:
    def test_atomic_file__mode_follows_umask_not_mkstemp(self, tmp_path: Path) -> None:
        target = tmp_path / "out.json"
        io_outputs.write_bytes_atomic(target, b"{}")
        assert target.stat().st_mode & 0o777 == 0o666 & ~io_outputs._UMASK

    def test_atomic_dir__mode_follows_umask_not_mkdtemp(self, tmp_path: Path) -> None:
        with io_outputs.atomic_dir(tmp_path / "out") as temp:
            (temp / "a.txt").write_text("x")
        assert (tmp_path / "out").stat().st_mode & 0o777 == 0o777 & ~io_outputs._UMASK
