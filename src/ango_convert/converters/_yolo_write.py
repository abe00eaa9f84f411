"""Writing YOLO: an Ultralytics layout that trains as it is.

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
significant digits. Items without a size are sized from their image header when the
image is found; otherwise one error lists them.

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

import shutil
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import yaml

from ango_convert.converters._approx import (
    ATTR_SOURCE_IMAGE,
    ATTR_SPLIT,
    OnUnsupported,
    Unsupported,
    annotation_bounds,
    box_from_bounds,
)
from ango_convert.converters._io import (
    UniqueNames,
    atomic_dir,
    dump_json,
    safe_relative_path,
    write_bytes_atomic,
)
from ango_convert.converters._yolo_labels import KptShape, Task, format_value
from ango_convert.converters.imagesize import probe_size
from ango_convert.errors import ConversionError, OutputError
from ango_convert.geometry import ring_area, rotated_box_corners
from ango_convert.model import (
    XY,
    Annotation,
    Box,
    Category,
    Dataset,
    Item,
    Keypoints,
    Polygon,
    RotatedBox,
)
from ango_convert.report import WriteReport

ImagesMode = Literal["auto", "copy", "symlink", "none"]
FORMAT_NAME = "yolo"
_SHOWN = 5


def write(
    dataset: Dataset,
    target: Path,
    *,
    task: Task = "auto",
    images: ImagesMode = "auto",
    images_dir: Path | None = None,
    on_unsupported: OnUnsupported = "error",
    overwrite: bool = False,
    default_split: str = "train",
) -> WriteReport:
    """Write an Ultralytics YOLO dataset folder.

    Args:
        dataset: The dataset to write.
        target: The output folder.
        task: detect, segment, obb or pose; ``auto`` picks from the annotation kinds.
        images: ``copy`` or ``symlink`` the images into images/<split>/ (an image not
            found is an error), ``none`` to write labels only, ``auto`` to copy the
            images that are found.
        images_dir: Where the images are (by file name); otherwise the image a reader
            found for the item is used.
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
    items = [_sized(item, images_dir) for item in dataset]
    _check_sizes(items)
    chosen = task if task != "auto" else choose_task(items)
    report = WriteReport(target=str(target))
    encoder = _Encoder(
        task=chosen,
        classes=class_ids(dataset.categories),
        kpt_shape=_kpt_shape(dataset, items) if chosen == "pose" else None,
        policy=Unsupported(FORMAT_NAME, on_unsupported, report),
    )
    with atomic_dir(target, overwrite=overwrite) as temp:
        splits = _write_items(temp, items, encoder, images, images_dir, default_split, report)
        encoder.policy.finish()
        _write_config(temp, dataset, encoder, splits, report)
    report.warnings += encoder.notes()
    return report


def class_ids(categories: Sequence[Category]) -> dict[int, int]:
    """Category id -> YOLO class id: 0-based, contiguous, in category id order."""
    ordered = sorted(categories, key=lambda category: category.id)
    return {category.id: index for index, category in enumerate(ordered)}


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


def _image_source(item: Item, images_dir: Path | None) -> Path | None:
    if images_dir is not None:
        try:
            candidate = images_dir / safe_relative_path(item.file_name)
        except ValueError:
            candidate = None
        if candidate is not None and candidate.is_file():
            return candidate
    found = item.attributes.get(ATTR_SOURCE_IMAGE)
    if isinstance(found, str) and Path(found).is_file():
        return Path(found)
    return None


def _sized(item: Item, images_dir: Path | None) -> Item:
    if item.width is not None and item.height is not None:
        return item
    source = _image_source(item, images_dir)
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


