"""Writing a VOC folder from sharded items with several workers (``--jobs``).

Each worker reads its shard's items and says what each XML file would be named; the
parent settles the unique names in shard order, as a one-process write does item by
item; the worker then writes its XML files (and places its images) into the folder
being built with the one-process write's own per-item code, and sends back what it
counted and its split lists, which the parent merges in shard order. The files and
lists are those a one-process write gives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ango_convert.io.names import UniqueNames
from ango_convert.model import Item
from ango_convert.parallel import Jobs
from ango_convert.parallel.jobs import Stages
from ango_convert.parallel.shards import ShardedItems

#: The name an item asks for: the XML file name and its byte limit.
NameRequest = tuple[str, int]


class Share(Protocol):
    """Writes items under their claimed stems and says what it counted."""

    def write(self, item: Item, stem: str) -> None:
        """Write one item."""

    def summary(self) -> Any:
        """What was counted, to send to the parent (picklable)."""


@dataclass
class _Survey:
    requests: list[NameRequest]
    read_facts: object = None  # the reader's, for ShardedItems.vouch


def claim_stem(names: UniqueNames, request: NameRequest) -> str:
    """The unique stem for ``request``, claimed in ``names``."""
    name, limit = request
    return names.claim_name(name, limit=limit)[: -len(".xml")]


def write_sharded(
    items: ShardedItems,
    request: Callable[[Item], NameRequest],
    open_share: Callable[[], Share],
    take: Callable[[Any], None],
    jobs: Jobs,
) -> None:
    """Write every shard's items across ``jobs`` through a share each worker opens,
    the names claimed in order from ``request``, each share's summary given to ``take``
    in shard order."""
    names = UniqueNames()

    def survey(k: int) -> tuple[list[Item], _Survey]:
        held = list(items.shards[k]())
        found = _Survey([request(item) for item in held])
        found.read_facts = items.facts(k)
        return held, found

    def settle(k: int, found: _Survey) -> list[str]:
        items.vouch(k, found.read_facts)
        return [claim_stem(names, each) for each in found.requests]

    def emit(held: list[Item], stems: list[str]) -> Any:
        share = open_share()
        for item, stem in zip(held, stems, strict=True):
            share.write(item, stem)
        return share.summary()

    jobs.staged(len(items.shards), Stages(survey, settle, emit, lambda k, summary: take(summary)))
