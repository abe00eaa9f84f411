"""Label upload: payload shapes, batching, and sending with a resumable journal.

Batch size. :data:`DEFAULT_BATCH_SIZE` is 500 labels, also cut at
:data:`MAX_BATCH_BYTES`. The weights:

* Rate limit: the standard plan allows 100 requests a minute, so 500 labels a request
  still moves 50,000 labels a minute, far more than a pre-labelling job needs; smaller
  batches would hit the limit sooner for nothing.
* Payload size: a label with a few boxes and classifications is 0.3-1 KB of JSON, so a
  batch is about 0.2-0.5 MB, well under common proxy body limits (1-10 MB) and quick for
  the server to answer inside the read timeout. The byte cap keeps batches of heavy
  labels (long polygons, many objects) near 4 MB whatever their count.
* Retry cost: a failed or uncertain batch is sent again whole; 500 labels is a cheap
  resend, and the journal then records progress every 500 labels.

Delivery. Faults before the server processes a batch (429, 5xx, refused or reset
connections) are retried safely. If the connection drops *after* the server processed
a batch but before its answer arrives, the client cannot tell, retries, and those labels
arrive twice (at-least-once). Exactly-once would need an idempotency key that Ango Hub
does not document. A label import sets the task's pre-label, so a resend writes the
same answer again (inferred from the docs, not confirmed). A kill lands in the same
window only if it falls between the server's answer and the journal's fsync.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from ango_convert.errors import AuthError, HubConnectionError, HubError, ReadError
from ango_convert.hub.client import AngoClient
from ango_convert.hub.journal import Journal, record_keys
from ango_convert.hub.outcome import BatchOutcome, labelled_count
from ango_convert.io.inputs import json_path

logger = logging.getLogger(__name__)

LABELS_PATH = "/v2/import/labels"
DEFAULT_BATCH_SIZE = 500
MAX_BATCH_BYTES = 4 * 1024 * 1024
#: The keys the seed nests under ``answer``; everything else stays on the record.
ANSWER_KEYS = ("objects", "classifications", "relations")
ID_KEYS = ("externalId", "assetId", "data")

Wire = Literal["seed", "sdk"]
Shape = Literal["seed", "flat", "sdk"]
Record = dict[str, Any]
SCHEMA_OF_SHAPE: Mapping[str, str] = {
    "seed": "ango-import",
    "flat": "ango-import-flat",
    "sdk": "ango-import-sdk",
}


# --- payload shapes -------------------------------------------------------------------


def payload_shape(document: Any) -> Shape | None:
    """Tell a label payload's shape: the seed body, a flat list, the SDK body, or None."""
    if isinstance(document, dict):
        if "labels" in document:
            return "seed"
        if "jsonContent" in document:
            return "sdk"
        return None
    if isinstance(document, list):
        first = next((entry for entry in document if isinstance(entry, dict)), None)
        if first is None or not ({"task", "tasks"} & set(first)):
            return "flat"
    return None


def to_seed(record: Mapping[str, Any]) -> Record:
    """A flat record ``{externalId, objects, ...}`` as a seed record with ``answer``."""
    seed = {key: value for key, value in record.items() if key not in ANSWER_KEYS}
    seed["answer"] = {key: record[key] for key in ANSWER_KEYS if key in record}
    return seed


def to_flat(record: Mapping[str, Any]) -> Record:
    """A seed record ``{externalId, answer: {...}}`` as a flat record."""
    flat = {key: value for key, value in record.items() if key != "answer"}
    answer = record.get("answer")
    if isinstance(answer, Mapping):
        flat.update(answer)
    return flat


def label_body(project: str, records: Sequence[Record], wire: Wire) -> dict[str, Any]:
    """The request body for seed-shaped ``records`` on the chosen wire."""
    if wire == "sdk":
        return {"project": project, "jsonContent": [to_flat(record) for record in records]}
    return {"project": project, "labels": list(records)}


