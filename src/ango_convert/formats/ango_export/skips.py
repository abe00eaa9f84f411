"""The ``on_error`` policy of the Ango export reader, shared by its two passes.

Strict raises the first error. Skip notes it (file, place, reason) for the report and
remembers the record's index, so the decoding pass passes the record by without noting
it twice, however often the items are read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ango_convert.errors import OnError, ReadError, SchemaValidationError
from ango_convert.model import JSONValue


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
