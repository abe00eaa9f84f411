"""Writing many small files into a folder that :func:`._io.atomic_dir` is building.

The folder as a whole is swapped in atomically, so its files need no temporary name or
fsync of their own. Each file costs one ``open`` in the usual case (its folder is made
only when the open says it is missing), and :class:`FileWriter` does the writes on
background threads, so the file system's waits overlap the Python work of producing
the next file; at most a bounded number of files wait in memory.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

from ango_convert.errors import OutputError

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
#: Files handed over but not yet written, at most: bounds the memory they hold.
_PENDING = 256
_THREADS = 2


def write_file(folder: Path, relative: str, data: bytes) -> None:
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
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view) :]
        finally:
            os.close(handle)
    except OSError as exc:
        raise OutputError(f"{relative}: cannot write: {exc.strerror or exc}") from exc


class FileWriter:
    """Writes files inside a folder on background threads; use it as a context manager.

    A failed write is raised by the next :meth:`write` or by leaving the ``with`` block;
    leaving it on an exception waits for the writes under way and adds nothing.
    """

    def __init__(self, folder: Path, threads: int = _THREADS) -> None:
        self.folder = folder
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="ango-convert-write")
        self._slots = threading.BoundedSemaphore(_PENDING)
        self._error: BaseException | None = None

    def write(self, relative: str, data: bytes) -> None:
        """Queue one file (``relative`` to the folder) for writing."""
        self._raise_failure()
        self._slots.acquire()
        future = self._pool.submit(write_file, self.folder, relative, data)
        future.add_done_callback(self._done)

    def _done(self, future: Future[None]) -> None:
        self._slots.release()
        error = None if future.cancelled() else future.exception()
        if error is not None and self._error is None:
            self._error = error

    def _raise_failure(self) -> None:
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        """Wait for every queued write; raise the first that failed."""
        self._pool.shutdown(wait=True)
        self._raise_failure()

    def __enter__(self) -> FileWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is None:
            self.close()
        else:
            self._pool.shutdown(wait=True, cancel_futures=True)
