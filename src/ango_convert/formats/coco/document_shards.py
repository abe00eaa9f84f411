"""A loaded COCO document cut into shards of images for workers (``--jobs``).

The parent decodes the categories and images (a small part of the work) and sorts the
annotation records into shards by their image, which also proves the ids distinct.
Each worker, forked with the document in memory, decodes its shard's annotations with
the decoder a one-process read uses and builds its items, in the images' order. A
document the sorting cannot vouch for (a record that is not an object, an id that is
not an int or repeats, an image id no image has) is read in one process, which words
the problem as always.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy

from ango_convert.errors import ReadError
from ango_convert.formats.coco.annotations import decode_annotation
from ango_convert.formats.coco.document import decode_head, info_of, item_of
from ango_convert.formats.coco.keys import Located
from ango_convert.formats.coco.records import ImageSlot
from ango_convert.io.inputs import json_path
from ango_convert.model import Category, Dataset, Item
from ango_convert.parallel import Jobs, ShardedItems
from ango_convert.parallel.shards import ShardReader

#: Documents with fewer annotations are read in one process.
MIN_SHARDED_ANNOTATIONS = 50_000
#: Shards per worker: several, so a worker with dense images does not hold up the rest.
SHARDS_PER_WORKER = 4


def sharded_document(
    document: object, source: Path, jobs: Jobs, warnings: list[str] | None
) -> Dataset | None:
    """The dataset with its items in shards, or None to read it in one process."""
    if type(document) is not dict:
        return None
    annotations = document.get("annotations")
    if type(annotations) is not list or len(annotations) < MIN_SHARDED_ANNOTATIONS:
        return None
    noted: list[str] = []  # kept only if the shards are used: else the read notes again
    try:
        categories, images = decode_head(document, None, noted)
    except Located:
        return None
    owners = _owners(list(images), jobs.count * SHARDS_PER_WORKER)
    buckets = _buckets(annotations, owners, max(owners.values(), default=-1) + 1)
    if buckets is None:
        return None
    if warnings is not None:
        warnings += noted
    by_id = {category.id: category for category in categories}
    shard_images: list[list[int]] = [[] for _ in buckets]
    for image_id, shard in owners.items():
        shard_images[shard].append(image_id)
    readers = [
        _reader(source, images, by_id, annotations, ids, bucket)
        for ids, bucket in zip(shard_images, buckets, strict=True)
    ]
    return Dataset(
        categories=tuple(categories),
        items=ShardedItems(readers, in_memory=True),
        info=info_of(document),
    )


def _owners(image_ids: list[int], shards: int) -> dict[int, int]:
    """Each image's shard: consecutive runs of images, in document order."""
    size = max(1, -(-len(image_ids) // max(1, shards)))
    return {image_id: position // size for position, image_id in enumerate(image_ids)}


def _buckets(
    annotations: list[Any], owners: Mapping[int, int], shards: int
) -> list[list[int]] | None:
    """The indices of each shard's annotation records, or None (see the module docs).

    Comprehensions and numpy, not a loop: this is the one pass over the annotations
    that the parent makes before the workers start.
    """
    owner = owners.get
    try:
        if len({record["id"] for record in annotations}) != len(annotations):
            return None  # a repeated id: the one-process read names both records
        places = [owner(record["image_id"]) for record in annotations]
    except (TypeError, KeyError):  # not an object, no id, an unhashable one...
        return None
    if None in places:
        return None
    by_shard = numpy.array(places, dtype=numpy.int64)
    order = numpy.argsort(by_shard, kind="stable")  # document order within each shard
    ends = numpy.cumsum(numpy.bincount(by_shard, minlength=shards))
    return [part.tolist() for part in numpy.split(order, ends[:-1])]


def _reader(
    source: Path,
    images: Mapping[int, ImageSlot],
    categories: Mapping[int, Category],
    annotations: Sequence[Any],
    image_ids: list[int],
    indices: list[int],
) -> ShardReader:
    def read_shard() -> list[Item]:
        slots = {
            image_id: ImageSlot(slot.file_name, slot.width, slot.height, slot.attributes)
            for image_id in image_ids
            for slot in (images[image_id],)
        }
        seen: dict[int, int] = {}
        for index in indices:
            try:
                decode_annotation(slots, categories, seen, annotations[index], index)
            except Located as exc:
                raise ReadError(source, json_path(*exc.where), exc.reason) from exc
            except ValueError as exc:
                raise ReadError(source, json_path("annotations", index), str(exc)) from exc
        return [item_of(image_id, slot) for image_id, slot in slots.items()]

    return read_shard
