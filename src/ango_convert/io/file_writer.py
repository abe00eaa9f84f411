"""Writing many small files into a folder that :func:`._io.atomic_dir` is building.

The folder as a whole is swapped in atomically, so its files need no temporary name or
fsync of their own. Each file costs one ``open`` in the usual case: its folder is made
only when the open says it is missing.

Writes are synchronous on purpose. A thread pool that took one file per task was tried
and measured: on a RAM file system it cost 0.4 s per 5,000 files in hand-offs and lock
waits (six times the writes themselves), and on a disk it gained nothing measurable,
because the file system serialises file creation in one folder anyway.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

from ango_convert.errors import OutputError

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)


def write_file(folder: Path | str, relative: str, data: bytes) -> None:
    """Write one file inside ``folder``, making its sub-folders when needed.

    Raises:
        OutputError: The file system refused.
    """
    path = os.path.join(folder, relative)  # noqa: PTH118 -- plain strings: one call per file
    try:
        try:
            handle = os.open(path, _FLAGS, 0o666)
        except FileNotFoundError:  # its folder is not there yet
            os.makedirs(os.path.dirname(path), exist_ok=True)  # noqa: PTH103, PTH120
            handle = os.open(path, _FLAGS, 0o666)
        try:
            written = os.write(handle, data)
            if written < len(data):  # rare short write: finish it
                view = memoryview(data)[written:]
                while view:
                    view = view[os.write(handle, view) :]
        finally:
            os.close(handle)
    except OSError as exc:
        raise OutputError(f"{relative}: cannot write: {exc.strerror or exc}") from exc


class FileWriter:
    """Writes files inside one folder; use it as a context manager.

    A failed write raises at once. After the ``with`` block (or :meth:`close`) the writer
    refuses further files, so a late write cannot land in a folder already swapped in.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = str(folder)
        self._open = True

    def write(self, relative: str, data: bytes) -> None:
        """Write one file, ``relative`` to the folder.

        Raises:
            OutputError: The file system refused.
            RuntimeError: The writer is closed.
        """
        if not self._open:
            raise RuntimeError("FileWriter is closed")
        write_file(self.folder, relative, data)

    def close(self) -> None:
        """Refuse further files."""
        self._open = False

    def __enter__(self) -> FileWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
