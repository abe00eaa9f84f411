"""What a writer tells its caller: what it wrote, what it dropped and what it approximated."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from ango_convert.errors import OnError
from ango_convert.model import Annotation, JSONValue


def count_objects(annotations: Iterable[Annotation]) -> int:
    """Objects among ``annotations``: those sharing a group and a class (a box, its
    polygon and its keypoints) are one; every other annotation is one of its own."""
    count = 0
    seen: set[tuple[str, int]] = set()
    for annotation in annotations:
        group = annotation.group
        if group is None:
            count += 1
        elif (group, annotation.category_id) not in seen:
            seen.add((group, annotation.category_id))
            count += 1
    return count


@dataclass
class WriteReport:
    """The outcome of one write.

    Attributes:
        target: Where the output went.
        items: Items (images, assets) written.
        annotations: Objects written, counted one way by every writer (see
            :func:`count_objects`): a box and the keypoints of its group are one object.
        skipped: Annotations left out, by kind, because the target cannot hold them and
            the user opted in to skipping.
        approximated: Annotations converted with loss, by kind (a polygon written as its
            bounding box, say), because the user opted in.
        warnings: Anything else the user should know, one line each.
        files: Files written, relative to ``target`` when it is a folder.
        steps: What ran before the write (image downloads), one line each.
        skipped_input: Input left out with ``on_error="skip"``: one ``{file, place,
            reason}`` per unit (annotation, label line, XML file, record) that did not read.
    """

    target: str
    items: int = 0
    annotations: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    approximated: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    skipped_input: list[dict[str, JSONValue]] = field(default_factory=list)

    def absorb(self, part: WriteReport) -> None:
        """Add what a shard's report counted and noted (``--jobs``), in shard order."""
        self.items += part.items
        self.annotations += part.annotations
        self.skipped.update(part.skipped)
        self.approximated.update(part.approximated)
        self.warnings += part.warnings
        self.files += part.files

    def summary(self) -> str:
        """One line for the terminal."""
        text = f"wrote {self.items} item(s), {self.annotations} annotation(s) to {self.target}"
        if self.skipped:
            text += "; skipped " + _counts(self.skipped)
        if self.approximated:
            text += "; approximated " + _counts(self.approximated)
        if self.skipped_input:
            text += f"; left out {len(self.skipped_input)} unreadable input part(s)"
        return text

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form, for ``--report FILE``."""
        return {
            "target": self.target,
            "items": self.items,
            "annotations": self.annotations,
            "skipped": dict(self.skipped),
            "approximated": dict(self.approximated),
            "warnings": list(self.warnings),
            "files": list(self.files),
            "steps": list(self.steps),
            "skipped_input": list(self.skipped_input),
        }

    def add(self, diagnostics: Diagnostics) -> None:
        """Take in what the read noticed (warnings from the read come first)."""
        self.skipped_input.extend(diagnostics.skipped_input)
        self.warnings[:0] = diagnostics.warnings


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in sorted(counter.items()))


@dataclass
class Diagnostics:
    """What a read noticed on the way, collected while the input is read.

    The API hands one to the reader and copies it into the :class:`WriteReport` once the
    writer is done: lazy readers go on reading (and noting) while the writer iterates.

    Attributes:
        skipped_input: Input left out with ``on_error="skip"``: one ``{file, place,
            reason}`` per unit (annotation, label line, XML file, record) that did not read.
        warnings: Anything else the user should know about the input, one line each.
    """

    skipped_input: list[dict[str, JSONValue]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def skip_notes(self, on_error: OnError) -> list[dict[str, JSONValue]] | None:
        """The list a reader appends its skip notes to, or None when it must raise."""
        return self.skipped_input if on_error == "skip" else None


def skip_notes(
    diagnostics: Diagnostics | None, on_error: OnError
) -> list[dict[str, JSONValue]] | None:
    """:meth:`Diagnostics.skip_notes` for a reader called with or without diagnostics
    (without, the notes go to a collector nobody reads: the caller chose not to look)."""
    return (diagnostics or Diagnostics()).skip_notes(on_error)
