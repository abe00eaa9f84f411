"""Reading a COCO file larger than memory: chunks in, annotations spilled by image.

The file is mapped and cut by :mod:`.stream_scan`; then, as the in-memory walk does
(:func:`.document.parse_document`), categories are decoded first, images next and the
annotations last, each record by its one decoder and in document order, so errors,
``on_error="skip"`` notes and duplicate-id checks are the same, whatever order the
members have in the file.

Only the annotations are not kept: each one that decodes is written, as the JSON it was
read from with its index, to the bucket file of its image's position (images in
``$.images`` order, cut into buckets of consecutive images), in a private temporary
folder. :class:`SpilledItems` then yields the items bucket by bucket: it decodes that
bucket's annotations onto fresh image slots and builds the items in ``$.images`` order,
each with its annotations in document order, as the in-memory path does. Memory holds
the images, one chunk of the file while reading, and one bucket while yielding.
"""

from __future__ import annotations

import mmap
import shutil
import tempfile
import weakref
from array import array
from collections.abc import Iterable, Iterator, MutableMapping
from pathlib import Path
from typing import IO, Any

import orjson

from ango_convert.errors import ReadError
from ango_convert.formats.coco.annotations import decode_annotation
from ango_convert.formats.coco.document import Skip, info_of, item_of, read_categories, read_images
from ango_convert.formats.coco.document import _left_out as left_out
from ango_convert.formats.coco.keys import section
from ango_convert.formats.coco.records import ImageSlot
from ango_convert.formats.coco.stream_scan import Members, Scanner
from ango_convert.model import Category, Dataset, Item

#: Bytes of annotation JSON per bucket: one bucket's annotations are held at a time.
BUCKET_BYTES = 16 * 2**20
#: At most this many bucket files (open at once while spilling).
MAX_BUCKETS = 256


