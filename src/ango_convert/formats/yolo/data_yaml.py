"""Ultralytics' ``data.yaml``: reading it into a :class:`~.layout.Layout`, and writing it.

Reading: any ``*.yaml`` with ``names`` (or ``nc`` alone); its ``train``/``val``/``test``
entries are a folder, a txt list of images, an image, or a list of those, relative to
``path`` when that lies inside the dataset, else to the yaml's folder. An entry that
resolves outside the dataset folder is an error (Roboflow's ``../train/images`` is first
retried without the ``../``, as Ultralytics does).

Writing: no ``path`` key (see :mod:`.write`), flow-style lists as Ultralytics' own files.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from ango_convert.errors import ReadError, shown
from ango_convert.formats.yolo.dataset_files import (
    common_folder,
    image_list,
    is_within,
    list_images,
)
from ango_convert.formats.yolo.labels import KptShape
from ango_convert.formats.yolo.layout import Layout, Source
from ango_convert.io.imagesize import IMAGE_SUFFIXES
from ango_convert.io.inputs import load_yaml
from ango_convert.io.outputs import write_into
from ango_convert.model import Category, Dataset
from ango_convert.report import WriteReport

logger = logging.getLogger(__name__)

SPLIT_KEYS = ("train", "val", "test")
#: More classes than any real dataset has; a larger ``nc`` is refused.
MAX_CLASSES = 100_000


def read_data_yaml(path: Path) -> Layout:
    """The layout a data.yaml describes (its label map not read yet).

    Raises:
        ReadError: Invalid YAML, bad names or kpt_shape, split entries outside the
            dataset folder or missing, or no split at all; located by key or line.
    """
    document = _load_yaml(path)
    root = path.parent
    base = _yaml_base(document.get("path"), root)
    names = _names_from_yaml(path, document)
    layout = Layout(root=root, names=names, sources=[], kpt_shape=_kpt_shape(path, document))
    layout.info.update(_pose_extras(document, layout.kpt_shape))
    missing: list[str] = []
    for key in SPLIT_KEYS:
        entries = document.get(key)
        if entries in (None, ""):
            continue
        for entry in entries if isinstance(entries, list) else [entries]:
            try:
                target = _spelled(_inside(path, key, str(entry), base, root), root)
                if not target.exists():  # a split left out of the download: go on
                    missing.append(f"{key} ({target})")
                    continue
                layout.sources.append(_source(path, key, target, root))
            except (OSError, ValueError) as exc:  # too long for the file system, a NUL...
                if isinstance(exc, ReadError):
                    raise
                raise ReadError(path, key, f"{shown(entry)}: not a usable path") from exc
    if not layout.sources:
        if missing:
            raise ReadError(path, None, f"no split folder exists: {', '.join(missing)}")
        raise ReadError(path, None, "names no train, val or test images")
    if missing:
        layout.warnings.append(
            f"{path}: split folder(s) {', '.join(missing)} do not exist; the others convert"
        )
    return layout


#: Spellings of the validation split folder that exporters mix up (Roboflow's data.yaml
#: names ``valid`` where a renamed download has ``val``, and the other way round).
_VAL_SPELLINGS = {"valid": ("val", "validation"), "val": ("valid", "validation")}


def _spelled(target: Path, root: Path) -> Path:
    """``target``, or the same path with ``valid``/``val`` swapped when only that exists."""
    if target.exists():
        return target
    try:
        parts = target.relative_to(root).parts
    except ValueError:
        return target
    for index, part in enumerate(parts):
        for other in _VAL_SPELLINGS.get(part.lower(), ()):
            candidate = root.joinpath(*parts[:index], other, *parts[index + 1 :])
            if candidate.exists():
                return candidate
    return target


def _load_yaml(path: Path) -> dict[str, Any]:
    document = load_yaml(path)
    if not isinstance(document, dict):
        raise ReadError(path, None, "expected a YAML mapping with names and train/val")
    return document


def _yaml_base(value: Any, root: Path) -> Path:
    """The folder split entries are relative to: ``path`` when it lies inside the dataset."""
    if not isinstance(value, str) or not value.strip():
        return root
    try:
        candidate = (root / value).resolve()
        if candidate.is_dir() and is_within(candidate, root):
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
    if isinstance(names, (list, dict)) and len(names) > MAX_CLASSES:
        # The same cap as nc: a list of millions of names would crawl (2M took 40 s).
        raise ReadError(path, "names", f"expected 1..{MAX_CLASSES} classes, got {len(names)}")
    if isinstance(names, list):
        return {index: _name(path, name) for index, name in enumerate(names)}
    if isinstance(names, dict):
        result = {}
        for key, name in names.items():
            try:
                result[int(key)] = _name(path, name)
            except ValueError:
                raise ReadError(
                    path, "names", f"class id {shown(key)} is not a whole number"
                ) from None
        return dict(sorted(result.items()))
    raise ReadError(path, "names", "expected names as a list or a {id: name} mapping")


def _name(path: Path, name: object) -> str:
    # Only scalars: str() of a nested YAML alias structure could be exponentially long.
    if not isinstance(name, (str, int, float)) or isinstance(name, bool):
        raise ReadError(path, "names", f"a class name must be text, got {type(name).__name__}")
    if not str(name).strip():
        raise ReadError(path, "names", "a class name is empty")
    return str(name)


def _pose_extras(document: dict[str, Any], kpt_shape: KptShape | None) -> dict[str, Any]:
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


def _kpt_shape(path: Path, document: dict[str, Any]) -> KptShape | None:
    shape = document.get("kpt_shape")
    if shape is None:
        return None
    valid = isinstance(shape, list) and len(shape) == 2 and all(isinstance(v, int) for v in shape)
    if not valid or shape[0] < 1 or shape[1] not in (2, 3):
        raise ReadError(path, "kpt_shape", f"expected [K, 2] or [K, 3], got {shown(shape)}")
    return int(shape[0]), int(shape[1])


def _inside(config: Path, key: str, entry: str, base: Path, root: Path) -> Path:
    target = (base / entry).resolve()
    if not is_within(target, root) and entry.startswith("../"):
        target = (base / entry[3:]).resolve()
    if not is_within(target, root):
        raise ReadError(config, key, f"{shown(entry)} points outside the dataset folder {root}")
    return target


def _source(config: Path, key: str, target: Path, root: Path) -> Source:
    if target.is_dir():
        return Source(key, list_images(target, root), target)
    if target.suffix.lower() in IMAGE_SUFFIXES and target.is_file():
        return Source(key, [target], target.parent)
    if target.is_file():
        images = image_list(target, root)
        return Source(key, images, common_folder(images, target.parent))
    raise ReadError(config, key, f"{target} does not exist")


def write_data_yaml(
    temp: Path,
    dataset: Dataset,
    ordered: Sequence[Category],
    kpt_shape: KptShape | None,
    splits: list[str],
    report: WriteReport,
) -> None:
    """Write data.yaml: a folder per split, ``nc``, ``names`` by class id, and for pose
    ``kpt_shape`` (and ``flip_idx`` when the dataset read had one that fits)."""
    config: dict[str, Any] = {}
    train = "train" if "train" in splits else (splits[0] if splits else "train")
    config["train"] = f"images/{train}"
    if "val" not in splits:
        report.warnings.append("no val split: data.yaml's val points at the train images")
    config["val"] = f"images/{'val' if 'val' in splits else train}"
    for split in sorted(set(splits) - {"train", "val"}):
        config[split] = f"images/{split}"
    config["nc"] = len(ordered)
    config["names"] = {index: category.name for index, category in enumerate(ordered)}
    if kpt_shape is not None:
        config["kpt_shape"] = list(kpt_shape)
        kept = dataset.info.get("yolo:flip_idx")
        flip: list[Any] | None = None
        if isinstance(kept, list) and len(kept) == kpt_shape[0]:
            flip = kept
        else:
            flip = flip_index(ordered, kpt_shape[0])
        if flip is not None:
            config["flip_idx"] = flip
    text = yaml.dump(config, Dumper=_ConfigDumper, sort_keys=False, allow_unicode=True)
    write_into(temp, "data.yaml", text.encode("utf-8"))
    report.files.append("data.yaml")


# A side word at a word start, ending where a lower-case letter does not follow
# (``left_eye``, ``leftEye``, ``L_knee``; not ``lefty``).
_SIDES = re.compile(r"(?<![A-Za-z])([Ll]eft|[Rr]ight|LEFT|RIGHT|[LlRr])(?![a-z])")


def flip_index(categories: Sequence[Category], count: int) -> list[int] | None:
    """``flip_idx`` from keypoint names that pair left and right (``left_eye`` and
    ``right_eye``, ``l_knee`` and ``r_knee``): without it Ultralytics turns off flip
    augmentation. None when no pair is found or the pose classes disagree."""
    found: list[int] | None = None
    for category in categories:
        names = category.keypoint_names
        if len(names) != count:
            continue
        index = {_key(name): position for position, name in enumerate(names)}
        flip = [index.get(_key(_mirrored(name)), i) for i, name in enumerate(names)]
        if found is not None and flip != found:
            return None
        found = flip
    if found is None or found == list(range(count)):
        return None
    if any(found[found[i]] != i for i in range(count)):  # not a pairing: do not guess
        return None
    return found


def _key(name: str) -> str:
    """``Left Eye``, ``left_eye`` and ``left-eye`` alike."""
    return re.sub(r"[^0-9a-z]+", "", name.lower())


def _mirrored(name: str) -> str:
    swap = {"left": "right", "right": "left", "l": "r", "r": "l"}

    def side(match: re.Match[str]) -> str:
        word = match.group(0)
        other = swap[word.lower()]
        if word.isupper() and len(word) > 1:
            return other.upper()
        return other.capitalize() if word[0].isupper() else other

    return _SIDES.sub(side, name)


class _ConfigDumper(yaml.SafeDumper):
    """Block mappings with flow lists, as Ultralytics' own yaml files look."""


def _flow_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_ConfigDumper.add_representer(list, _flow_list)
