"""A loaded COCO document cut into shards of images for workers (``--jobs``).

The parent decodes the categories and sorts the annotation records by the shard of their
image (with numpy, which also proves the ids distinct). Each worker, forked with the
document in memory, decodes its shard's images and annotations with the decoders a
one-process read uses and builds its items, in the images' order. A document the
sorting cannot vouch for (a record that is not an object, an id that repeats or is not
a whole number, an image id no image has) is read in one process, which words the
problem as always; so is one whose shard meets a bad record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy

from ango_convert.errors import ReadError
from ango_convert.formats.coco.annotations import decode_annotation
from ango_convert.formats.coco.document import decode_categories, info_of, item_of
from ango_convert.formats.coco.keys import Located
from ango_convert.formats.coco.records import ImageSlot, decode_image
from ango_convert.io.inputs import json_path
from ango_convert.model import Category, Dataset, Item
from ango_convert.parallel import Jobs, ShardedItems
from ango_convert.parallel.shards import ShardReader

#: Documents with fewer annotations are read in one process.
MIN_SHARDED_ANNOTATIONS = 50_000
#: Shards per worker: several, so a worker with dense images does not hold up the rest.
SHARDS_PER_WORKER = 8


def sharded_document(
    document: object, source: Path, jobs: Jobs, warnings: list[str] | None
) -> Dataset | None:
    """The dataset with its items in shards, or None to read it in one process."""
    if type(document) is not dict:
        return None
    annotations, images = document.get("annotations"), document.get("images")
    if type(annotations) is not list or len(annotations) < MIN_SHARDED_ANNOTATIONS:
        return None
    if type(images) is not list:
        return None
    noted: list[str] = []  # kept only if the shards are used: else the read notes again
    try:
        categories = decode_categories(document, None, noted)
        image_ids = [record["id"] for record in images]
    except (Located, TypeError, KeyError):
        return None
    shards = min(len(images), jobs.count * SHARDS_PER_WORKER)
    buckets = _buckets(annotations, image_ids, shards)
    if buckets is None:
        return None
    if warnings is not None:
        warnings += noted
    by_id = {category.id: category for category in categories}
    size = _run_length(len(images), shards)
    readers = [
        _reader(source, images, k * size, (k + 1) * size, by_id, annotations, bucket)
        for k, bucket in enumerate(buckets)
    ]
    items = ShardedItems(readers, in_memory=True)
    return Dataset(categories=tuple(categories), items=items, info=info_of(document))


def _run_length(count: int, shards: int) -> int:
    return max(1, -(-count // max(1, shards)))


def _buckets(annotations: list[Any], image_ids: list[Any], shards: int) -> list[list[int]] | None:
    """The indices of each shard's annotation records, or None (see the module docs).

    List comprehensions into numpy, no Python loop: this is the one pass the parent
    makes over the annotations before the workers start.
    """
    try:
        ids = numpy.array([record["id"] for record in annotations])
        targets = numpy.array([record["image_id"] for record in annotations])
        known = numpy.array(image_ids)
    except (TypeError, KeyError, ValueError, OverflowError):
        return None
    if not all(array.dtype.kind == "i" for array in (ids, targets, known)):
        return None  # 3.5, "7", None or a huge number: the decoder words it
    if repeats(ids) or repeats(known):
        return None
    by_value = numpy.argsort(known, kind="stable")
    found = numpy.searchsorted(known, targets, sorter=by_value)
    found[found == len(known)] = 0
    position = by_value[found]
    if (known[position] != targets).any():
        return None  # an annotation of an image the document does not have
    shard_of = position // _run_length(len(known), shards)
    order = numpy.argsort(shard_of, kind="stable")  # document order within each shard
    ends = numpy.cumsum(numpy.bincount(shard_of, minlength=shards))
    return [part.tolist() for part in numpy.split(order, ends[:-1])]


def repeats(values: Any) -> bool:
    """True when a value occurs twice (sorting: numpy.unique hashes, ten times slower)."""
    ordered = numpy.sort(values)
    return bool((ordered[1:] == ordered[:-1]).any())


def _reader(
    source: Path,
    images: Sequence[Any],
    first: int,
    last: int,
    categories: Mapping[int, Category],
    annotations: Sequence[Any],
    indices: list[int],
) -> ShardReader:
    def read_shard() -> list[Item]:
        records = ((index, annotations[index]) for index in indices)
        return decode_shard(source, images, range(first, last), categories, records, {})

    return read_shard


def decode_shard(
    source: Path,
    images: Sequence[Any],
    positions: range,
    categories: Mapping[int, Category],
    annotations: Iterable[tuple[int, Any]],
    annotation_ids: dict[int, int],
) -> list[Item]:
    """The items of the image records at ``positions`` with their ``annotations``
    (index, record) read onto them, the annotation ids claimed in ``annotation_ids``.

    Raises:
        ReadError: A record does not read, or an annotation's image is not among these.
    """
    slots: dict[int, ImageSlot] = {}
    try:
        seen: dict[int, int] = {}
        for index in range(positions.start, min(positions.stop, len(images))):
            decode_image(slots, seen, images[index], index)
        for index, record in annotations:
            decode_annotation(slots, categories, annotation_ids, record, index)
    except Located as exc:
        raise ReadError(source, json_path(*exc.where), exc.reason) from exc
    except ValueError as exc:  # an IR invariant the decoder did not foresee
        raise ReadError(source, None, str(exc)) from exc
    return [item_of(image_id, slot) for image_id, slot in slots.items()]
