"""Train/val/test splits of an Ango export's items (the ``split`` the writers read).

``split_by="batch"`` takes the split from the asset's batch names (train/val/test, or a
``split_map`` such as ``"Batch A=train,Batch B=val"``); ``split_by="ratio"`` hashes the
seed and the externalId, so the assignment does not depend on record order, and every
frame of a video lands in the same split.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

SplitBy = Literal["none", "batch", "ratio"]
SPLIT_NAMES = ("train", "val", "test")
_SPLIT_ALIASES = {
    "train": "train",
    "training": "train",
    "val": "val",
    "valid": "val",
    "validation": "val",
    "test": "test",
    "testing": "test",
}


@dataclass(frozen=True, slots=True)
class Splitter:
    """Assigns items to train/val/test, by batch name or by a seeded hash of the asset."""

    by: SplitBy = "none"
    fractions: tuple[float, ...] = ()
    seed: int = 0
    batch_map: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, by: SplitBy, ratios: str, seed: int, split_map: str) -> Splitter:
        """Check and parse the split options.

        Raises:
            ValueError: Ratios that are not 2 or 3 positive numbers, or a bad split_map.
        """
        fractions: tuple[float, ...] = ()
        if by == "ratio":
            fractions = _parse_ratios(ratios)
        return cls(by, fractions, seed, _parse_split_map(split_map))

    def split_of(self, key: str, batches: Sequence[Any]) -> str | None:
        """The split of an asset (all its frames share it, so no frame leaks across).

        Raises:
            ValueError: ``by="batch"`` and no batch of the asset names a split.
        """
        if self.by == "none":
            return None
        if self.by == "ratio":
            digest = hashlib.sha256(f"{self.seed}\0{key}".encode()).digest()
            point = int.from_bytes(digest[:8], "big") / 2**64
            total = 0.0
            for name, fraction in zip(SPLIT_NAMES, self.fractions, strict=False):
                total += fraction
                if point < total:
                    return name
            return SPLIT_NAMES[len(self.fractions) - 1]
        for batch in batches:
            if isinstance(batch, str):
                split = self.batch_map.get(batch) or _SPLIT_ALIASES.get(batch.strip().casefold())
                if split:
                    return split
        names = [b for b in batches if isinstance(b, str)]
        raise ValueError(
            f"no batch names a split (batches: {names}); name batches train/val/test "
            "or map them with split_map='Batch A=train,Batch B=val'"
        )


def _parse_ratios(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ValueError(f"ratios must be numbers such as 0.8,0.2, got {text!r}") from None
    if len(values) not in (2, 3) or min(values) <= 0 or not all(v < float("inf") for v in values):
        raise ValueError(f"ratios must be 2 or 3 positive numbers (train,val[,test]), got {text!r}")
    total = sum(values)
    return tuple(value / total for value in values)


def _parse_split_map(text: str) -> dict[str, str]:
    result = {}
    for pair in (part for part in text.split(",") if part.strip()):
        batch, sep, split = pair.partition("=")
        target = _SPLIT_ALIASES.get(split.strip().casefold())
        if not sep or not batch.strip() or target is None:
            raise ValueError(f"split_map entries look like 'Batch A=train', got {pair!r}")
        result[batch.strip()] = target
    return result
