"""Finding a YOLO dataset's pieces: class names, image lists per split, label files.

Three layouts are understood (see :mod:`.yolo` for the user-facing summary):

* Ultralytics: a ``data.yaml`` (any ``*.yaml`` with ``names``) whose ``train``/``val``/
  ``test`` entries are a folder, a txt list of images, an image, or a list of those,
  relative to ``path`` (when it lies inside the dataset) or to the yaml's folder;
* darknet: ``obj.data`` (``names = obj.names``, ``train = train.txt``, ``valid = ...``)
  with list files whose lines are often relative to darknet's own working folder
  (``data/obj_train_data/1.jpg``): such paths are matched by their longest tail that
  exists inside the dataset;
* a bare folder with ``classes.txt`` (or ``obj.names``), images under ``images/<split>/``
  or anywhere below the folder.

Nothing is ever read from outside the dataset folder: an entry that resolves outside it
is an error (Roboflow's ``../train/images`` is first retried without the ``../``, as
Ultralytics does).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ango_convert.errors import ReadError
from ango_convert.io.imagesize import IMAGE_SUFFIXES
from ango_convert.io.inputs import load_json, read_bytes, yaml_too_deep

logger = logging.getLogger(__name__)

YAML_NAMES = ("data.yaml", "data.yml", "dataset.yaml", "dataset.yml")
NAMES_FILES = ("classes.txt", "obj.names", "classes.names")
SPLIT_KEYS = ("train", "val", "test")
LABEL_MAP = "label_map.json"
#: More classes than any real dataset has; a larger ``nc`` is refused.
MAX_CLASSES = 100_000
_DRIVE = re.compile(r"[A-Za-z]:")


@dataclass
class Source:
    """The images of one split entry, and the folder their file names are relative to."""

    split: str | None
    images: list[Path]
    base: Path


@dataclass
class Layout:
    """A dataset's class names, keypoint shape, image sources and extras."""

    root: Path
    names: dict[int, str]
    sources: list[Source]
    kpt_shape: tuple[int, int] | None = None
    info: dict[str, Any] = field(default_factory=dict)
    label_map: dict[int, dict[str, Any]] = field(default_factory=dict)


def find_layout(source: Path) -> Layout:
    """Work out the layout of a YOLO dataset given as a folder or its yaml/data file.

    Raises:
        ReadError: No recognisable layout, a malformed config, or paths outside it.
    """
    source = source.resolve()
    if source.is_file():
        if source.suffix.lower() in (".yaml", ".yml"):
            layout = _ultralytics(source)
        elif source.suffix.lower() == ".data":
            layout = _darknet(source)
        else:
            raise ReadError(source, None, "expected a data.yaml, an obj.data or a folder")
    elif source.is_dir():
        layout = _from_folder(source)
    else:
        raise ReadError(source, None, "no such file or folder")
    layout.label_map = _label_map(layout.root)
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
        return _ultralytics(config)
    if config.suffix.lower() == ".data":
        return _darknet(config)
    return _bare(folder, config)


# --- Ultralytics ----------------------------------------------------------------------


def _ultralytics(path: Path) -> Layout:
    document = _load_yaml(path)
    root = path.parent
    base = _yaml_base(document.get("path"), root)
    names = _names_from_yaml(path, document)
    layout = Layout(root=root, names=names, sources=[], kpt_shape=_kpt_shape(path, document))
    layout.info.update(_pose_extras(document, layout.kpt_shape))
    for key in SPLIT_KEYS:
        entries = document.get(key)
        if entries in (None, ""):
            continue
        for entry in entries if isinstance(entries, list) else [entries]:
            try:
                target = _inside(path, key, str(entry), base, root)
                layout.sources.append(_source(path, key, target, root))
            except (OSError, ValueError) as exc:  # too long for the file system, a NUL...
                if isinstance(exc, ReadError):
                    raise
                raise ReadError(path, key, f"{str(entry)[:80]!r}: not a usable path") from exc
    if not layout.sources:
        raise ReadError(path, None, "names no train, val or test images")
    return layout


def _load_yaml(path: Path) -> dict[str, Any]:
    data = read_bytes(path)
    if yaml_too_deep(data):
        raise ReadError(path, None, "invalid YAML: nested too deeply")
    try:
        document = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        raise ReadError(path, where, f"invalid YAML: {getattr(exc, 'problem', exc)}") from None
    except RecursionError:  # PyYAML composes nested collections recursively
        raise ReadError(path, None, "invalid YAML: nested too deeply") from None
    if not isinstance(document, dict):
        raise ReadError(path, None, "expected a YAML mapping with names and train/val")
    return document


def _yaml_base(value: Any, root: Path) -> Path:
    """The folder split entries are relative to: ``path`` when it lies inside the dataset."""
    if not isinstance(value, str) or not value.strip():
        return root
    try:
        candidate = (root / value).resolve()
        if candidate.is_dir() and _is_within(candidate, root):
            return candidate
    except (OSError, ValueError):  # not even a path here: the yaml's folder stands in
        pass
    # A path from the machine that wrote the yaml; the yaml's own folder stands in.
    logger.info("data.yaml path %r is not inside %s; using the yaml's folder", value, root)
    return root