def _check_sizes(items: Sequence[Item]) -> None:
    missing = [item.id for item in items if item.width is None or item.height is None]
    if missing:
        shown = ", ".join(repr(name) for name in missing[:_SHOWN])
        more = f" and {len(missing) - _SHOWN} more" if len(missing) > _SHOWN else ""
        raise ConversionError(
            f"YOLO needs each image's size to normalise coordinates; {len(missing)} "
            f"item(s) have none: {shown}{more}. Pass the images folder (--images) so "
            "their headers can be read."
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


# --- encoding -------------------------------------------------------------------------


class _Encoder:
    """Turns one item's annotations into label lines for the chosen task."""

    def __init__(
        self,
        *,
        task: Task,
        classes: Mapping[int, int],
        kpt_shape: KptShape | None,
        policy: Unsupported,
    ) -> None:
        self.task = task
        self.classes = classes
        self.kpt_shape = kpt_shape
        self.policy = policy
        self.converted: Counter[str] = Counter()

    def lines(self, item: Item) -> list[str]:
        for _ in item.classifications:
            self.policy.drop("classification")
        if self.task == "pose":
            return self._pose_lines(item)
        boxed = {a.group for a in item.annotations if isinstance(a, Box) and a.group}
        lines = []
        for annotation in item.annotations:
            paired = isinstance(annotation, Keypoints) and annotation.group in boxed
            values = None if paired else self._values(annotation)
            if paired:
                self.policy.drop(annotation.kind)
            if values is not None:
                lines.append(self._line(item, annotation, values))
        return lines

    def _values(self, annotation: Annotation) -> list[XY] | None:
        """The points to write, in pixels: box as (centre, size), others as corners."""
        kind = annotation.kind
        native = {"detect": "box", "segment": "polygon", "obb": "rotated-box"}[self.task]
        if isinstance(annotation, Polygon) and self.task == "segment":
            if annotation.is_simple or self.policy.approximate(kind):
                return list(max(annotation.zones, key=lambda z: ring_area(z.outer)).outer)
            return None
        if kind == native or (self.task != "detect" and kind in ("box", "rotated-box")):
            if kind != native:
                self.converted[kind] += 1
            return self._shape(annotation)
        bounds = annotation_bounds(annotation)
        if bounds is None:
            self.policy.drop(kind)
            return None
        if not self.policy.approximate(kind):
            return None
        return self._shape(box_from_bounds(annotation, bounds))

    def _shape(self, annotation: Annotation) -> list[XY]:
        if isinstance(annotation, Box):
            if self.task == "detect":
                cx, cy = annotation.x + annotation.width / 2, annotation.y + annotation.height / 2
                return [(cx, cy), (annotation.width, annotation.height)]
            x0, y0 = annotation.x, annotation.y
            x1, y1 = x0 + annotation.width, y0 + annotation.height
            return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        assert isinstance(annotation, RotatedBox)
        return list(rotated_box_corners(annotation))

    def _pose_lines(self, item: Item) -> list[str]:
        """Pair each Box with the Keypoints of its group, one line per pair."""
        slots: dict[str, dict[str, Annotation]] = {}
        for index, annotation in enumerate(item.annotations):
            self._check_points(item, annotation)
            if not isinstance(annotation, (Box, Keypoints)):
                box = self._pose_fallback(annotation)
                if box is not None:
                    slots[f"#{index}"] = {"box": box, "approximated": box}
                continue
            key = annotation.group or f"#{index}"
            if annotation.kind in slots.get(key, {}):
                key = f"#{index}"  # a second box in one group stands alone
            slots.setdefault(key, {})[annotation.kind] = annotation
        lines = []
        for slot in slots.values():
            found, pose = slot.get("box"), slot.get("keypoints")
            box = found if isinstance(found, Box) else None
            if box is None:
                assert isinstance(pose, Keypoints)
                box = self._box_from_pose(pose)
            elif pose is None and "approximated" not in slot:
                self.converted["box without keypoints"] += 1
            if box is not None:
                lines.append(
                    self._pose_line(item, box, pose if isinstance(pose, Keypoints) else None)
                )
        return lines

    def _check_points(self, item: Item, annotation: Annotation) -> None:
        assert self.kpt_shape is not None
        count = self.kpt_shape[0]
        if isinstance(annotation, Keypoints) and len(annotation.points) != count:
            raise ConversionError(
                f"item {item.id!r}: keypoints have {len(annotation.points)} points, "
                f"the dataset's kpt_shape needs {count}"
            )

    def _pose_fallback(self, annotation: Annotation) -> Box | None:
        bounds = annotation_bounds(annotation)
        if bounds is None:
            self.policy.drop(annotation.kind)
            return None
        if not self.policy.approximate(annotation.kind):
            return None
        return box_from_bounds(annotation, bounds)

    def _box_from_pose(self, pose: Keypoints) -> Box | None:
        bounds = annotation_bounds(pose)
        if bounds is None:
            self.policy.drop("keypoints")
            return None
        self.converted["keypoints without a box"] += 1
        return box_from_bounds(pose, bounds)

    def _pose_line(self, item: Item, box: Box, pose: Keypoints | None) -> str:
        assert self.kpt_shape is not None and item.width and item.height
        count, dims = self.kpt_shape
        cx, cy = box.x + box.width / 2, box.y + box.height / 2
        values = _normalised([(cx, cy), (box.width, box.height)], item)
        points = pose.points if pose is not None else ((0.0, 0.0, 0),) * count
        for x, y, v in points:
            if v == 0 and dims == 2:
                x = y = 0.0
            values += [format_value(x / item.width), format_value(y / item.height)]
            values += [str(v)] if dims == 3 else []
        return f"{self._class_of(item, box)} {' '.join(values)}"

    def _line(self, item: Item, annotation: Annotation, points: list[XY]) -> str:
        values = _normalised(points, item)
        return f"{self._class_of(item, annotation)} {' '.join(values)}"

    def _class_of(self, item: Item, annotation: Annotation) -> int:
        try:
            return self.classes[annotation.category_id]
        except KeyError:
            raise ConversionError(
                f"item {item.id!r}: annotation has category id {annotation.category_id}, "
                "which the dataset does not define"
            ) from None

    def notes(self) -> list[str]:
        """Warnings for kinds written exactly but in another form."""
        return [
            f"{count} {kind} written in {self.task} form"
            for kind, count in sorted(self.converted.items())
        ]


def _normalised(points: list[XY], item: Item) -> list[str]:
    assert item.width and item.height
    values = []
    for x, y in points:
        values += [format_value(x / item.width), format_value(y / item.height)]
    return values


# --- files ----------------------------------------------------------------------------


def _write_items(
    temp: Path,
    items: Sequence[Item],
    encoder: _Encoder,
    images: ImagesMode,
    images_dir: Path | None,
    default_split: str,
    report: WriteReport,
) -> list[str]:
    names: dict[str, UniqueNames] = defaultdict(UniqueNames)
    missing: list[str] = []
    for item in items:
        split = _split_of(item, default_split)
        label = names[split].claim(_relative_name(item).with_suffix(".txt"))
        lines = encoder.lines(item)
        label_path = f"labels/{split}/{label}"
        write_bytes_atomic(temp / label_path, "".join(f"{line}\n" for line in lines).encode())
        report.files.append(label_path)
        report.items += 1
        report.annotations += len(lines)
        image_name = label.with_suffix(_relative_name(item).suffix)
        if images != "none" and not _place_image(
            temp, split, image_name, item, images, images_dir, report
        ):
            missing.append(item.file_name)
    _missing_images(missing, images, report)
    return list(names)


def _relative_name(item: Item) -> PurePosixPath:
    try:
        return safe_relative_path(item.file_name)
    except ValueError:
        return safe_relative_path(item.id or "item")


def _split_of(item: Item, default: str) -> str:
    value = item.attributes.get(ATTR_SPLIT)
    text = value if isinstance(value, str) and value.strip() else default
    return safe_relative_path(text, keep_dirs=False).name


def _place_image(
    temp: Path,
    split: str,
    name: PurePosixPath,
    item: Item,
    images: ImagesMode,
    images_dir: Path | None,
    report: WriteReport,
) -> bool:
    source = _image_source(item, images_dir)
    if source is None:
        return False
    relative = f"images/{split}/{name}"
    destination = temp / relative
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        if images == "symlink":
            destination.symlink_to(source.resolve())
        else:
            shutil.copyfile(source, destination)
    except OSError as exc:
        raise OutputError(f"{relative}: cannot write the image: {exc.strerror or exc}") from exc
    report.files.append(relative)
    return True


def _missing_images(missing: list[str], images: ImagesMode, report: WriteReport) -> None:
    if not missing:
        return
    shown = ", ".join(repr(name) for name in missing[:_SHOWN])
    more = f" and {len(missing) - _SHOWN} more" if len(missing) > _SHOWN else ""
    text = f"{len(missing)} image(s) not found: {shown}{more}"
    if images != "auto":
        raise ConversionError(f"{text}; pass the images folder with --images")
    report.warnings.append(f"{text}; labels were written without them")


def _write_config(
    temp: Path, dataset: Dataset, encoder: _Encoder, splits: list[str], report: WriteReport
) -> None:
    ordered = sorted(dataset.categories, key=lambda category: category.id)
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
    if encoder.kpt_shape is not None:
        config["kpt_shape"] = list(encoder.kpt_shape)
        flip = dataset.info.get("yolo:flip_idx")
        if isinstance(flip, list) and len(flip) == encoder.kpt_shape[0]:
            config["flip_idx"] = flip
    text = yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    write_bytes_atomic(temp / "data.yaml", text.encode("utf-8"))
    write_bytes_atomic(temp / "label_map.json", dump_json(_label_map(ordered), indent=True))
    report.files += ["data.yaml", "label_map.json"]


def _label_map(ordered: Sequence[Category]) -> dict[str, Any]:
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
