"""Files a reader finds by listing a dataset folder: regular files, inside the dataset.

A label, XML or image file that is a link resolving outside the dataset folder is
refused (its content would reach an output or a message), and so is anything that is
not a regular file (a FIFO named ``a.xml`` blocks the read forever; a device never
ends). Only the file's own link is followed here: the folders a reader walks are listed
without following links to folders, and the dataset folder itself (or an images folder
named on the command line) is taken as it resolves.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ango_convert.errors import ReadError

#: Why a file was refused, as messages say it.
NOT_REGULAR = "not a regular file (a pipe, device or socket): refused"
OUTSIDE = "a link leading outside the dataset folder: refused"


def is_regular(path: str | Path) -> bool:
    """True for a regular file (after links); False for a FIFO, device, folder or nothing."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)  # noqa: PTH116 -- str or Path, no object
    except (OSError, ValueError):
        return False


def _within(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


class Confinement:
    """Tells whether a file found below one of ``roots`` stays inside them.

    One ``lstat`` per file: only a file that is itself a link is resolved (its folder's
    real path is worked out once per folder).
    """

    def __init__(self, *roots: str | Path | None) -> None:
        self._roots = [os.path.realpath(root) for root in roots if root is not None]
        self._folders: dict[str, str] = {}

    def allows(self, path: str | Path) -> bool:
        """True when ``path`` (a link or not) resolves inside one of the roots."""
        text = os.fspath(path)
        if os.path.islink(text):  # noqa: PTH114 -- strings: once per file
            real = os.path.realpath(text)
        else:
            folder, name = os.path.split(text)
            if folder not in self._folders:
                self._folders[folder] = os.path.realpath(folder or ".")
            real = os.path.join(self._folders[folder], name)  # noqa: PTH118
        return any(_within(real, root) for root in self._roots)

    def check(self, path: str | Path, source: str | Path | None = None) -> None:
        """Refuse ``path`` unless it is a regular file inside the roots.

        Args:
            path: The file found.
            source: The file the message names (the label or XML file that led to an
                image); ``path`` itself when None.

        Raises:
            ReadError: A link leading outside, or not a regular file.
        """
        if not self.allows(path):
            where = None if source is None else f"{Path(path).name}"
            raise ReadError(source or path, where, OUTSIDE)
        if not is_regular(path):
            where = None if source is None else f"{Path(path).name}"
            raise ReadError(source or path, where, NOT_REGULAR)