def _names_from_yaml(path: Path, document: dict[str, Any]) -> dict[int, str]:
    names = document.get("names")
    if names is None and isinstance(document.get("nc"), int):
        count = document["nc"]
        # nc alone makes one name per class: a hostile count would fill the memory.
        if not 0 < count <= MAX_CLASSES:
            raise ReadError(path, "nc", f"expected 1..{MAX_CLASSES} classes, got {count}")
        return {index: f"class{index}" for index in range(count)}
    if isinstance(names, list):
        return {index: _name(path, name) for index, name in enumerate(names)}
    if isinstance(names, dict):
        result = {}
        for key, name in names.items():
            try:
                result[int(key)] = _name(path, name)
            except ValueError:
                raise ReadError(path, "names", f"class id {key!r} is not a whole number") from None
        return dict(sorted(result.items()))
    raise ReadError(path, "names", "expected names as a list or a {id: name} mapping")


def _name(path: Path, name: object) -> str:
    # Only scalars: str() of a nested YAML alias structure could be exponentially long.
    if not isinstance(name, (str, int, float)) or isinstance(name, bool):
        raise ReadError(path, "names", f"a class name must be text, got {type(name).__name__}")
    if not str(name).strip():
        raise ReadError(path, "names", "a class name is empty")
    return str(name)


def _pose_extras(document: dict[str, Any], kpt_shape: tuple[int, int] | None) -> dict[str, Any]:
    """``flip_idx`` and ``kpt_names`` when they fit ``kpt_shape``; others are ignored."""
    extras: dict[str, Any] = {}
    if kpt_shape is None:
        return extras
    count = kpt_shape[0]
    flip = document.get("flip_idx")
    if isinstance(flip, list) and len(flip) == count and all(type(i) is int for i in flip):
        extras["flip_idx"] = flip
    names = document.get("kpt_names")
    if isinstance(names, dict):
        extras["kpt_names"] = {
            key: [str(n) for n in value]
            for key, value in names.items()
            if isinstance(key, int)
            and isinstance(value, list)
            and len(value) == count
            and all(isinstance(n, (str, int)) for n in value)
        }
    return extras


def _kpt_shape(path: Path, document: dict[str, Any]) -> tuple[int, int] | None:
    shape = document.get("kpt_shape")
    if shape is None:
        return None
    valid = isinstance(shape, list) and len(shape) == 2 and all(isinstance(v, int) for v in shape)
    if not valid or shape[0] < 1 or shape[1] not in (2, 3):
        raise ReadError(path, "kpt_shape", f"expected [K, 2] or [K, 3], got {shape!r}")
    return int(shape[0]), int(shape[1])


def _inside(config: Path, key: str, entry: str, base: Path, root: Path) -> Path:
    target = (base / entry).resolve()
    if not _is_within(target, root) and entry.startswith("../"):
        target = (base / entry[3:]).resolve()
    if not _is_within(target, root):
        raise ReadError(config, key, f"{entry!r} points outside the dataset folder {root}")
    return target


def _is_within(path: Path, root: Path) -> bool:
    resolved_root = root.resolve()
    return path == resolved_root or resolved_root in path.parents


def _source(config: Path, key: str, target: Path, root: Path) -> Source:
    if target.is_dir():
        return Source(key, list_images(target), target)
    if target.suffix.lower() in IMAGE_SUFFIXES and target.is_file():
        return Source(key, [target], target.parent)
    if target.is_file():
        images = _image_list(target, root)
        return Source(key, images, _common_folder(images, target.parent))
    raise ReadError(config, key, f"{target} does not exist")


def list_images(folder: Path) -> list[Path]:
    """Every regular image file below a folder, sorted, skipping hidden folders.

    Devices and pipes named like images are skipped: reading their header could block.
    """
    found: list[str] = []
    pending = [str(folder)]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False) and not entry.name.startswith("."):
                    pending.append(entry.path)
                elif entry.is_file() and _suffix(entry.name) in IMAGE_SUFFIXES:
                    found.append(entry.path)
    return [Path(path) for path in sorted(found)]


def _suffix(name: str) -> str:
    return name[name.rfind(".") :].lower() if "." in name else ""


def _common_folder(images: Sequence[Path], fallback: Path) -> Path:
    if not images:
        return fallback
    common = Path(os.path.commonpath([str(image.parent) for image in images]))
    return common


# --- darknet --------------------------------------------------------------------------


