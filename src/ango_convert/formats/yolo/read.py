"""Reading a YOLO dataset into the IR."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from ango_convert.errors import OnError, ReadError
from ango_convert.formats.yolo.dataset_files import label_candidate_names
from ango_convert.formats.yolo.discovery import config_file, find_layout, yaml_has_names
from ango_convert.formats.yolo.label_map import LABEL_MAP
from ango_convert.formats.yolo.labels import (
    Row,
    Task,
    decide_task,
    decode_row,
    line_error,
    parse_label_file,
)
from ango_convert.formats.yolo.layout import Layout
from ango_convert.io.imagesize import image_size
from ango_convert.io.inside import OUTSIDE, Confinement
from ango_convert.model import Annotation, Category, Dataset, Item, JSONValue
from ango_convert.report import Diagnostics, skip_notes

logger = logging.getLogger(__name__)

#: ``Dataset.info`` key with the ``kpt_shape`` [K, D] of a pose dataset.
INFO_KPT_SHAPE = "yolo:kpt_shape"


#: ``Dataset.info`` key with Ultralytics' ``flip_idx`` of a pose dataset.
INFO_FLIP_IDX = "yolo:flip_idx"


def read(
    source: Path,
    *,
    task: Task = "auto",
    on_error: OnError = "strict",
    diagnostics: Diagnostics | None = None,
) -> Dataset:
    """Read a YOLO dataset.

    Args:
        source: The dataset folder, its data.yaml, or its obj.data.
        task: The label task; ``auto`` decides from the lines (see the module docs).
        on_error: ``skip`` leaves out each label line that does not read, and each image
            whose header does not, noting them in ``diagnostics``.
        diagnostics: Where skipped input is noted.

    Returns:
        The dataset, one item per image, images without labels included.

    Raises:
        ReadError: Layout, config, label line or image header problems, located.
    """
    layout = find_layout(Path(source))
    if layout.warnings:
        if diagnostics is None:
            for warning in layout.warnings:
                logger.warning("%s", warning)
        else:
            diagnostics.warnings.extend(layout.warnings)
    images = _unique_images(layout)
    notes = skip_notes(diagnostics, on_error)
    found = _FileIndex(layout.root)
    labels = {image: _read_labels(image, layout, notes, found) for image, _ in images}
    unlabelled = sum(1 for label in labels.values() if label.path is None)
    if unlabelled:
        logger.info("%d image(s) have no label file: read as images without objects", unlabelled)
    rows = (label.rows for label in labels.values())
    chosen = task if task != "auto" else decide_task(rows, layout.kpt_shape)
    if chosen == "pose" and layout.kpt_shape is None:
        raise ReadError(source, None, "task pose needs kpt_shape: [K, 2 or 3] in data.yaml")
    if chosen == "segment":
        _warn_box_lines(labels.values(), diagnostics)
    ids = _category_ids(layout)
    items = tuple(_items(images, labels, chosen, layout, ids, notes))
    info: dict[str, Any] = {"source_format": "yolo", "yolo:task": chosen}
    if unlabelled:
        info["yolo:images_without_label_file"] = unlabelled
    if layout.kpt_shape is not None:
        info[INFO_KPT_SHAPE] = list(layout.kpt_shape)
    if "flip_idx" in layout.info:
        info[INFO_FLIP_IDX] = layout.info["flip_idx"]
    return Dataset(categories=_categories(layout, ids), items=items, info=info)


def detect(path: Path) -> bool:
    """True for a data.yaml/obj.data file, or a folder with one or with classes.txt and
    label files."""
    if path.is_file():
        suffix = path.suffix.lower()
        return suffix == ".data" or (suffix in (".yaml", ".yml") and yaml_has_names(path))
    if not path.is_dir():
        return False
    config = config_file(path)
    if config is None:
        return False
    if config.suffix.lower() in (".yaml", ".yml", ".data"):
        return True
    return (path / "labels").is_dir() or any(
        p.name not in (config.name, "label_map.json") for p in path.glob("*.txt")
    )


def _warn_box_lines(labels: Iterable[_Labels], diagnostics: Diagnostics | None) -> None:
    """In a segment dataset a 4-value line is read as a box, as Ultralytics does; it may
    have been meant as a 2-point polygon (which no tool can draw), so say how many."""
    count = sum(1 for label in labels for row in label.rows if len(row.values) == 4)
    if count:
        message = (
            f"{count} label line(s) with 4 values in a segment dataset read as boxes "
            "(a 2-point polygon cannot be told from a box)"
        )
        if diagnostics is not None:
            diagnostics.warnings.append(message)
        else:
            logger.warning("%s", message)


def _unique_images(layout: Layout) -> list[tuple[Path, tuple[str | None, Path]]]:
    seen: dict[Path, tuple[str | None, Path]] = {}
    for source in layout.sources:
        for image in source.images:
            seen.setdefault(image, (source.split, source.base))
    if not seen:
        raise ReadError(layout.root, None, "no images found for the dataset's splits")
    return list(seen.items())


class _FileIndex:
    """The regular files of each folder, listed once: no stat per label file."""

    def __init__(self, root: Path) -> None:
        self._files: dict[str, frozenset[str]] = {}
        self._links: dict[str, frozenset[str]] = {}
        #: Label files stay inside the dataset: a linked one's text would reach messages.
        self._confine = Confinement(root)

    def has(self, path: str) -> bool:
        """True for a regular label file (a FIFO is none).

        Raises:
            ReadError: The file is a link leading outside the dataset folder.
        """
        folder, name = os.path.split(path)
        if folder not in self._files:
            try:
                with os.scandir(folder) as entries:
                    listed = [e for e in entries if e.is_file()]
            except OSError:
                listed = []
            self._files[folder] = frozenset(e.name for e in listed)
            # Only links are resolved (the listing says which): no syscall per plain file.
            self._links[folder] = frozenset(e.name for e in listed if e.is_symlink())
        if name in self._links[folder] and not self._confine.allows(path):
            raise ReadError(path, None, OUTSIDE)
        return name in self._files[folder]


class _Labels(NamedTuple):
    """An image's label file (None when it has none: no objects) and its rows."""

    path: str | None
    rows: list[Row]


