"""The config files of a written YOLO dataset: data.yaml or obj.data, and label_map.json."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from ango_convert.formats.yolo.labels import KptShape
from ango_convert.io.outputs import dump_json, write_into
from ango_convert.model import Category, Dataset
from ango_convert.report import WriteReport

#: darknet's obj.data key for each split.
DARKNET_KEYS = {"train": "train", "val": "valid", "test": "test"}


def write_data_yaml(
    temp: Path,
    dataset: Dataset,
    ordered: Sequence[Category],
    kpt_shape: KptShape | None,
    splits: list[str],
    report: WriteReport,
) -> None:
    """Write Ultralytics' data.yaml (no ``path`` key: see :mod:`._yolo_write`)."""
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
        flip = dataset.info.get("yolo:flip_idx")
        if isinstance(flip, list) and len(flip) == kpt_shape[0]:
            config["flip_idx"] = flip
    text = yaml.dump(config, Dumper=_ConfigDumper, sort_keys=False, allow_unicode=True)
    write_into(temp, "data.yaml", text.encode("utf-8"))
    report.files.append("data.yaml")


class _ConfigDumper(yaml.SafeDumper):
    """Block mappings with flow lists, as Ultralytics' own yaml files look."""


def _flow_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_ConfigDumper.add_representer(list, _flow_list)


def label_map(ordered: Sequence[Category]) -> dict[str, Any]:
    """``{"0": {"name", "source_id", ...}}``: what each YOLO class id stands for."""
    result: dict[str, Any] = {}
    for index, category in enumerate(ordered):
        entry: dict[str, Any] = {"name": category.name, "source_id": category.id}
        if category.supercategory:
            entry["supercategory"] = category.supercategory
        if category.keypoint_names:
            entry["keypoint_names"] = list(category.keypoint_names)
            entry["skeleton"] = [list(edge) for edge in category.skeleton]
        result[str(index)] = entry
    return result


def write_darknet_config(
    temp: Path, ordered: Sequence[Category], listed: Mapping[str, list[str]], report: WriteReport
) -> None:
    """Write obj.names, obj.data and one image list per split, as CVAT exports them:
    paths start with ``data/``, darknet's folder for the dataset."""
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


def write_label_map(temp: Path, ordered: Sequence[Category], report: WriteReport) -> None:
    """Write label_map.json: each YOLO class id's name and source category id."""
    write_into(temp, "label_map.json", dump_json(label_map(ordered), indent=True))
    report.files.append("label_map.json")
