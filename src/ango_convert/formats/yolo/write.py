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

The item's ``split`` picks the split (``default_split`` otherwise). File names
keep their sub-folders under ``images/<split>/``; two images that would share a label
file (``a.jpg`` and ``a.png``, or a case-only difference) get ``_1``, ``_2`` suffixes,
never an overwrite. Coordinates are normalised by the item size and printed with 10
significant digits. Items with objects but without a size are sized from their image
header when the image is found; otherwise one error lists them.

``task="auto"`` picks the task that holds the most objects exactly (the simplest of
equals, see :func:`.plan.choose`) and says so in ``report.steps``; when none holds them
all and ``on_unsupported`` is ``"error"`` it refuses with the count per kind. Kinds the
task holds exactly in another form are written so and listed in the warnings (a box as
a 4-point polygon or an angle-0 oriented box; a rotated box as a polygon; a pose's
missing box from its points, or a box of a keypoint class without keypoints as a pose
with every point unlabelled). Pose never gives keypoints to a class that has none: its
objects are left out. Crowd regions and VOC ``difficult`` objects are left out and
counted unless ``keep_crowd``; no zero-area box is written (counted as ``zero-area
<kind>``). Lossy
changes follow ``on_unsupported``: multi-part or holed polygons keep their largest
outer ring, and anything else becomes its bounding box; points and whole-item
classifications cannot be written at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ango_convert.errors import ConversionError
from ango_convert.formats.lossy import OnUnsupported, Unsupported
from ango_convert.formats.yolo.data_yaml import write_data_yaml
from ango_convert.formats.yolo.encode import Encoder
from ango_convert.formats.yolo.item_files import (
    SHOWN,
    ImagesMode,
    Unsized,
    item_file_names,
    report_missing_images,
    with_size,
)
from ango_convert.formats.yolo.label_map import write_label_map
from ango_convert.formats.yolo.labels import KptShape, Task
from ango_convert.formats.yolo.obj_data import write_darknet_config
from ango_convert.formats.yolo.plan import (
    Plan,
    Planner,
    Restart,
    Stats,
    exact_plan,
    task_of_kinds,
)
from ango_convert.formats.yolo.shards import write_sharded
from ango_convert.io.file_writer import FileWriter
from ango_convert.io.image_files import ImageFinder, place_image
from ango_convert.io.names import (
    UniqueNames,
    split_name,
)
from ango_convert.io.outputs import atomic_dir
from ango_convert.model import Category, Dataset, Item
from ango_convert.parallel import Jobs, ShardedItems, sharded
from ango_convert.report import WriteReport

LayoutName = Literal["ultralytics", "darknet"]
FORMAT_NAME = "yolo"