@dataclass(frozen=True, slots=True)
class Payload:
    """Labels ready to send: seed-shaped records and the project the file named."""

    records: list[Record]
    project: str | None
    shape: Shape


def parse_payload(document: Any, source: str) -> Payload:
    """Check a parsed label payload and turn it into seed-shaped records.

    Raises:
        ReadError: Not a label payload, or a record without an asset key.
    """
    shape = payload_shape(document)
    if shape is None:
        raise ReadError(source, "$", "not a label payload (seed, flat or SDK shape)")
    key = {"seed": "labels", "sdk": "jsonContent", "flat": None}[shape]
    records = document if key is None else document[key]
    where: tuple[str, ...] = () if key is None else (key,)
    if not isinstance(records, list):
        raise ReadError(source, json_path(*where), "expected a list of label records")
    project = document.get("project") if isinstance(document, dict) else None
    if project is not None and not isinstance(project, str):
        raise ReadError(source, "$.project", "expected the project id as a string")
    for index, record in enumerate(records):
        _check_record(record, source, json_path(*where, index))
    seeded = records if shape == "seed" else [to_seed(record) for record in records]
    return Payload(list(seeded), project, shape)


def _check_record(record: Any, source: str, where: str) -> None:
    if not isinstance(record, dict):
        raise ReadError(source, where, "expected a label record (JSON object)")
    ids = [record.get(key) for key in ID_KEYS]
    if not any(isinstance(value, str) and value for value in ids):
        raise ReadError(source, where, "a label record needs externalId, assetId or data")


# --- batches ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Batch:
    """Records sent in one request, with their journal keys."""

    index: int
    records: tuple[Record, ...]
    keys: tuple[str, ...]


def make_batches(
    records: Sequence[Record],
    keys: Sequence[str],
    *,
    size: int = DEFAULT_BATCH_SIZE,
    max_bytes: int = MAX_BATCH_BYTES,
) -> list[Batch]:
    """Cut records into batches of at most ``size`` records and about ``max_bytes``.

    A single record larger than ``max_bytes`` travels alone.
    """
    if size < 1:
        raise ValueError("the batch size must be at least 1")
    batches: list[Batch] = []
    current: list[int] = []
    weight = 0
    for position, record in enumerate(records):
        cost = len(orjson.dumps(record)) + 1
        if current and (len(current) >= size or weight + cost > max_bytes):
            batches.append(_batch(len(batches), records, keys, current))
            current, weight = [], 0
        current.append(position)
        weight += cost
    if current:
        batches.append(_batch(len(batches), records, keys, current))
    return batches


def _batch(index: int, records: Sequence[Record], keys: Sequence[str], at: list[int]) -> Batch:
    return Batch(index, tuple(records[i] for i in at), tuple(keys[i] for i in at))


# --- sending ---------------------------------------------------------------------------


@dataclass
class UploadReport:
    """What an upload did. ``failed`` counts batches the server refused after retries."""

    total: int = 0
    already: int = 0
    sent: int = 0
    batches: int = 0
    retries: int = 0
    failed: int = 0
    failed_records: int = 0
    errors: list[str] = field(default_factory=list)
    journal: str = ""
    outcomes: list[BatchOutcome] = field(default_factory=list)
    missing_assets: list[str] = field(default_factory=list)

    @property
    def counted(self) -> tuple[int, int] | None:
        """(labelled, sent) over the batches whose answer said how many tasks were
        labelled, or None when no answer said it (attachments, or an older server)."""
        known = [o for o in self.outcomes if o.labelled is not None]
        if not known:
            return None
        return sum(o.labelled or 0 for o in known), sum(o.sent for o in known)

    @property
    def unlabelled(self) -> int:
        """Records sent that Hub did not say it labelled (0 when it said nothing)."""
        counted = self.counted
        return 0 if counted is None else max(0, counted[1] - counted[0])

    def summary(self, noun: str = "label") -> str:
        """One line for the terminal."""
        text = (
            f"sent {self.sent} {noun}(s) in {self.batches} batch(es); "
            f"{self.already} already confirmed; {self.retries} retr"
            f"{'y' if self.retries == 1 else 'ies'}; {self.failed} failed batch(es)"
        )
        counted = self.counted
        if counted is not None:
            text += f"; Hub labelled {counted[0]} of {counted[1]} sent"
        return text + (f"; journal {self.journal}" if self.journal else "")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "total": self.total,
            "already_confirmed": self.already,
            "sent": self.sent,
            "batches": self.batches,
            "retries": self.retries,
            "failed_batches": self.failed,
            "failed_records": self.failed_records,
            "errors": list(self.errors),
            "journal": self.journal,
            "labelled": None if self.counted is None else self.counted[0],
            "batch_outcomes": [outcome.to_dict() for outcome in self.outcomes],
            "missing_assets": list(self.missing_assets),
        }


