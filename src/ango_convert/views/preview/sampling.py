"""A seeded random sample of a stream of items, in bounded memory (reservoir sampling)."""

from __future__ import annotations

import random
from collections.abc import Iterable

from ango_convert.model import Item


def reservoir_sample(items: Iterable[Item], size: int, seed: int) -> tuple[list[Item], int]:
    """Pick ``size`` items uniformly at random, reading the stream once.

    Every item has the same chance to be picked whatever the stream's length (Algorithm
    R), and the same seed over the same items picks the same ones.

    Returns:
        The picked items in the order the stream gave them, and how many items it gave.
    """
    if size < 1:
        raise ValueError(f"sample size must be at least 1, got {size}")
    chance = random.Random(seed)
    kept: list[tuple[int, Item]] = []
    seen = 0
    for seen, item in enumerate(items, start=1):
        if seen <= size:
            kept.append((seen, item))
            continue
        slot = chance.randrange(seen)
        if slot < size:
            kept[slot] = (seen, item)
    kept.sort(key=lambda entry: entry[0])
    return [item for _, item in kept], seen
