"""What a writer tells its caller: what it wrote, what it dropped and what it approximated."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from ango_convert.errors import INFO_SKIPPED_INPUT
from ango_convert.model import Dataset


@dataclass
class WriteReport:
    """The outcome of one write.

    Attributes:
        target: Where the output went.
        items: Items (images, assets) written.
        annotations: Annotations written.
        skipped: Annotations left out, by kind, because the target cannot hold them and
            the user opted in to skipping.
        approximated: Annotations converted with loss, by kind (a polygon written as its
            bounding box, say), because the user opted in.
        warnings: Anything else the user should know, one line each.
        files: Files written, relative to ``target`` when it is a folder.
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
    skipped_input: list[dict[str, str]] = field(default_factory=list)

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
            "skipped_input": list(self.skipped_input),
        }


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in sorted(counter.items()))


def take_skipped(dataset: Dataset) -> tuple[Dataset, list[dict[str, str]]]:
    """Split a reader's ``on_error="skip"`` notes off a dataset, so no writer copies them
    into its output. The list is the reader's own: a lazy reader still fills it while the
    writer iterates the items."""
    notes = dataset.info.get(INFO_SKIPPED_INPUT)
    if not isinstance(notes, list):
        return dataset, []
    info = {key: value for key, value in dataset.info.items() if key != INFO_SKIPPED_INPUT}
    return replace(dataset, info=info), notes  # type: ignore[return-value]
