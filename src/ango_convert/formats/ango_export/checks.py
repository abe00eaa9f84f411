"""Record checks of the Ango export reader's first pass, and what its passes leave out.

:class:`Skips` is the ``on_error`` policy: strict raises the first error; skip notes it
(file, place, reason) and remembers the record's index so the decoding pass passes the
record by without noting it twice. :class:`Duplicates` finds a second record for one
asset during pass 1.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ango_convert.errors import Issue, OnError, ReadError, SchemaValidationError
from ango_convert.formats.ango.decode import UnknownTools
from ango_convert.formats.ango_export.assets import (
    Answer,
    ItemRules,
    asset_key,
    check_tool_keys,
    pages_of,
    select,
)
from ango_convert.formats.ango_export.extras import metadata_size
from ango_convert.formats.ango_export.records import RawRecord, iter_records
from ango_convert.model import JSONValue

#: The reader's logger (these checks are part of it).
logger = logging.getLogger("ango_convert.formats.ango_export")
#: Issues listed from one invalid record; the rest are counted.
MAX_ISSUES = 20


@dataclass
class Skips:
    """What ``on_error="skip"`` left out: notes for the report, indices for pass 2.

    Args:
        on_error: ``strict`` raises every error handed to :meth:`handle`.
    """

    on_error: OnError = "strict"
    notes: list[dict[str, JSONValue]] = field(default_factory=list)
    indices: set[int] = field(default_factory=set)

    @property
    def active(self) -> bool:
        """True in skip mode."""
        return self.on_error == "skip"

    def handle(
        self,
        error: ReadError | SchemaValidationError,
        index: int,
        *,
        note: ReadError | None = None,
    ) -> None:
        """Raise ``error`` (strict), or note it (``note`` when given) once and leave
        record ``index`` out (skip)."""
        if not self.active:
            raise error
        if index in self.indices:
            return
        self.indices.add(index)
        noted = note or error
        if isinstance(noted, ReadError):
            self.notes.append(noted.note())


def where(raw: RawRecord) -> str:
    """A record's place with its asset name: ``line 3 (externalId 'a.jpg')``."""
    try:
        return f"{raw.place} (externalId {asset_key(raw.value)!r})"
    except (ValueError, AttributeError):
        return raw.place


def checked(
    raw: RawRecord, rules: ItemRules, unknown_tools: UnknownTools, validate: bool
) -> list[Answer] | None:
    """The answers of a sound record (None when filtered out); errors name the record.

    Raises:
        ReadError: The record does not parse, or breaks a rule (sizes, tools, frames).
        SchemaValidationError: ``validate`` and the record breaks its schema.
    """
    if raw.error is not None:
        raise raw.error
    if validate:
        check_schema(raw, f"ango-export-{rules.version}-record")
    try:
        answers = select(raw.value, rules.version, rules.selection)
        if answers is None:
            return None
        if unknown_tools == "error":
            check_tool_keys(answers)
        if rules.frames == "refuse" and pages_of(answers):
            raise ValueError("asset has objects on frames/pages; frames=refuse refuses it")
        rules.splitter.split_of(asset_key(raw.value), raw.value.get("batches") or ())
        metadata_size(raw.value)
    except ValueError as exc:
        raise ReadError(raw.source, where(raw), str(exc)) from None
    return answers


def check_schema(raw: RawRecord, schema: str) -> None:
    """Check one record against its schema (``ango-export-v3-record``...).

    Raises:
        SchemaValidationError: Naming the record and up to :data:`MAX_ISSUES` problems.
    """
    from ango_convert import validation

    prefix = f"$[{raw.index}]"
    issues = validation.definition_issues(
        raw.value, schema.removesuffix("-record"), "record", prefix
    )
    if issues:
        more = len(issues) - MAX_ISSUES
        listed: list[Issue] = issues[:MAX_ISSUES]
        if more > 0:
            listed.append(Issue(prefix, f"and {more} more"))
        raise SchemaValidationError(f"{raw.source}: {where(raw)}", schema, listed)


def schema_note(raw: RawRecord, error: SchemaValidationError) -> ReadError:
    """A schema failure as a skip note: the record, its first problem and the count."""
    first = error.issues[0] if error.issues else "invalid"
    more = f" (and {len(error.issues) - 1} more)" if len(error.issues) > 1 else ""
    return ReadError(raw.source, where(raw), f"breaks schema {error.schema}: {first}{more}")


def kept_keys(source: Path, rules: ItemRules, skips: Skips) -> Iterator[tuple[str, str]]:
    """(asset key, place) of each record pass 1 keeps, read again (to name duplicates)."""
    for raw in iter_records(source, tolerant=True):
        if raw.error is not None or raw.index in skips.indices:
            continue
        try:
            if select(raw.value, rules.version, rules.selection) is not None:
                place = raw.place if raw.source == str(source) else f"{raw.source}: {raw.place}"
                yield asset_key(raw.value), place
        except (ValueError, AttributeError):
            continue


def why_left_out(record: Any, rules: ItemRules) -> str:
    """``filtered`` (batch, status, stage filters) or ``no snapshot`` (of ``stage``)."""
    if rules.selection.stage is None:
        return "filtered"
    without_stage = dataclasses.replace(rules.selection, stage=None)
    return "filtered" if select(record, rules.version, without_stage) is None else "no snapshot"


def log_left_out(counts: Counter[str], rules: ItemRules) -> None:
    """Log how many assets the filters and the stage choice left out."""
    if counts["filtered"]:
        logger.info(
            "%d of %d asset(s) left out by the filters", counts["filtered"], counts["records"]
        )
    if counts["no snapshot"]:
        logger.warning(
            "%d of %d asset(s) never reached stage %r (no stageHistory entry) and are left out",
            counts["no snapshot"],
            counts["records"],
            rules.selection.stage,
        )


class Duplicates:
    """Spots a second record for one asset (same externalId) during pass 1.

    Memory is one short string per asset (the set of ids seen), a few tens of MB for
    the largest exports; the place of the first record is found by reading the file
    again, which happens only when a duplicate is met.

    Args:
        rescan: Yields ``(asset key, place)`` of every kept record, in order.
    """

    def __init__(self, rescan: Callable[[], Iterator[tuple[str, str]]]) -> None:
        self._seen: set[str] = set()
        self._rescan = rescan
        self._pending: dict[str, list[dict[str, JSONValue]]] = {}

    def check(self, key: str, raw: RawRecord, where: str, skips: Skips) -> bool:
        """Note ``key``; False when it was seen before (strict: raises a ReadError)."""
        if key not in self._seen:
            self._seen.add(key)
            return True
        if not skips.active:
            first = self._first_places({key}).get(key, "an earlier record")
            raise ReadError(raw.source, where, f"duplicate externalId {key!r} (first at {first})")
        skips.handle(ReadError(raw.source, where, f"duplicate externalId {key!r}"), raw.index)
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
