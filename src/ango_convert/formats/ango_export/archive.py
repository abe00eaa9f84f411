"""The zip an export link delivers: which members hold data, read in name order.

Only ``.json``, ``.ndjson`` and ``.jsonl`` members are data (a ``split`` export has
several, a README or macOS metadata may sit beside them). A zip that cannot be opened,
or a member that breaks while it is read, is a :class:`~ango_convert.errors.ReadError`
naming the zip (and the member).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TypeVar

from ango_convert.errors import ReadError

#: Member (and file) name endings that hold export records.
DATA_SUFFIXES = (".json", ".ndjson", ".jsonl")

T = TypeVar("T")


def data_members(archive: zipfile.ZipFile) -> list[str]:
    """The JSON/NDJSON members of an export zip, in name order (macOS metadata left out)."""
    names = [
        info.filename
        for info in archive.infolist()
        if not info.is_dir()
        and info.filename.lower().endswith(DATA_SUFFIXES)
        and not info.filename.startswith("__MACOSX/")
    ]
    return sorted(names)


def read_members(path: Path, read_member: Callable[[IO[bytes], str], Iterator[T]]) -> Iterator[T]:
    """Yield what ``read_member(stream, label)`` yields for each data member, in order.

    ``label`` is ``<zip>!<member>``, the name messages give the member's records.

    Raises:
        ReadError: The zip is damaged, holds no data member, or a member breaks.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReadError(path, None, f"damaged zip: {exc}") from None
    with archive:
        members = data_members(archive)
        if not members:
            raise ReadError(path, None, "the zip holds no .json, .ndjson or .jsonl file")
        for name in members:
            label = f"{path}!{name}"
            try:
                with archive.open(name) as member:
                    yield from read_member(member, label)
            except (zipfile.BadZipFile, EOFError) as exc:
                raise ReadError(label, None, f"damaged zip member: {exc}") from None


def first_member_head(path: Path, size: int) -> bytes:
    """The first ``size`` bytes of the zip's first data member (empty when it has none).

    Raises:
        OSError, zipfile.BadZipFile: The zip cannot be read.
    """
    with zipfile.ZipFile(path) as archive:
        members = data_members(archive)
        if not members:
            return b""
        with archive.open(members[0]) as member:
            return member.read(size)
