"""Finding a YOLO dataset's layout from its folder or config file.

Three layouts are understood (see :mod:`ango_convert.formats.yolo` for the summary):

* Ultralytics: a ``data.yaml`` (any ``*.yaml`` with ``names``; :mod:`.data_yaml`);
* darknet: ``obj.data`` with ``obj.names`` and image list files (:mod:`.obj_data`);
* a bare folder with ``classes.txt`` (or ``obj.names``), images under
  ``images/<split>/`` or anywhere below the folder.

Nothing is ever read from outside the dataset folder.
"""

from __future__ import annotations

from pathlib import Path

from ango_convert.errors import ReadError
from ango_convert.formats.yolo.data_yaml import read_data_yaml
from ango_convert.formats.yolo.dataset_files import list_images
from ango_convert.formats.yolo.label_map import read_label_map
from ango_convert.formats.yolo.layout import Layout, Source
from ango_convert.formats.yolo.obj_data import read_names_file, read_obj_data
from ango_convert.io.imagesize import IMAGE_SUFFIXES
from ango_convert.io.inside import Confinement, is_regular

YAML_NAMES = ("data.yaml", "data.yml", "dataset.yaml", "dataset.yml")
NAMES_FILES = ("classes.txt", "obj.names", "classes.names")


def find_layout(source: Path) -> Layout:
    """Work out the layout of a YOLO dataset given as a folder or its yaml/data file.

    Raises:
        ReadError: No recognisable layout, a malformed config, or paths outside it.
    """
    source = source.resolve()
    if source.is_file():
        if source.suffix.lower() in (".yaml", ".yml"):
            layout = read_data_yaml(source)
        elif source.suffix.lower() == ".data":
            layout = read_obj_data(source)
        else:
            raise ReadError(source, None, "expected a data.yaml, an obj.data or a folder")
    elif source.is_dir():
        layout = _from_folder(source)
    else:
        raise ReadError(source, None, "no such file or folder")
    layout.label_map = read_label_map(layout.root)
    return layout


def config_file(folder: Path) -> Path | None:
    """The data.yaml, obj.data or classes.txt that marks a YOLO folder, if any."""
    for name in (*YAML_NAMES, "obj.data"):
        if (folder / name).is_file():
            return folder / name
    for path in sorted(folder.glob("*.y*ml")):
        if yaml_has_names(path):
            return path
    data = sorted(folder.glob("*.data"))
    if data:
        return data[0]
    for name in NAMES_FILES:
        if (folder / name).is_file():
            return folder / name
    return None


def yaml_has_names(path: Path) -> bool:
    """True when a yaml file has a top-level ``names:`` or ``nc:`` key (its first 64 KB)."""
    try:
        with path.open("rb") as stream:
            head = stream.read(65536)
    except OSError:
        return False
    return any(line.startswith((b"names:", b"nc:")) for line in head.splitlines())


def _from_folder(folder: Path) -> Layout:
    config = config_file(folder)
    if config is None:
        raise ReadError(folder, None, "not a YOLO dataset: no data.yaml, obj.data or classes.txt")
    if config.suffix.lower() in (".yaml", ".yml"):
        return read_data_yaml(config)
    if config.suffix.lower() == ".data":
        return read_obj_data(config)
    return _bare_folder(folder, config)


def _bare_folder(folder: Path, names_path: Path) -> Layout:
    """A folder with a names file: loose images and one split per ``images/<split>/``,
    or, without ``images/``, every image below the folder."""
    layout = Layout(root=folder, names=read_names_file(names_path), sources=[])
    images_root = folder / "images"
    if not images_root.is_dir():
        layout.sources.append(Source(None, list_images(folder, folder), folder))
        return layout
    confine = Confinement(folder)
    loose = [p for p in images_root.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES]
    loose = [p for p in loose if is_regular(p)]  # a FIFO named a.png would block the read
    for image in loose:
        confine.check(image)
    if loose:
        layout.sources.append(Source(None, sorted(loose), images_root))
    for split_dir in sorted(p for p in images_root.iterdir() if p.is_dir()):
        layout.sources.append(Source(split_dir.name, list_images(split_dir, folder), split_dir))
    return layout
