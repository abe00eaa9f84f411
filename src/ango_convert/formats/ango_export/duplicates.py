"""A second record for one asset (the same externalId), found during the first pass.

Memory is one short string per asset (the set of ids seen), a few tens of MB for the
largest exports; the place of the first record is found by reading the file again,
which happens only when a duplicate is met.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from ango_convert.errors import ReadError, shown
from ango_convert.formats.ango_export.checks import where
from ango_convert.formats.ango_export.limits import Limits
from ango_convert.formats.ango_export.records import RawRecord, iter_records
from ango_convert.formats.ango_export.selection import Selection, Version, asset_key, select
from ango_convert.formats.ango_export.skips import Skips
from ango_convert.model import JSONValue


class Duplicates:
    """Spots a second record for one asset (same externalId) during pass 1.

    Args:
        rescan: Yields ``(asset key, place)`` of every kept record, in order.
    """

    def __init__(self, rescan: Callable[[], Iterator[tuple[str, str]]]) -> None:
        self._seen: set[str] = set()
        self._rescan = rescan
        self._pending: dict[str, list[dict[str, JSONValue]]] = {}

    @property
    def seen(self) -> set[str]:
        """The asset keys noted so far."""
        return self._seen

    def check(self, key: str, raw: RawRecord, skips: Skips) -> bool:
        """Note ``key``; False when it was seen before (strict: raises a ReadError)."""
        if key not in self._seen:
            self._seen.add(key)
            return True
        place = where(raw)
        if not skips.active:
            first = self._first_places({key}).get(key, "an earlier record")
            reason = f"duplicate externalId {shown(key)} (first at {first})"
            raise ReadError(raw.source, place, reason)
        skips.handle(ReadError(raw.source, place, f"duplicate externalId {shown(key)}"), raw.index)
        note = skips.notes[-1]
        if isinstance(note, dict):
            self._pending.setdefault(key, []).append(note)
        return False

    def finish(self) -> None:
        """Name the first record in each skip note about a duplicate (one more read)."""
        if not self._pending:
            return
        places = self._first_places(set(self._pending))
        for key, notes in self._pending.items():
            for note in notes:
                note["reason"] = f"{note['reason']} (first at {places.get(key, '?')})"
        self._pending.clear()

    def _first_places(self, keys: set[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for key, place in self._rescan():
            if key in keys and key not in found:
                found[key] = place
                if len(found) == len(keys):
                    break
        return found


def kept_keys(
    source: Path,
    version: Version,
    choice: Selection,
    skips: Skips,
    limits: Limits | None = None,
) -> Iterator[tuple[str, str]]:
    """(asset key, place) of each record pass 1 keeps, read again (to name duplicates)."""
    for raw in iter_records(source, tolerant=True, limits=limits):
        if raw.error is not None or raw.index in skips.indices:
            continue
        try:
            if select(raw.value, version, choice) is not None:
                place = raw.place if raw.source == str(source) else f"{raw.source}: {raw.place}"
                yield asset_key(raw.value), place
        except (ValueError, AttributeError):
            continue
