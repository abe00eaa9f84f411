"""Writing YOLO: an Ultralytics layout that trains as it is (or darknet's, boxes only,
with ``layout="darknet"``: obj.data, obj.names, <split>.txt and obj_<split>_data/ holding
images and labels side by side, as CVAT exports it).

::

    target/
      data.yaml                 train/val[/test] folders, nc, names {0: name}, kpt_shape
      label_map.json            {"0": {"name", "source_id", ...}}: the class mapping kept
      images/<split>/<name>     copied, symlinked, or left out (``images=``)
      labels/<split>/<stem>.txt one per image; empty for an image without objects

Class ids are 0-based and contiguous, in the order of the categories sorted by id,
whatever the source ids were; ``label_map.json`` records each one's source id (and
keypoint names and skeleton) so reading the folder back restores them. ``data.yaml``
has no ``path`` key on purpose: Ultralytics resolves a missing ``path`` to the yaml's
own folder, while a relative one is taken against its global datasets folder and an
absolute one breaks when the folder moves. Without a ``val`` split, ``val`` points at
the train images (Ultralytics requires the key); a warning says so.

The item attribute ``split`` picks the split (``default_split`` otherwise). File names
keep their sub-folders under ``images/<split>/``; two images that would share a label
file (``a.jpg`` and ``a.png``, or a case-only difference) get ``_1``, ``_2`` suffixes,
never an overwrite. Coordinates are normalised by the item size and printed with 10
significant digits. Items with objects but without a size are sized from their image
header when the image is found; otherwise one error lists them.

``task="auto"`` picks pose when keypoints are present, else segment for polygons or
masks, else obb for rotated boxes, else detect. Kinds the task holds exactly in another
form are written so and listed in the warnings (a box as a 4-point polygon or an
angle-0 oriented box; a rotated box as a polygon; a pose's missing box from its
points, or a box without keypoints as a pose with every point unlabelled). Lossy
changes follow ``on_unsupported``: multi-part or holed polygons keep their largest
outer ring, and anything else becomes its bounding box; points and whole-item
classifications cannot be written at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from ango_convert.converters._approx import ATTR_SPLIT, OnUnsupported, Unsupported, write_into
from ango_convert.converters._image_files import ImageFinder, image_suffix, place_image
from ango_convert.converters._io import (
    UniqueNames,
    atomic_dir,
    safe_relative_path,
)
from ango_convert.converters._yolo_config import (
    write_darknet_config,
    write_data_yaml,
    write_label_map,
)
from ango_convert.converters._yolo_encode import Encoder
from ango_convert.converters._yolo_labels import KptShape, Task
from ango_convert.converters.imagesize import probe_size
from ango_convert.errors import ConversionError
from ango_convert.model import Category, Dataset, Item, Keypoints
from ango_convert.report import WriteReport

ImagesMode = Literal["auto", "copy", "symlink", "none"]
LayoutName = Literal["ultralytics", "darknet"]
FORMAT_NAME = "yolo"
_SHOWN = 5


@dataclass
class _Output:
    """What the item loop needs besides the item: where, how, and what it collected."""

    temp: Path
    encoder: Encoder
    finder: ImageFinder
    images: ImagesMode
    default_split: str
    report: WriteReport
    layout: LayoutName
    names: dict[str, UniqueNames] = field(default_factory=lambda: defaultdict(UniqueNames))
    listed: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    missing: list[str] = field(default_factory=list)

    def paths(self, split: str, label: PurePosixPath, suffix: str) -> tuple[str, str]:
        """The label and image paths of one item, relative to the output folder."""
        image = label.with_suffix(suffix)
        if self.layout == "darknet":
            return f"obj_{split}_data/{label}", f"obj_{split}_data/{image}"
        return f"labels/{split}/{label}", f"images/{split}/{image}"


def write(
    dataset: Dataset,
    target: Path,
    *,
    task: Task = "auto",
    images: ImagesMode = "auto",
    images_dir: Path | None = None,
    class_names: Sequence[str] | None = None,
    layout: LayoutName = "ultralytics",
    on_unsupported: OnUnsupported = "error",
    overwrite: bool = False,
    default_split: str = "train",
) -> WriteReport:
    """Write a YOLO dataset folder, Ultralytics or darknet layout.

    Args:
        dataset: The dataset to write.
        target: The output folder.
        task: detect, segment, obb or pose; ``auto`` picks from the annotation kinds.
        images: ``copy`` or ``symlink`` the images into images/<split>/ (an image not
            found is an error), ``none`` to write labels only, ``auto`` to copy the
            images that are found.
        images_dir: Where the images are (by file name, or by unique base name below
            it); otherwise the image a reader found for the item is used.
        class_names: Class order: these names take ids 0, 1, ...; other categories
            follow in id order. Keeps a dataset's ids through formats that lose them.
        layout: ``ultralytics`` (data.yaml, images/ and labels/) or ``darknet``
            (obj.data, obj.names, <split>.txt, obj_<split>_data/; detect only).
        on_unsupported: What to do with annotations the task cannot hold.
        overwrite: Replace an existing non-empty ``target``.
        default_split: The split for items without a ``split`` attribute.

    Returns:
        What was written, skipped and approximated.

    Raises:
        ConversionError: Items without a size, unknown categories, keypoint counts that
            differ, or images that cannot be found for copy/symlink.
        UnsupportedAnnotationError: Annotations the task cannot hold, by kind and count.
    """
    finder = ImageFinder(images_dir)
    items = [_sized(item, finder) for item in dataset]
    _check_sizes(items)
    ordered = ordered_categories(dataset.categories, class_names)
    report = WriteReport(target=str(target))
    chosen = _task_for(layout, task, items)
    encoder = Encoder(
        task=chosen,
        classes={category.id: index for index, category in enumerate(ordered)},
        kpt_shape=_kpt_shape(dataset, items) if chosen == "pose" else None,
        policy=Unsupported(FORMAT_NAME, on_unsupported, report),
    )
    with atomic_dir(target, overwrite=overwrite) as temp:
        output = _Output(temp, encoder, finder, images, default_split, report, layout)
        for item in items:
            _write_item(output, item)
        encoder.policy.finish()
        _missing_images(output.missing, images, report)
        _write_configs(output, dataset, ordered)
    report.warnings += encoder.notes()
    return report


def _task_for(layout: LayoutName, task: Task, items: Sequence[Item]) -> Task:
    if layout == "darknet":
        if task not in ("auto", "detect"):
            raise ConversionError(f"the darknet layout holds boxes only, not task {task!r}")
        return "detect"
    return task if task != "auto" else choose_task(items)


def _write_configs(output: _Output, dataset: Dataset, ordered: Sequence[Category]) -> None:
    if output.layout == "darknet":
        write_darknet_config(output.temp, ordered, output.listed, output.report)
    else:
        kpt_shape, splits = output.encoder.kpt_shape, list(output.names)
        write_data_yaml(output.temp, dataset, ordered, kpt_shape, splits, output.report)
    write_label_map(output.temp, ordered, output.report)


def ordered_categories(
    categories: Sequence[Category], class_names: Sequence[str] | None = None
) -> list[Category]:
    """Categories in YOLO class id order: ``class_names`` first, then by category id."""
    by_id = sorted(categories, key=lambda category: category.id)
    if not class_names:
        return by_id
    by_name = {category.name: category for category in reversed(by_id)}
    unknown = [name for name in class_names if name not in by_name]
    if unknown:
        raise ConversionError(f"class_names lists classes the dataset lacks: {unknown}")
    first = [by_name[name] for name in dict.fromkeys(class_names)]
    return first + [category for category in by_id if category not in first]


def choose_task(items: Sequence[Item]) -> Task:
    """The task ``auto`` picks from the annotation kinds present."""
    kinds = {annotation.kind for item in items for annotation in item.annotations}
    if "keypoints" in kinds:
        return "pose"
    if kinds & {"polygon", "mask"}:
        return "segment"
    if "rotated-box" in kinds:
        return "obb"
    return "detect"


# --- checks ---------------------------------------------------------------------------


def _sized(item: Item, finder: ImageFinder) -> Item:
    if item.width is not None and item.height is not None:
        return item
    source = finder.find(item)
    size = probe_size(source) if source is not None else None
    if size is None:
        return item
    return Item(
        id=item.id,
        file_name=item.file_name,
        width=size[0],
        height=size[1],
        annotations=item.annotations,
        classifications=item.classifications,
        attributes=item.attributes,
    )


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(repr(name) for name in names[:_SHOWN])
    more = f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
    return f"{shown}{more}"


def _check_sizes(items: Sequence[Item]) -> None:
    # An item without objects writes an empty label file: it needs no size.
    missing = [
        item.id
        for item in items
        if item.annotations and (item.width is None or item.height is None)
    ]
    if missing:
        raise ConversionError(
            f"YOLO needs each image's size to normalise coordinates; {len(missing)} "
            f"item(s) have none: {_listed(missing)}. Pass the images folder (--images) so their "
            "headers can be read."
        )


def _kpt_shape(dataset: Dataset, items: Sequence[Item]) -> KptShape:
    counts = {len(a.points) for item in items for a in item.annotations if isinstance(a, Keypoints)}
    if not counts:
        counts = {len(c.keypoint_names) for c in dataset.categories if c.keypoint_names}
    if len(counts) != 1:
        raise ConversionError(
            "YOLO pose needs one keypoint count for the whole dataset, found "
            f"{sorted(counts) or 'none'}"
        )
    count = counts.pop()
    declared = dataset.info.get("yolo:kpt_shape")
    dims = 2 if isinstance(declared, list) and declared == [count, 2] else 3
    return count, dims


# --- files ----------------------------------------------------------------------------


def _write_item(output: _Output, item: Item) -> None:
    split = _split_of(item, output.default_split)
    relative = _relative_name(item)
    label = output.names[split].claim(relative.with_suffix(".txt"))
    lines = output.encoder.lines(item)
    source = output.finder.find(item) if output.images != "none" else None
    label_path, image_path = output.paths(split, label, image_suffix(relative, source))
    output.listed[split].append(image_path)
    write_into(output.temp, label_path, "".join(f"{x}\n" for x in lines).encode())
    output.report.files.append(label_path)
    output.report.items += 1
    output.report.annotations += len(lines)
    if source is not None:
        place_image(source, output.temp / image_path, output.images)
        output.report.files.append(image_path)
    elif output.images != "none":
        output.missing.append(item.file_name)


def _relative_name(item: Item) -> PurePosixPath:
    try:
        return safe_relative_path(item.file_name)
    except ValueError:
        return safe_relative_path(item.id or "item")


def _split_of(item: Item, default: str) -> str:
    value = item.attributes.get(ATTR_SPLIT)
    text = value if isinstance(value, str) and value.strip() else default
    return safe_relative_path(text, keep_dirs=False).name


def _missing_images(missing: list[str], images: ImagesMode, report: WriteReport) -> None:
    if not missing:
        return
    text = f"{len(missing)} image(s) not found: {_listed(missing)}"
    if images != "auto":
        raise ConversionError(f"{text}; pass the images folder with --images")
    report.warnings.append(f"{text}; labels were written without them")