@dataclass
class _Output:
    """What the item loop needs besides the item: where, how, and what it collected."""

    temp: Path
    files: FileWriter
    finder: ImageFinder
    images: ImagesMode
    default_split: str
    report: WriteReport
    layout: LayoutName
    names: dict[str, UniqueNames] = field(default_factory=lambda: defaultdict(UniqueNames))
    listed: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    missing: list[str] = field(default_factory=list)  # the first few, for the message
    missing_count: int = 0
    split_names: dict[str | None, str] = field(default_factory=dict)

    def split_of(self, item: Item) -> str:
        """The item's split folder name (a few distinct values: worked out once each)."""
        key = item.split
        if key not in self.split_names:
            self.split_names[key] = _split_of(item, self.default_split)
        return self.split_names[key]

    def paths(self, split: str, label: str, image: str) -> tuple[str, str]:
        """The label and image paths of one item, relative to the output folder."""
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
    keep_crowd: bool = False,
    jobs: Jobs | None = None,
) -> WriteReport:
    """Write a YOLO dataset folder, Ultralytics or darknet layout.

    Args:
        dataset: The dataset to write.
        target: The output folder.
        task: detect, segment, obb or pose; ``auto`` picks from the annotation kinds.
        images: ``copy`` or ``symlink`` the images into images/<split>/ (an image not
            found is an error), ``none`` to write labels only, ``auto`` to copy the
            images that are found (a warning lists the others; none found at all is an
            error, since such a dataset cannot train).
        images_dir: Where the images are (by file name, or by unique base name below
            it); otherwise the image a reader found for the item is used.
        class_names: Class order: these names take ids 0, 1, ...; other categories
            follow in id order. Keeps a dataset's ids through formats that lose them.
        layout: ``ultralytics`` (data.yaml, images/ and labels/) or ``darknet``
            (obj.data, obj.names, <split>.txt, obj_<split>_data/; detect only).
        on_unsupported: What to do with annotations the task cannot hold.
        overwrite: Replace an existing non-empty ``target``.
        default_split: The split for items without a ``split``.
        keep_crowd: Write crowd regions (COCO ``iscrowd``) and VOC ``difficult``
            objects as ordinary labels; by default they are left out and counted in
            ``report.skipped`` (``crowd box``, ``difficult box``...), as trainers expect.
        jobs: Service: worker processes for sharded items (see :mod:`.shards`); the
            folder is the same without them.

    Returns:
        What was written, skipped and approximated.

    Raises:
        ConversionError: Items without a size, unknown categories, keypoint counts that
            differ, images that cannot be found for copy/symlink, or no image found at
            all for ``auto``.
        UnsupportedAnnotationError: Annotations the task cannot hold, by kind and count.
    """
    split_name(None, default_split)  # refuse an unusable one before any work
    ordered = ordered_categories(dataset.categories, class_names)
    if layout == "darknet" and task not in ("auto", "detect"):
        raise ConversionError(f"the darknet layout holds boxes only, not task {task!r}")
    requested: Task = "detect" if layout == "darknet" else task
    items = dataset.items
    shards = sharded(items) if jobs is not None else None
    if iter(items) is items:  # a one-shot iterator cannot be read twice: hold it
        items = tuple(items)
    settings = _Settings(
        target,
        ImageFinder(images_dir, target),
        images,
        default_split,
        layout,
        on_unsupported,
        overwrite,
        keep_crowd,
    )
    # Choosing the task needs every object first: fine when the input is loaded whole,
    # but a sharded export is then written in one pass here, to keep memory flat.
    held_whole = isinstance(items, ShardedItems) and items.in_memory
    settled = requested not in ("auto", "pose") or held_whole
    if shards is not None and jobs is not None and settled:
        return _write_shards(dataset, shards, ordered, settings, requested, jobs)
    plan = _first_plan(requested, items, dataset, on_unsupported, keep_crowd)
    try:
        planner = Planner(requested, plan, dataset, on_unsupported, keep_crowd)
        return _write_pass(dataset, items, ordered, settings, planner)
    except Restart as restart:
        planner = Planner(requested, restart.plan, dataset, on_unsupported, keep_crowd)
        return _write_pass(dataset, items, ordered, settings, planner)


@dataclass(frozen=True)
class _Settings:
    """The options one pass of the writer needs."""

    target: Path
    finder: ImageFinder
    images: ImagesMode
    default_split: str
    layout: LayoutName
    on_unsupported: OnUnsupported
    overwrite: bool
    keep_crowd: bool = False


def _first_plan(
    requested: Task,
    items: Iterable[Item],
    dataset: Dataset,
    on_unsupported: OnUnsupported,
    keep_crowd: bool = False,
) -> Plan:
    """Exact for items in memory; for streamed items, provisional unless it cannot change."""
    if isinstance(items, Sequence):
        stats = Stats(keep_crowd=keep_crowd).add_all(items)
        return exact_plan(requested, stats, dataset, on_unsupported)
    if requested == "auto":
        return Plan("detect", settled=False)
    return Plan(requested, settled=requested != "pose")


def _write_pass(
    dataset: Dataset,
    items: Iterable[Item],
    ordered: Sequence[Category],
    settings: _Settings,
    planner: Planner,
) -> WriteReport:
    """Write every item once under the planner's plan (which may raise Restart)."""
    report = WriteReport(target=str(settings.target))
    policy = Unsupported(FORMAT_NAME, settings.on_unsupported, report)
    classes = {category.id: index for index, category in enumerate(ordered)}
    encoder = _encoder(planner.plan, classes, policy, settings.keep_crowd)
    unsized = Unsized()
    with (
        atomic_dir(settings.target, overwrite=settings.overwrite) as temp,
        FileWriter(temp) as files,
    ):
        output = _output(settings, temp, files, report)
        iterator = iter(items)
        for raw in iterator:
            item = with_size(raw, settings.finder)
            if item.annotations and (item.width is None or item.height is None):
                unsized.add(item.id)
                continue
            if planner.admit(item, iterator):
                encoder = _encoder(planner.plan, classes, policy, settings.keep_crowd)
            _write_item(output, encoder, item)
        files.close()
        unsized.check()
        planner.check_final()
        if planner.plan.note:
            report.steps.append(planner.plan.note)
        policy.finish(_hint(planner.plan))
        report_missing_images(output.missing, output.missing_count, settings.images, report)
        _write_configs(output, dataset, ordered, encoder.kpt_shape)
    report.warnings += encoder.notes()
    return report