def read_streamed(source: Path, skip: Skip | None, warnings: list[str] | None) -> Dataset:
    """Read the COCO file ``source`` in bounded memory.

    Args:
        source: The JSON file (not stdin: it is mapped).
        skip: As for :func:`.document.parse_document`.
        warnings: As for :func:`.document.parse_document`.

    Raises:
        Located: A bad record, with its JSON path (or ``skip`` is told and the read goes on).
        Malformed: The file is not valid JSON, with the byte offset.
        ReadError: The file cannot be opened.
    """
    with _mapped(source) as data:
        scanner = Scanner(data)
        members = scanner.members()
        categories = read_categories(_records(scanner, members, "categories"), skip, warnings)
        images = read_images(_records(scanner, members, "images"), skip)
        by_id = {category.id: category for category in categories}
        folder = Path(tempfile.mkdtemp(prefix="ango-convert-coco-"))
        try:
            span = members.spans.get("annotations", 0)
            buckets = max(1, min(MAX_BUCKETS, -(-span // BUCKET_BYTES), len(images)))
            items = SpilledItems(folder, images, by_id, buckets)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        # From here on the items own the folder (removed when they go, or at exit).
        try:
            items.spill(_records(scanner, members, "annotations"), skip)
        except BaseException:
            items.remove()
            raise
    return Dataset(categories=tuple(categories), items=items, info=info_of(members.values))


class _Mapped:
    """The file mapped read-only (an empty file maps to no bytes)."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.data: mmap.mmap | bytes = b""

    def __enter__(self) -> mmap.mmap | bytes:
        try:
            with self.source.open("rb") as stream:
                if stream.seek(0, 2):
                    self.data = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
        except FileNotFoundError:
            raise ReadError(self.source, None, "no such file") from None
        except IsADirectoryError:
            raise ReadError(self.source, None, "is a folder, expected a file") from None
        except OSError as exc:
            raise ReadError(self.source, None, exc.strerror or str(exc)) from exc
        return self.data

    def __exit__(self, *exc: object) -> None:
        if isinstance(self.data, mmap.mmap):
            self.data.close()


def _mapped(source: Path) -> _Mapped:
    return _Mapped(source)


def _records(scanner: Scanner, members: Members, key: str) -> Iterator[tuple[int, Any]]:
    """(index, record) of the array ``key``, chunk by chunk; a member that is not an
    array reads as :func:`.keys.section` reads it (missing or null: empty)."""
    chunks = members.arrays.get(key)
    if chunks is None:
        yield from enumerate(section(members.values, key))
        return
    for chunk in chunks:
        records = scanner.load(chunk)
        scanner.release(chunk)
        yield from enumerate(records, chunk.first)


class SpilledItems(Iterable[Item]):
    """The items of a streamed COCO file: a re-iterable over spilled annotation buckets.

    Every pass reads the buckets again (one at a time). The bucket folder is removed when
    this object is garbage-collected, or when the interpreter exits.
    """

    def __init__(
        self,
        folder: Path,
        images: dict[int, ImageSlot],
        categories: dict[int, Category],
        buckets: int,
    ) -> None:
        self._folder = folder
        self._images = images
        self._categories = categories
        self._ids = list(images)  # image ids in $.images order
        self._per_bucket = max(1, -(-len(self._ids) // buckets))
        self._buckets = buckets
        self._written: set[int] = set()  # buckets with a file (a missing one is an error)
        self._cleanup = weakref.finalize(self, shutil.rmtree, str(folder), True)

    def remove(self) -> None:
        """Remove the bucket folder now (the items can no longer be read)."""
        self._cleanup()

    def _bucket_path(self, bucket: int) -> Path:
        return self._folder / f"{bucket}.ndjson"

    def spill(self, records: Iterable[tuple[int, Any]], skip: Skip | None) -> None:
        """Decode every annotation in document order (the errors and checks of the
        in-memory path) and write each one that reads to its image's bucket."""
        images, categories = self._images, self._categories
        per_bucket = self._per_bucket
        position = {image_id: index for index, image_id in enumerate(self._ids)}
        seen = IdIndex()
        files: dict[int, IO[bytes]] = {}
        pending: dict[int, tuple[list[int], list[Any]]] = {}
        pending_count = 0
        try:
            for index, record in records:
                try:
                    decode_annotation(images, categories, seen, record, index)
                except ValueError as exc:
                    left_out(exc, ("annotations", index), skip)
                    continue
                image_id = record["image_id"]  # decoded: an int or an integral float
                if type(image_id) is not int:
                    image_id = int(image_id)
                images[image_id].annotations.clear()  # decoded again when yielded
                bucket = position[image_id] // per_bucket
                group = pending.get(bucket)
                if group is None:
                    group = pending[bucket] = ([], [])
                group[0].append(index)
                group[1].append(record)
                pending_count += 1
                if pending_count >= 32768:
                    self._flush(pending, files)
                    pending_count = 0
            self._flush(pending, files)
        finally:
            for stream in files.values():
                stream.close()

    def _flush(
        self, pending: dict[int, tuple[list[int], list[Any]]], files: dict[int, IO[bytes]]
    ) -> None:
        """Append each bucket's pending records as one line ``[indices, records]``."""
        for bucket, group in pending.items():
            stream = files.get(bucket)
            if stream is None:
                stream = files[bucket] = self._bucket_path(bucket).open("ab")
                self._written.add(bucket)
            stream.write(orjson.dumps(group) + b"\n")
        pending.clear()

    def __iter__(self) -> Iterator[Item]:
        ids, images, categories = self._ids, self._images, self._categories
        per_bucket = self._per_bucket
        for bucket in range(self._buckets):
            chosen = ids[bucket * per_bucket : (bucket + 1) * per_bucket]
            slots = {
                image_id: ImageSlot(slot.file_name, slot.width, slot.height, slot.attributes)
                for image_id in chosen
                for slot in (images[image_id],)
            }
            if bucket in self._written:
                seen: dict[int, int] = {}
                with self._bucket_path(bucket).open("rb") as lines:
                    for line in lines:
                        indices, records = orjson.loads(line)
                        for index, record in zip(indices, records, strict=True):
                            decode_annotation(slots, categories, seen, record, index)
            for image_id in chosen:
                yield item_of(image_id, slots[image_id])


class IdIndex(MutableMapping[int, int]):
    """Annotation id -> index of the record that has it, for the duplicate check.

    A dict costs about 100 bytes an entry: 750 MB for the 7.5 million annotations of a
    1 GB file. Ids are mostly small and dense (1..N), so those go in an array of 8 bytes
    an id (index + 1; 0: not seen), growing up to twice the entries; others in a dict.
    """

    _DENSE_MIN = 1 << 20

    def __init__(self) -> None:
        self._dense = array("q")
        self._length = 0  # len(self._dense), read once per record
        self._sparse: dict[int, int] = {}
        self._count = 0

    def __contains__(self, key: object) -> bool:
        if type(key) is int and 0 <= key < self._length and self._dense[key]:
            return True
        return key in self._sparse  # also ids set before the array grew past them

    def __getitem__(self, key: int) -> int:
        if 0 <= key < self._length and self._dense[key]:
            return self._dense[key] - 1
        return self._sparse[key]

    def __setitem__(self, key: int, index: int) -> None:
        """Set ``key`` once (the decoders test ``in`` first; a key is never set twice)."""
        self._count += 1
        if 0 <= key < self._length:
            self._dense[key] = index + 1
        elif 0 <= key < max(self._DENSE_MIN, 2 * self._count):
            grown = max(key + 1, 2 * self._length)
            self._dense.frombytes(bytes(8 * (grown - self._length)))
            self._length = grown
            self._dense[key] = index + 1
        else:
            self._sparse[key] = index

    def __delitem__(self, key: int) -> None:
        raise NotImplementedError("ids are never forgotten")

    def __iter__(self) -> Iterator[int]:
        dense = self._dense
        yield from (key for key in range(len(dense)) if dense[key])
        yield from self._sparse

    def __len__(self) -> int:
        return self._count
