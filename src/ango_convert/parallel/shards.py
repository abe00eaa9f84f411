"""Items cut into shards: what a sharding reader hands a sharding writer."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from ango_convert.model import Item

#: Reads one shard's items, in order. Runs in a worker process (forked, so it may close
#: over anything the parent held when the workers started).
ShardReader = Callable[[], Iterable[Item]]


@dataclass(frozen=True)
class ShardedItems:
    """A dataset's items as shards whose concatenation, in order, is the items.

    Iterating it reads every shard in turn in this process, so a writer that knows
    nothing of shards still gets every item, in the same order. ``in_memory`` says the
    input is loaded whole anyway (a COCO document), so a writer may have every shard
    decoded at once; otherwise (an export read by byte range) it should hold one shard
    per worker at a time, to keep memory flat.
    """

    shards: Sequence[ShardReader]
    in_memory: bool = False

    def __iter__(self) -> Iterator[Item]:
        for read_shard in self.shards:
            yield from read_shard()


def sharded(items: Iterable[Item]) -> Sequence[ShardReader] | None:
    """The shards of ``items``, or None when its reader did not cut it into shards."""
    return items.shards if isinstance(items, ShardedItems) else None
