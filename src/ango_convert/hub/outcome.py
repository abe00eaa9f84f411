"""What Ango Hub says an import did: ``"N / M tasks are labeled."`` per batch.

Hub answers ``POST /v2/import/labels`` with 200 and ``{"data": {"project": "3 / 5 tasks
are labeled."}}`` even when some (or all) records matched no asset: an externalId that
differs from the asset's name is the most common failure, and the status code does not
show it. This module reads that sentence so the upload can count labelled against sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

_LABELLED = re.compile(r"(\d+)\s*/\s*(\d+)\s+tasks?\s+(?:are|is|were|was)\s+label{1,2}ed", re.I)


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """One batch: its index, records sent, and tasks Hub says it labelled (None: unsaid)."""

    index: int
    sent: int
    labelled: int | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {"batch": self.index, "sent": self.sent, "labelled": self.labelled}


def labelled_count(answer: Any) -> int | None:
    """The N of ``"N / M tasks are labeled."`` in an import answer, or None if absent.

    The sentence is looked for in the ``data`` member the client returns (its ``project``
    key, where Hub puts it) and, failing that, in any string value of it.
    """
    texts: list[str] = []
    if isinstance(answer, str):
        texts.append(answer)
    elif isinstance(answer, Mapping):
        first = answer.get("project")
        if isinstance(first, str):
            texts.append(first)
        texts.extend(value for value in answer.values() if isinstance(value, str))
    for text in texts:
        found = _LABELLED.search(text)
        if found:
            return int(found.group(1))
    return None


def journal_outcome(path: str | Path) -> tuple[int, int]:
    """(labelled, sent) over the batches an upload journal already holds, counting only
    those for which Hub's answer said how many tasks were labelled.

    A rerun does not resend confirmed batches, so their outcome comes from here. The
    journal itself is checked by :class:`~ango_convert.hub.journal.Journal`; lines this
    cannot read are left out.
    """
    labelled = sent = 0
    try:
        lines = Path(path).read_bytes().splitlines()[1:]
    except OSError:
        return 0, 0
    for raw in lines:
        try:
            entry = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("count"), int):
            continue
        count = entry.get("labelled")
        if isinstance(count, int) and not isinstance(count, bool):
            labelled += count
            sent += entry["count"]
    return labelled, sent
