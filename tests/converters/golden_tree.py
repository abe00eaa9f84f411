"""Compare an output folder with a golden folder (``--update-golden`` rewrites it).

JSON and YAML files are compared after parsing, other text files line by line; image
files are left out of golden folders (their names are still compared, via
``images.txt``), so goldens stay small and reviewable.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from ango_convert.io.imagesize import IMAGE_SUFFIXES
from tests.training_checks import assert_trainable

MANIFEST = "images.txt"


def _files(folder: Path) -> dict[str, Path]:
    return {
        path.relative_to(folder).as_posix(): path
        for path in sorted(folder.rglob("*"))
        if path.is_file() or path.is_symlink()
    }


def _images(files: dict[str, Path]) -> list[str]:
    return sorted(name for name in files if Path(name).suffix.lower() in IMAGE_SUFFIXES)


def _parsed(path: Path) -> object:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    if path.suffix in (".yaml", ".yml"):
        return yaml.safe_load(text)
    return text.splitlines()


def assert_tree_matches(output: Path, golden: Path, update: bool) -> None:
    """Assert ``output`` has the same files and contents as ``golden``, and that it holds
    no zero-area box (golden files must train)."""
    assert_trainable(output)
    files = _files(output)
    images = _images(files)
    texts = {name: path for name, path in files.items() if name not in images}
    if update:
        shutil.rmtree(golden, ignore_errors=True)
        for name, path in texts.items():
            (golden / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, golden / name)
        if images:
            (golden / MANIFEST).write_text("".join(f"{n}\n" for n in images), encoding="utf-8")
        return
    expected = _files(golden)
    expected_images = []
    if MANIFEST in expected:
        expected_images = expected.pop(MANIFEST).read_text(encoding="utf-8").splitlines()
    assert sorted(texts) == sorted(expected), "files differ from the golden folder"
    assert images == expected_images, "images differ from the golden manifest"
    for name, path in texts.items():
        assert _parsed(path) == _parsed(expected[name]), f"{name} differs from {golden / name}"
