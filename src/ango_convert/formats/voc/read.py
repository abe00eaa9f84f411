"""Reading Pascal VOC: the layout (VOCdevkit, folders of XML, one file), splits and categories."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ango_convert.errors import OnError, ReadError
from ango_convert.formats.voc.decode import Parsed, read_checked
from ango_convert.formats.voc.locate import Context
from ango_convert.formats.voc.parallel_read import RUNS_PER_WORKER, parse_across
from ango_convert.formats.voc.vocabulary import PixelConvention
from ango_convert.io.inputs import read_bytes
from ango_convert.io.inside import Confinement, is_regular
from ango_convert.model import Category, Dataset, Item, JSONValue, checked_box
from ango_convert.parallel import Jobs, ShardedItems
from ango_convert.parallel.shards import ShardReader, runs
from ango_convert.report import Diagnostics, skip_notes

#: The reader's logger.
logger = logging.getLogger("ango_convert.formats.voc")

#: Split lists are read in this priority; anything else comes after, trainval last.
SPLIT_PRIORITY = ("train", "val", "test")


_PER_CLASS_FILE = re.compile(r".+_(train|val|trainval|test)")


_PER_CLASS_ROW = re.compile(r".+\s+(-1|0|1)")


def read(
    source: Path,
    *,
    images_dir: Path | None = None,
    pixel_convention: PixelConvention = "continuous",
    class_names: Sequence[str] | None = None,
    on_error: OnError = "strict",
    diagnostics: Diagnostics | None = None,
    jobs: Jobs | None = None,
) -> Dataset:
    """Read Pascal VOC annotations.

    Args:
        source: A VOCdevkit-like folder (``Annotations/``, optionally
            ``ImageSets/Main/``), a folder of XML files, or one XML file.
        images_dir: Where to look for images whose ``<size>`` is missing.
        pixel_convention: How ``<bndbox>`` maps to IR pixels (see the module docs).
        class_names: Category order (ids 1..N); a name outside it is an error.
        on_error: ``skip`` leaves out each XML file that does not read and notes it in
            ``diagnostics``.
        diagnostics: Where skipped input is noted.
        jobs: Service: worker processes; a strict read of :data:`MIN_PARALLEL_FILES`
            files or more parses them across the workers (see :mod:`.parallel_read`).

    Returns:
        The dataset; every XML file is one item, zero-object files included.

    Raises:
        ReadError: Malformed or hostile XML, bad numbers, a box with xmax < xmin.
    """
    found = _layout(Path(source))
    root, files = found.root, found.files
    if found.nested:
        message = (
            f"{found.nested} XML file(s) in nested Annotations/ or hidden folders left out "
            "(another dataset, such as an earlier output, or an interrupted run's temp)"
        )
        (diagnostics or Diagnostics()).warnings.append(message)
        if diagnostics is None:
            logger.warning("%s", message)
    splits = _read_splits(root)
    context = Context(root=root, images_dir=images_dir, convention=pixel_convention)
    # Files found by listing a folder must stay inside it; a file named directly is the
    # user's choice.
    confine = context.confine if found.suspects else None
    notes = skip_notes(diagnostics, on_error)
    across = None
    if jobs is not None and notes is None:
        across = parse_across(files, context, confine, found.suspects, jobs)
    parsed = (
        across
        if across is not None
        else _read_files(files, context, notes, confine, found.suspects)
    )
    names = _category_names(parsed, class_names)
    ids = {name: index + 1 for index, name in enumerate(names)}
    categories = tuple(Category(id=ids[name], name=name) for name in names)
    items: Iterable[Item]
    if across is not None and jobs is not None:  # the writer builds the items in its workers
        items = ShardedItems(_item_runs(across, ids, splits, jobs.count), in_memory=True)
    else:
        items = tuple(_to_item(entry, ids, splits) for entry in parsed)
    info: dict[str, JSONValue] = {"source_format": "voc"}
    return Dataset(categories=categories, items=items, info=info)


def _item_runs(
    parsed: list[Parsed], ids: dict[str, int], splits: dict[str, str], workers: int
) -> list[ShardReader]:
    """The items of ``parsed`` as runs a sharding writer builds in its workers."""

    def reader(part: range) -> ShardReader:
        return lambda: [_to_item(parsed[index], ids, splits) for index in part]

    return [reader(part) for part in runs(len(parsed), workers * RUNS_PER_WORKER)]


def _read_files(
    files: Sequence[Path],
    context: Context,
    notes: list[dict[str, JSONValue]] | None,
    confine: Confinement | None,
    suspects: set[str],
) -> list[Parsed]:
    """Parse every file; with ``notes``, a file that does not read is noted and left out.

    A FIFO or device named ``*.xml``, or a link leading out of the dataset, is refused
    (a FIFO would block the read forever)."""
    parsed = []
    for path in files:
        try:
            parsed.append(read_checked(path, context, confine, suspects))
        except ReadError as exc:
            if notes is None:
                raise
            notes.append(exc.note())
    return parsed


def detect(path: Path) -> bool:
    """True for a VOC XML file, or a folder holding VOC XML files in one of the layouts
    users meet: VOCdevkit (``Annotations/``, or a year folder holding it), XML beside
    the images (Roboflow's ``train/``, ``valid/``, ``test/``), Kaggle-style
    ``annotations/`` + ``images/``, or splits nested one or two levels down."""
    if path.is_file():
        return path.suffix.lower() == ".xml" and _looks_like_voc(path)
    if not path.is_dir():
        return False
    folder = _annotations_dir(path) or path
    for pattern in ("*.xml", "*/*.xml", "*/*/*.xml", "*/*/*/*.xml"):
        first = next(iter(sorted(folder.glob(pattern))[:1]), None)
        if first is not None:
            return _looks_like_voc(first)
    return False


def _looks_like_voc(path: Path) -> bool:
    if not is_regular(path):  # a FIFO named *.xml would block detection forever
        return False
    try:
        with path.open("rb") as stream:
            head = stream.read(4096)
    except OSError:
        return False
    return b"<annotation" in head


def _annotations_dir(folder: Path) -> Path | None:
    for name in ("Annotations", "annotations"):  # VOCdevkit, or Kaggle's lower case
        if (folder / name).is_dir():
            return folder / name
    # A VOCdevkit root holding a single VOC20xx year folder.
    years = [child for child in folder.glob("*/Annotations") if child.is_dir()]
    return years[0] if len(years) == 1 else None


@dataclass
class _Found:
    """The XML files of a VOC folder, as a walk of it found them."""

    root: Path
    files: list[Path]
    #: Files left out as another dataset's (a nested ``Annotations/``, a hidden folder).
    nested: int = 0
    #: Links and non-regular files, to be checked before they are opened.
    suspects: set[str] = field(default_factory=set)


def _layout(source: Path) -> _Found:
    """The dataset root (parent of Annotations/) and the XML files, sorted.

    Sub-folders are read (item ids keep them), but not one named ``Annotations`` below
    the annotations folder (another dataset: an output written inside this one would be
    read again on the next run) nor a hidden one (a temp folder of an interrupted run).
    Without an annotations folder at the top, each split's own ``Annotations/`` is read.
    The walk's listings say which files are links or not regular, so the plain ones cost
    no extra system call.
    """
    if source.is_file():
        return _Found(source.parent, [source])
    if not source.is_dir():
        raise ReadError(source, None, "no such file or folder")
    annotations = _annotations_dir(source)
    folder = annotations or source
    found = _Found(annotations.parent if annotations else source, [])
    pending = [str(folder)]
    while pending:
        where = pending.pop()
        with os.scandir(where) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    # Below an Annotations/ folder another one is a second dataset;
                    # without one at the top, Annotations/ folders are the splits.
                    nested = annotations is not None and entry.name == "Annotations"
                    if nested or entry.name.startswith("."):
                        found.nested += _count_xml(entry.path)
                    else:
                        pending.append(entry.path)
                elif entry.name.endswith(".xml"):
                    if entry.is_symlink() or not entry.is_file(follow_symlinks=False):
                        found.suspects.add(entry.path)
                    found.files.append(Path(entry.path))
    found.files.sort(key=_parts)
    if not found.files:
        raise ReadError(folder, None, "no .xml annotation files found")
    return found


def _count_xml(folder: str) -> int:
    """XML files below a folder that is left out (for the warning)."""
    return sum(1 for _, _, names in os.walk(folder) for name in names if name.endswith(".xml"))


def _parts(path: Path) -> tuple[str, ...]:
    """Sort key giving Path's own order (by parts) without its slow comparisons."""
    return path.parts


#: Split folders as exporters name them (Roboflow writes ``valid``).
_SPLIT_FOLDERS = {"train": "train", "valid": "val", "val": "val", "test": "test"}


def _folder_split(item_id: str) -> str | None:
    """The split a file's top folder names (``valid/a`` -> val), when no list does."""
    top, sep, _ = item_id.partition("/")
    return _SPLIT_FOLDERS.get(top.lower()) if sep else None


def _read_splits(root: Path) -> dict[str, str]:
    """Map item id to split from ``ImageSets/Main/<split>.txt``."""
    main = root / "ImageSets" / "Main"
    if not main.is_dir():
        return {}
    lists = {path.stem: path for path in main.glob("*.txt")}
    order = [s for s in SPLIT_PRIORITY if s in lists]
    order += sorted(s for s in lists if s not in SPLIT_PRIORITY and s != "trainval")
    order += ["trainval"] if "trainval" in lists else []
    found: dict[str, str] = {}
    for split in order:
        for item_id in _split_ids(lists[split]):
            found.setdefault(item_id, split)
    return found


def _split_ids(path: Path) -> Iterator[str]:
    text = read_bytes(path).decode("utf-8-sig", errors="replace")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # Per-class lists ("cat_train.txt": "000005 -1") are not split lists.
    if _PER_CLASS_FILE.fullmatch(path.stem) and all(_PER_CLASS_ROW.fullmatch(x) for x in lines):
        return
    yield from lines


def _category_names(parsed: list[Parsed], class_names: Sequence[str] | None) -> list[str]:
    seen = {raw[0] for entry in parsed for raw in entry.objects}
    if class_names is None:
        return sorted(seen)
    names = list(dict.fromkeys(class_names))
    for entry in parsed:
        for name, *_ in entry.objects:
            if name not in names:
                raise ReadError(entry.item_id, None, f"class {name!r} is not in class_names")
    return names


def _to_item(entry: Parsed, ids: dict[str, int], splits: dict[str, str]) -> Item:
    # The decoder checks what Box would: finite corners, a size that is not negative.
    boxes = tuple(
        checked_box(ids[name], x, y, width, height, attributes)
        for name, x, y, width, height, attributes in entry.objects
    )
    return Item(
        id=entry.item_id,
        file_name=entry.file_name,
        width=entry.width,
        height=entry.height,
        annotations=boxes,
        split=splits.get(entry.item_id) or _folder_split(entry.item_id),
        image_path=entry.image_path,
        attributes=dict(entry.attributes),
    )
