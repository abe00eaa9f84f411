"""darknet's config: ``obj.data`` (``names = obj.names``, ``train = train.txt``,
``valid = ...``), the class names file, and one image list per split. Reading it into a
:class:`~.layout.Layout`, and writing it as CVAT exports it.

The list files' lines are often relative to darknet's own working folder
(``data/obj_train_data/1.jpg``) or absolute on another machine: they are matched by
their longest tail that exists inside the dataset (:func:`.dataset_files.locate`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ango_convert.errors import ConversionError, ReadError
from ango_convert.formats.yolo.dataset_files import common_folder, image_list, locate
from ango_convert.formats.yolo.layout import Layout, Source
from ango_convert.io.inputs import read_bytes
from ango_convert.io.outputs import write_into
from ango_convert.model import Category
from ango_convert.report import WriteReport

#: darknet's obj.data key for each split.
DARKNET_KEYS = {"train": "train", "val": "valid", "test": "test"}


def read_obj_data(path: Path) -> Layout:
    """The layout an obj.data describes (its label map not read yet).

    Raises:
        ReadError: No ``names`` line, a names or list file not found inside the
            dataset folder, an empty class name, or no split list at all.
    """
    root = path.parent
    settings = _key_values(path)
    names_file = settings.get("names")
    if names_file is None:
        raise ReadError(path, None, "has no 'names = <file>' line")
    names_path = locate(path, "names", names_file, path.parent, root)
    layout = Layout(root=root, names=read_names_file(names_path), sources=[])
    for split, key in DARKNET_KEYS.items():
        if settings.get(key):
            list_path = locate(path, key, settings[key], path.parent, root)
            images = image_list(list_path, root)
            layout.sources.append(Source(split, images, common_folder(images, root)))
    if not layout.sources:
        raise ReadError(path, None, "names no train, valid or test list")
    return layout


def _key_values(path: Path) -> dict[str, str]:
    settings = {}
    for line in read_bytes(path).decode("utf-8-sig", errors="replace").splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.strip().startswith("#"):
            settings[key.strip()] = value.strip()
    return settings


def read_names_file(path: Path) -> dict[int, str]:
    """Class names one a line (obj.names, classes.txt), by 0-based class id.

    Raises:
        ReadError: ``file: line N`` for an empty name before the last one.
    """
    text = read_bytes(path).decode("utf-8-sig", errors="replace")
    names = [line.strip() for line in text.splitlines()]
    while names and not names[-1]:
        names.pop()
    for index, name in enumerate(names):
        if not name:
            raise ReadError(path, f"line {index + 1}", "empty class name")
    return dict(enumerate(names))


def write_darknet_config(
    temp: Path, ordered: Sequence[Category], listed: Mapping[str, list[str]], report: WriteReport
) -> None:
    """Write obj.names, obj.data and one image list per split, as CVAT exports them:
    paths start with ``data/``, darknet's folder for the dataset.

    Raises:
        ConversionError: A class name that obj.names (one name a line) cannot hold.
    """
    for category in ordered:
        refuse_unlisted_name(category.name)
    names = "".join(f"{category.name}\n" for category in ordered)
    write_into(temp, "obj.names", names.encode("utf-8"))
    lines = [f"classes = {len(ordered)}"]
    for split, images in sorted(listed.items()):
        write_into(temp, f"{split}.txt", "".join(f"data/{i}\n" for i in images).encode())
        lines.append(f"{DARKNET_KEYS.get(split, split)} = data/{split}.txt")
        report.files.append(f"{split}.txt")
    lines += ["names = data/obj.names", "backup = backup/"]
    write_into(temp, "obj.data", "".join(f"{line}\n" for line in lines).encode())
    report.files += ["obj.names", "obj.data"]


def refuse_unlisted_name(name: str) -> None:
    """Refuse a class name a names file (one name a line, read back stripped) would
    change: read back, a line break would shift every later class id by one.

    Raises:
        ConversionError: Naming the class and why.
    """
    if name.splitlines() != [name] or name != name.strip():
        raise ConversionError(
            f"class name {name!r} has a line break or surrounding whitespace, which "
            "obj.names (one name a line) cannot hold; rename the class, or write the "
            "default layout, whose data.yaml quotes names"
        )
