"""Items waiting for their partner in the other dataset, in bounded memory.

Up to ``in_memory`` items are held as they are; once that many wait, every further item
goes to a private temporary SQLite file (pickled, keyed by its name) until the pairing
is over, so two streams listing their items in different orders are still compared in
flat memory. Items of one key come back first in, first out.
"""

from __future__ import annotations

import io
import pickle
import shutil
import sqlite3
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ango_convert.model import (
    Box,
    Classification,
    Item,
    Keypoints,
    Mask,
    Point,
    Polygon,
    Polyline,
    RotatedBox,
    Zone,
)

#: Items held in memory before the rest wait on disk.
IN_MEMORY = 2_000


class WaitingItems:
    """A first-in, first-out queue of items per key (see the module docs)."""

    def __init__(self, in_memory: int | None = None) -> None:
        self._limit = IN_MEMORY if in_memory is None else in_memory
        self._memory: dict[str, deque[Item]] = {}
        self._held = 0
        self._folder: str | None = None
        self._disk: sqlite3.Connection | None = None
        self._spilled = 0

    def __len__(self) -> int:
        return self._held + self._spilled

    def put(self, key: str, item: Item) -> None:
        """Queue ``item`` under ``key``."""
        # Once items spill, later ones spill too: an item never waits in memory behind
        # an older one of its key on disk.
        if self._disk is None and self._held < self._limit:
            self._memory.setdefault(key, deque()).append(item)
            self._held += 1
            return
        disk = self._disk or self._open()
        disk.execute("INSERT INTO waiting (key, item) VALUES (?, ?)", (key, _dumped(item)))
        self._spilled += 1

    def take(self, key: str) -> Item | None:
        """The oldest item queued under ``key`` (removed), or None."""
        queue = self._memory.get(key)
        if queue:
            self._held -= 1
            item = queue.popleft()
            if not queue:
                del self._memory[key]
            return item
        if not self._spilled or self._disk is None:
            return None
        row = self._disk.execute(
            "SELECT rowid, item FROM waiting WHERE key = ? ORDER BY rowid LIMIT 1", (key,)
        ).fetchone()
        if row is None:
            return None
        self._disk.execute("DELETE FROM waiting WHERE rowid = ?", (row[0],))
        self._spilled -= 1
        return _loaded(row[1])

    def drain(self) -> Iterator[Item]:
        """Every item still waiting, oldest first per place (memory, then disk), removed."""
        memory, self._memory, self._held = self._memory, {}, 0
        for queue in memory.values():
            yield from queue
        if self._disk is not None and self._spilled:
            rows = self._disk.execute("SELECT item FROM waiting ORDER BY rowid")
            for (data,) in rows:
                yield _loaded(data)
            self._disk.execute("DELETE FROM waiting")
            self._spilled = 0

    def close(self) -> None:
        """Remove the temporary file, if any."""
        if self._disk is not None:
            self._disk.close()
            self._disk = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
        self._spilled = 0

    def _open(self) -> sqlite3.Connection:
        self._folder = tempfile.mkdtemp(prefix="ango-diff-")  # private: mode 0700
        disk = sqlite3.connect(Path(self._folder) / "waiting.sqlite", isolation_level=None)
        disk.execute("PRAGMA journal_mode = OFF")
        disk.execute("PRAGMA synchronous = OFF")
        disk.execute("CREATE TABLE waiting (key TEXT NOT NULL, item BLOB NOT NULL)")
        disk.execute("CREATE INDEX waiting_key ON waiting (key)")
        disk.execute("BEGIN")  # one transaction, never committed: nothing needs to last
        self._disk = disk
        return disk


# --- a faster pickling of the IR's slotted dataclasses ---------------------------------
# Their default pickling goes through dataclasses' own __getstate__/__setstate__, which
# look up the fields of every object anew (two thirds of the cost of a spill).

_SLOTTED: tuple[type, ...] = (
    Item,
    Box,
    RotatedBox,
    Polygon,
    Zone,
    Polyline,
    Point,
    Keypoints,
    Mask,
    Classification,
)
_NAMES: dict[type, tuple[str, ...]] = {kind: tuple(vars(kind)["__slots__"]) for kind in _SLOTTED}
_SETTERS: dict[type, tuple[Callable[[Any, Any], None], ...]] = {
    kind: tuple(getattr(kind, name).__set__ for name in names) for kind, names in _NAMES.items()
}


def _rebuilt(kind: type, values: tuple[Any, ...]) -> Any:
    """An IR object from its slot values (as :func:`checked_box` builds boxes)."""
    made: Any = object.__new__(kind)
    for setter, value in zip(_SETTERS[kind], values, strict=True):
        setter(made, value)
    return made


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        names = _NAMES.get(type(obj))
        if names is None:
            return NotImplemented
        return _rebuilt, (type(obj), tuple([getattr(obj, name) for name in names]))


def _dumped(item: Item) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(item)
    return buffer.getvalue()


def _loaded(data: bytes) -> Item:
    # Only ever bytes this process pickled into its own private file.
    item = pickle.loads(data)
    assert isinstance(item, Item)
    return item