def pending(records: Sequence[Record], journal: Journal | None) -> tuple[list[Record], list[str]]:
    """The records the journal has not seen confirmed, with their keys."""
    keys = record_keys(records)
    if journal is None:
        return list(records), keys
    chosen = [i for i, key in enumerate(keys) if key not in journal.confirmed]
    return [records[i] for i in chosen], [keys[i] for i in chosen]


def send_batches(
    client: AngoClient,
    path: str,
    batches: Sequence[Batch],
    body: Callable[[Sequence[Record]], Any],
    report: UploadReport,
    *,
    journal: Journal | None = None,
    keep_going: bool = False,
    on_batch: Callable[[int], None] | None = None,
) -> UploadReport:
    """POST each batch, journal what the server confirmed, and fill ``report``.

    Args:
        client: The Hub client.
        path: The endpoint, such as :data:`LABELS_PATH`.
        batches: From :func:`make_batches`.
        body: Builds the request body from a batch's records.
        report: Filled in as batches go, so a caller still has it after an exception.
        journal: Where confirmed batches are recorded.
        keep_going: After a batch the server refuses (HTTP 4xx/5xx), go on with the next.
        on_batch: Called with the record count of each finished batch.

    Raises:
        AuthError, HubConnectionError: Always stop the upload.
        HubError: A refused batch, unless ``keep_going``.
    """
    start_retries = client.retries
    for batch in batches:
        try:
            answer = client.post(path, body(batch.records))
        except (AuthError, HubConnectionError):
            raise
        except HubError as exc:
            report.failed += 1
            report.failed_records += len(batch.records)
            report.errors.append(f"batch {batch.index}: {exc}")
            if not keep_going:
                raise
            logger.error("batch %d refused: %s", batch.index, exc)
        else:
            outcome = BatchOutcome(batch.index, len(batch.records), labelled_count(answer))
            if journal is not None:
                journal.confirm(batch.index, batch.keys, outcome.labelled)
            report.outcomes.append(outcome)
            if outcome.labelled is not None and outcome.labelled < outcome.sent:
                logger.warning(
                    "batch %d: Hub labelled %d of %d sent",
                    batch.index,
                    outcome.labelled,
                    outcome.sent,
                )
            report.sent += len(batch.records)
            report.batches += 1
        finally:
            report.retries = client.retries - start_retries
        if on_batch is not None:
            on_batch(len(batch.records))
    return report


def describe_plan(
    batches: Sequence[Batch], body: Callable[[Sequence[Record]], Any]
) -> Iterator[str]:
    """Lines for ``--dry-run``: counts, then the first record as it would be sent."""
    total = sum(len(batch.records) for batch in batches)
    yield f"would send {total} record(s) in {len(batches)} batch(es)"
    if batches:
        sizes = sorted({len(batch.records) for batch in batches})
        yield f"batch sizes: {', '.join(map(str, sizes))}"
        first = body(batches[0].records[:1])
        yield "first request body, cut to one record:"
        yield orjson.dumps(first, option=orjson.OPT_INDENT_2).decode()