def _darknet(path: Path) -> Layout:
    root = path.parent
    settings = _key_values(path)
    names_file = settings.get("names")
    if names_file is None:
        raise ReadError(path, None, "has no 'names = <file>' line")
    names_path = _locate(path, "names", names_file, path.parent, root)
    layout = Layout(root=root, names=_names_file(names_path), sources=[])
    for key, split in (("train", "train"), ("valid", "val"), ("test", "test")):
        if settings.get(key):
            list_path = _locate(path, key, settings[key], path.parent, root)
            images = _image_list(list_path, root)
            layout.sources.append(Source(split, images, _common_folder(images, root)))
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


def _names_file(path: Path) -> dict[int, str]:
    text = read_bytes(path).decode("utf-8-sig", errors="replace")
    names = [line.strip() for line in text.splitlines()]
    while names and not names[-1]:
        names.pop()
    for index, name in enumerate(names):
        if not name:
            raise ReadError(path, f"line {index + 1}", "empty class name")
    return dict(enumerate(names))


def _locate(config: Path, where: str, entry: str, folder: Path, root: Path) -> Path:
    """Resolve a path written by another machine: as given, or by its longest tail."""
    parts = Path(entry.replace("\\", "/")).parts
    parts = tuple(p for p in parts if p not in ("/", "") and not _DRIVE.fullmatch(p))
    candidates = [folder / Path(*parts)] if parts else []
    candidates += [root / Path(*parts[i:]) for i in range(len(parts))]
    for candidate in candidates:
        try:
            resolved = candidate.resolve()
            if _is_within(resolved, root) and resolved.exists():
                return resolved
        except (OSError, ValueError):  # too long for the file system, a NUL...
            continue
    raise ReadError(config, where, f"{entry!r} not found inside the dataset folder {root}")


def _image_list(path: Path, root: Path) -> list[Path]:
    text = read_bytes(path).decode("utf-8-sig", errors="replace")
    images = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.strip()
        if entry and not entry.startswith("#"):
            images.append(_locate(path, f"line {number}", entry, path.parent, root))
    return images


# --- bare folder ----------------------------------------------------------------------


def _bare(folder: Path, names_path: Path) -> Layout:
    layout = Layout(root=folder, names=_names_file(names_path), sources=[])
    images_root = folder / "images"
    if not images_root.is_dir():
        layout.sources.append(Source(None, list_images(folder), folder))
        return layout
    loose = [p for p in images_root.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES]
    if loose:
        layout.sources.append(Source(None, sorted(loose), images_root))
    for split_dir in sorted(p for p in images_root.iterdir() if p.is_dir()):
        layout.sources.append(Source(split_dir.name, list_images(split_dir), split_dir))
    return layout


# --- labels ---------------------------------------------------------------------------


def label_candidates(image: Path) -> list[Path]:
    """Where an image's label file may be: Ultralytics' ``images`` -> ``labels`` swap
    (the last ``images`` folder in the path), then beside the image (darknet)."""
    return [Path(candidate) for candidate in label_candidate_names(str(image))]


def label_candidate_names(image: str) -> list[str]:
    """:func:`label_candidates` as plain strings (it runs once per image, and pathlib
    parsing dominated it)."""
    base = os.path.splitext(image)[0]  # noqa: PTH122
    marker = f"{os.sep}images{os.sep}"
    candidates = []
    index = base.rfind(marker)
    if index >= 0:
        candidates.append(f"{base[:index]}{os.sep}labels{os.sep}{base[index + len(marker) :]}.txt")
    candidates.append(f"{base}.txt")
    return candidates


def _label_map(root: Path) -> dict[int, dict[str, Any]]:
    """The ``label_map.json`` this toolkit writes, restoring source ids and keypoints."""
    path = root / LABEL_MAP
    if not path.is_file():
        return {}
    document = load_json(path)
    if not isinstance(document, dict):
        raise ReadError(path, "$", "expected an object {yolo id: {name, source_id}}")
    result = {}
    for key, entry in document.items():
        if not (isinstance(entry, dict) and isinstance(entry.get("source_id"), int)):
            raise ReadError(path, f"$[{key!r}]", "expected {name, source_id: int}")
        problem = _entry_problem(entry)
        if problem:
            raise ReadError(path, f"$[{key!r}].{problem[0]}", problem[1])
        try:
            result[int(key)] = entry
        except ValueError:
            raise ReadError(path, f"$[{key!r}]", "key is not a class id") from None
    return result


def _entry_problem(entry: dict[str, Any]) -> tuple[str, str] | None:
    """The first ill-typed optional field of a label_map entry, as (key, reason)."""
    supercategory = entry.get("supercategory")
    if supercategory is not None and not isinstance(supercategory, str):
        return "supercategory", "expected a string"
    names = entry.get("keypoint_names")
    if names is not None and not (
        isinstance(names, list) and all(isinstance(n, str) for n in names)
    ):
        return "keypoint_names", "expected a list of strings"
    skeleton = entry.get("skeleton")
    if skeleton is not None and not (
        isinstance(skeleton, list)
        and all(
            isinstance(e, list) and len(e) == 2 and all(type(i) is int for i in e) for e in skeleton
        )
    ):
        return "skeleton", "expected a list of [a, b] index pairs"
    return None