_NO_LABELS = _Labels(None, [])


def _read_labels(
    image: Path, layout: Layout, notes: list[dict[str, JSONValue]] | None, found: _FileIndex
) -> _Labels:
    for candidate in label_candidate_names(str(image)):
        if found.has(candidate):
            return _Labels(candidate, parse_label_file(candidate, layout.names, notes))
    return _NO_LABELS


def _category_ids(layout: Layout) -> dict[int, int]:
    """YOLO class id -> IR category id (the source id when label_map.json says so)."""
    ids = {cls: cls for cls in layout.names}
    for cls, entry in layout.label_map.items():
        if cls in ids:
            ids[cls] = int(entry["source_id"])
    if len(set(ids.values())) != len(ids):
        raise ReadError(layout.root / LABEL_MAP, None, "two classes share one source_id")
    return ids


def _categories(layout: Layout, ids: dict[int, int]) -> tuple[Category, ...]:
    categories = []
    for cls, name in layout.names.items():
        extra = layout.label_map.get(cls, {})
        keypoint_names = _keypoint_names(layout, cls, extra)
        skeleton = extra.get("skeleton") or ()
        try:
            category = Category(
                id=ids[cls],
                name=name,
                supercategory=extra.get("supercategory"),
                keypoint_names=keypoint_names,
                skeleton=tuple((int(a), int(b)) for a, b in skeleton) if keypoint_names else (),
            )
        except ValueError as exc:  # a skeleton edge outside the keypoints
            raise ReadError(layout.root / LABEL_MAP, f"$['{cls}']", str(exc)) from exc
        categories.append(category)
    return tuple(categories)


def _keypoint_names(layout: Layout, cls: int, extra: dict[str, Any]) -> tuple[str, ...]:
    if layout.kpt_shape is None:
        return ()
    count = layout.kpt_shape[0]
    for names in (extra.get("keypoint_names"), _yaml_kpt_names(layout, cls)):
        if isinstance(names, Sequence) and not isinstance(names, str) and len(names) == count:
            return tuple(str(name) for name in names)
    return tuple(f"kp{index}" for index in range(count))


def _yaml_kpt_names(layout: Layout, cls: int) -> Any:
    names = layout.info.get("kpt_names")
    return names.get(cls) if isinstance(names, dict) else None


def _items(
    images: list[tuple[Path, tuple[str | None, Path]]],
    labels: dict[Path, _Labels],
    task: Task,
    layout: Layout,
    ids: dict[int, int],
    notes: list[dict[str, JSONValue]] | None,
) -> Iterator[Item]:
    """One item per image; with ``notes``, an image whose size cannot be read is noted."""
    for image, split_base in images:
        try:
            yield _item(image, split_base, labels[image], task, layout, ids, notes)
        except ReadError as exc:
            if notes is None:
                raise
            notes.append(exc.note())


def _item(
    image: Path,
    split_base: tuple[str | None, Path],
    labels: _Labels,
    task: Task,
    layout: Layout,
    ids: dict[int, int],
    notes: list[dict[str, JSONValue]] | None,
) -> Item:
    split, base = split_base
    path = str(image)
    size = image_size(path)
    kpt_shape = layout.kpt_shape
    annotations: list[Annotation] = []
    for row in labels.rows:
        try:
            annotations += decode_row(row, task, ids[row.cls], size, kpt_shape)
        except ValueError as exc:  # the decoder's reason, located here
            assert labels.path is not None  # rows come from a label file
            error = line_error(labels.path, row.line, str(exc))
            if notes is None:
                raise error from exc
            notes.append(error.note())
    return Item(
        id=_relative(image, path, layout.root),
        file_name=_relative(image, path, base),
        width=size[0],
        height=size[1],
        annotations=tuple(annotations),
        split=("val" if split == "valid" else split) or None,
        image_path=path,
    )


def _relative(image: Path, path: str, folder: Path) -> str:
    """``image`` relative to ``folder``, in posix form; string work in the usual case."""
    prefix = os.path.join(folder, "")  # noqa: PTH118 -- once per image: no Path objects
    if path.startswith(prefix) and os.sep == "/":
        return path[len(prefix) :]
    return image.relative_to(folder).as_posix()
