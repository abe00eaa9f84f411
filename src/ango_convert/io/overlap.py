"""Outputs that would overwrite or remove an input are refused before anything is read.

An output folder is replaced as a whole (``--overwrite``), so an input anywhere inside
it would be lost, and an image linked from inside it would point at itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ango_convert.errors import OutputError
from ango_convert.io.inputs import STDIO


def real_path(path: str | Path) -> Path:
    """``path`` absolute with every symlink followed (whether or not it exists)."""
    return Path(os.path.realpath(path))


def is_inside(path: Path, folder: Path) -> bool:
    """True when ``path`` is ``folder`` or below it (both already :func:`real_path`)."""
    return path == folder or folder in path.parents


def refuse_overlap(output: str | Path, inputs: Iterable[str | Path | None]) -> None:
    """Refuse an output that is, or holds, one of ``inputs`` (file or folder).

    Args:
        output: The output file or folder (``-`` is stdout: nothing to check).
        inputs: The input files and folders (None and ``-`` are left out).

    Raises:
        OutputError: Naming the output and the input it would overwrite or remove.
    """
    if str(output) == STDIO:
        return
    target = real_path(output)
    for source in inputs:
        if source is None or str(source) == STDIO:
            continue
        if real_path(source) == target:
            raise OutputError(f"{output}: is also an input; write the output somewhere else")
        if is_inside(real_path(source), target):
            raise OutputError(
                f"{output}: holds the input {source}, which writing the output would "
                "remove; write the output somewhere else"
            )


class OutputGuard:
    """Refuses input files (images to copy or link) found inside an output folder."""

    def __init__(self, output: Path | None) -> None:
        self._output = None if output is None or str(output) == STDIO else real_path(output)
        self._shown = output

    def check(self, source: Path) -> Path:
        """Return ``source``, or refuse it when it lies inside the output folder.

        Raises:
            OutputError: ``source`` would be removed (or linked to itself) by the write.
        """
        if self._output is not None and is_inside(real_path(source), self._output):
            raise OutputError(
                f"{self._shown}: holds the input {source}, which writing the output would "
                "remove; write the output somewhere else"
            )
        return source
