"""Pairing the items of two datasets: by file name, then, among the rest, by item id.

File names are compared as the sources give them, with backslashes read as slashes and
a leading ``./`` dropped; the n-th item of a name in A pairs with the n-th of that name
in B. Items left over once both datasets are read pair by equal ``id``.

Memory: when one dataset is held in memory (a tuple or list of items), it is indexed by
name and the other is streamed past it. When both are streams (Ango exports), both are
read side by side and an item waits only until its partner arrives: nothing waits when
both list their items in the same order (a dataset and its own conversion, two exports
of one project). Waiting items, and items left unpaired, are held in memory up to a
bound and past it in a temporary file (:mod:`ango_convert.views.waiting`), so memory
stays flat whatever the order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from itertools import zip_longest

from ango_convert.model import Item
from ango_convert.views.waiting import WaitingItems

ItemPair = tuple[Item | None, Item | None]


def name_key(item: Item) -> str:
    """The name an item is paired by."""
    name = item.file_name.replace("\\", "/")
    while name.startswith("./"):
        name = name[2:]
    return name


def paired_items(first: Iterable[Item], second: Iterable[Item]) -> Iterator[ItemPair]:
    """Every item of ``first`` and ``second``, paired where they are the same item.

    Yields:
        ``(a, b)`` for paired items, ``(a, None)`` for items only in ``first`` and
        ``(None, b)`` for items only in ``second``.
    """
    left_first, left_second = WaitingItems(), WaitingItems()
    try:
        if isinstance(second, Sequence):
            yield from _past_index(first, second, left_first, left_second, flipped=False)
        elif isinstance(first, Sequence):
            yield from _past_index(second, first, left_second, left_first, flipped=True)
        else:
            yield from _side_by_side(first, second, left_first, left_second)
        yield from _by_id(left_first, left_second)
    finally:
        left_first.close()
        left_second.close()


def _past_index(
    streamed: Iterable[Item],
    held: Sequence[Item],
    left_streamed: WaitingItems,
    left_held: WaitingItems,
    *,
    flipped: bool,
) -> Iterator[ItemPair]:
    """Stream ``streamed`` past an index of ``held``, keeping what is left of each."""
    index: dict[str, deque[Item]] = {}
    for item in held:
        index.setdefault(name_key(item), deque()).append(item)
    for item in streamed:
        key = name_key(item)
        partners = index.get(key)
        if partners:
            partner = partners.popleft()
            yield (partner, item) if flipped else (item, partner)
        else:
            left_streamed.put(key, item)
    for key, partners in index.items():
        for item in partners:
            left_held.put(key, item)


def _side_by_side(
    first: Iterable[Item],
    second: Iterable[Item],
    waiting_first: WaitingItems,
    waiting_second: WaitingItems,
) -> Iterator[ItemPair]:
    """Read both streams together; what is left unpaired stays waiting."""
    for item_a, item_b in zip_longest(first, second):
        if item_a is not None:
            key = name_key(item_a)
            partner = waiting_second.take(key)
            if partner is None:
                waiting_first.put(key, item_a)
            else:
                yield item_a, partner
        if item_b is not None:
            key = name_key(item_b)
            partner = waiting_first.take(key)
            if partner is None:
                waiting_second.put(key, item_b)
            else:
                yield partner, item_b


def _by_id(left_first: WaitingItems, left_second: WaitingItems) -> Iterator[ItemPair]:
    by_id = WaitingItems()
    try:
        for item in left_second.drain():
            by_id.put(item.id, item)
        for item in left_first.drain():
            yield item, by_id.take(item.id)
        for item in by_id.drain():
            yield None, item
    finally:
        by_id.close()
