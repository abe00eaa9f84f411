"""Bounded-memory tallies for the views: spreads of values and counts of distinct values.

Whatever the dataset's size, each tally holds a fixed amount: counts of distinct small
integers, a fixed histogram, or at most :data:`MAX_VALUES` distinct values per key.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

#: Distinct values counted per attribute key; further new values count as "other".
MAX_VALUES = 1000
#: Attribute keys counted; further new keys are counted together.
MAX_KEYS = 200
OTHER = "(other)"
#: Values a histogram buffers before binning them.
FLUSH_EVERY = 4096


@dataclass(frozen=True, slots=True)
class Spread:
    """The smallest, middle and largest of some values, and their mean."""

    min: float
    median: float
    max: float
    mean: float

    def to_dict(self) -> dict[str, float]:
        """A JSON-ready form."""
        return {"min": self.min, "median": self.median, "max": self.max, "mean": self.mean}


def spread_of_counts(counts: Counter[int]) -> Spread | None:
    """The exact spread of integers given as ``{value: how often}``; None when empty."""
    total = sum(counts.values())
    if not total:
        return None
    ordered = sorted(counts)
    low_rank, high_rank = (total - 1) // 2, total // 2
    low = high = None
    seen = 0
    for value in ordered:
        seen += counts[value]
        if low is None and seen > low_rank:
            low = value
        if seen > high_rank:
            high = value
            break
    assert low is not None and high is not None
    mean = sum(value * count for value, count in counts.items()) / total
    return Spread(min=ordered[0], median=(low + high) / 2, max=ordered[-1], mean=mean)


class Histogram:
    """Values in [0, 1] (larger ones in the last bin) with exact min, max and mean and a
    median to within ``1 / bins``.

    Values are buffered and binned :data:`FLUSH_EVERY` at a time by numpy: appending to
    a list is the cheapest thing to do once per object.
    """

    def __init__(self, bins: int = 1024) -> None:
        self.bins = bins
        self.counts = np.zeros(bins, dtype=np.int64)
        self.total = 0
        self.sum = 0.0
        self.min = float("inf")
        self.max = float("-inf")
        self.pending: list[float] = []

    def add(self, value: float) -> None:
        """Count one value."""
        self.pending.append(value)
        if len(self.pending) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        """Bin the buffered values."""
        if not self.pending:
            return
        values = np.asarray(self.pending, dtype=np.float64)
        self.pending = []
        indexes = np.clip((values * self.bins).astype(np.int64), 0, self.bins - 1)
        self.counts += np.bincount(indexes, minlength=self.bins)
        self.total += int(values.size)
        self.sum += float(values.sum())
        self.min = min(self.min, float(values.min()))
        self.max = max(self.max, float(values.max()))

    def spread(self) -> Spread | None:
        """The spread; the median is taken at the middle of the bins of the middle values,
        kept within [min, max]."""
        self.flush()
        if not self.total:
            return None
        cumulative = np.cumsum(self.counts)
        # The bins of the two middle values (one value when the count is odd), averaged.
        middle = [(self.total - 1) // 2 + 1, self.total // 2 + 1]
        bins = np.searchsorted(cumulative, middle)
        median = float((bins.mean() + 0.5) / self.bins)
        median = min(max(median, self.min), self.max)
        return Spread(min=self.min, median=median, max=self.max, mean=self.sum / self.total)


class ValueCounts:
    """How often each value of each key was seen, within :data:`MAX_KEYS` keys and
    :data:`MAX_VALUES` values a key; the rest are counted under :data:`OTHER`."""

    def __init__(self) -> None:
        self.by_key: dict[str, Counter[str]] = {}

    def add(self, key: str, value: str) -> None:
        """Count one value of one key."""
        values = self.by_key.get(key)
        if values is None:
            if len(self.by_key) >= MAX_KEYS:
                key = OTHER
                values = self.by_key.setdefault(key, Counter())
            else:
                values = self.by_key[key] = Counter()
        if value not in values and len(values) >= MAX_VALUES:
            value = OTHER
        values[value] += 1

    def to_dict(self) -> dict[str, dict[str, int]]:
        """Keys sorted, each with its values from the most frequent down."""
        return {
            key: dict(sorted(values.items(), key=lambda pair: (-pair[1], pair[0])))
            for key, values in sorted(self.by_key.items())
        }
