"""Items cut into shards: what a sharding reader hands a sharding writer."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from ango_convert.model import Item

#: Reads one shard's items, in order. Runs in a worker process (forked, so it may close
#: over anything the parent held when the workers started).
ShardReader = Callable[[], Iterable[Item]]


class ShardCheck(Protocol):
    """What a reader can only vouch for once it has seen every shard (ids that must not
    repeat across shards, say)."""

    def facts(self, k: int) -> object:
        """In the worker, after shard ``k``'s items were all taken: what the parent
        needs to know of it (small: it crosses a pipe)."""

    def vouch(self, k: int, facts: object) -> None:
        """In the parent, in shard order, before anything of shard ``k`` is written.

        Raises:
            ShardFailed: The shards do not add up to what a one-process read gives; the
                conversion then runs in one process, which says what is wrong.
        """


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
    check: ShardCheck | None = None

    def __iter__(self) -> Iterator[Item]:
        for k, read_shard in enumerate(self.shards):
            yield from read_shard()
            self.vouch(k, self.facts(k))

    def facts(self, k: int) -> object:
        """:meth:`ShardCheck.facts` of shard ``k`` (None without a check)."""
        return None if self.check is None else self.check.facts(k)

    def vouch(self, k: int, facts: object) -> None:
        """:meth:`ShardCheck.vouch` for shard ``k`` (nothing without a check)."""
        if self.check is not None:
            self.check.vouch(k, facts)


def sharded(items: Iterable[Item]) -> ShardedItems | None:
    """``items`` when its reader cut it into shards, else None."""
    return items if isinstance(items, ShardedItems) else None


def runs(count: int, pieces: int) -> list[range]:
    """``range(count)`` cut into at most ``pieces`` consecutive runs of equal length (the
    last may be shorter), none empty."""
    size = max(1, -(-count // max(1, pieces)))
    return [range(first, min(first + size, count)) for first in range(0, count, size)]