def _write_shards(
    dataset: Dataset,
    shards: ShardedItems,
    ordered: Sequence[Category],
    settings: _Settings,
    requested: Task,
    jobs: Jobs,
) -> WriteReport:
    """:func:`_write_pass` for sharded items, across ``jobs`` (see :mod:`.shards`)."""
    report = WriteReport(target=str(settings.target))
    classes = {category.id: index for index, category in enumerate(ordered)}
    with (
        atomic_dir(settings.target, overwrite=settings.overwrite) as temp,
        FileWriter(temp) as files,
    ):
        output = _output(settings, temp, files, report)
        plan, refused, converted = write_sharded(
            dataset,
            shards,
            output,
            settings,
            requested,
            lambda plan, policy: _encoder(plan, classes, policy, settings.keep_crowd),
            jobs,
        )
        files.close()
        if plan.note:
            report.steps.append(plan.note)
        policy = Unsupported(FORMAT_NAME, settings.on_unsupported, report)
        policy.refused.update(refused)
        policy.finish(_hint(plan))
        report_missing_images(output.missing, output.missing_count, settings.images, report)
        _write_configs(output, dataset, ordered, plan.kpt_shape)
    encoder = _encoder(plan, classes, policy, settings.keep_crowd)
    encoder.converted.update(converted)
    report.warnings += encoder.notes()
    return report


def _output(settings: _Settings, temp: Path, files: FileWriter, report: WriteReport) -> _Output:
    return _Output(
        temp,
        files,
        settings.finder,
        settings.images,
        settings.default_split,
        report,
        settings.layout,
    )


def _encoder(
    plan: Plan, classes: dict[int, int], policy: Unsupported, keep_crowd: bool = False
) -> Encoder:
    return Encoder(
        keep_crowd=keep_crowd,
        task=plan.task,
        classes=classes,
        kpt_shape=plan.kpt_shape,
        policy=policy,
        keypoint_classes=plan.keypoint_classes,
    )


def _hint(plan: Plan) -> str:
    """What to do about refused objects: another task, or leave them out."""
    return (
        "pass {on_unsupported=skip} to leave them out or {on_unsupported=approximate} to "
        f"write their boxes, or choose another task than {plan.task} with {{task=TASK}}"
    )


def _write_configs(
    output: _Output, dataset: Dataset, ordered: Sequence[Category], kpt_shape: KptShape | None
) -> None:
    if output.layout == "darknet":
        write_darknet_config(output.temp, ordered, output.listed, output.report)
    else:
        splits = list(output.names)
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


def choose_task(items: Iterable[Item]) -> Task:
    """The task ``auto`` picks from the annotation kinds present."""
    return task_of_kinds(Stats().add_all(items).kinds)


# --- checks ---------------------------------------------------------------------------


# --- files ----------------------------------------------------------------------------


def _write_item(output: _Output, encoder: Encoder, item: Item) -> None:
    split = output.split_of(item)
    source = output.finder.find(item) if output.images != "none" else None
    label, image = item_file_names(output.names[split], item, source)
    write_labelled(output, encoder, item, split, source, (label, image))


def write_labelled(
    output: _Output,
    encoder: Encoder,
    item: Item,
    split: str,
    source: Path | None,
    names: tuple[str, str],
) -> None:
    """Write one item's label file and place its image under the names given, counting
    in ``output`` (the one-process write and each worker of a sharded one)."""
    lines = encoder.lines(item)
    label_path, image_path = output.paths(split, *names)
    if output.layout == "darknet":  # the split lists name every image
        output.listed[split].append(image_path)
    output.files.write(label_path, "\n".join([*lines, ""] if lines else []).encode())
    output.report.files.append(label_path)
    output.report.items += 1
    output.report.annotations += len(lines)
    if source is not None:
        place_image(source, output.temp / image_path, output.images)
        output.report.files.append(image_path)
    elif output.images != "none":
        output.missing_count += 1
        if len(output.missing) < SHOWN:
            output.missing.append(item.file_name)


def _split_of(item: Item, default: str) -> str:
    return split_name(item.split, default)
