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
from ango_convert.formats.ango_export.limits import MB, RATIO_FLOOR, Limits

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


def check_sizes(
    archive: zipfile.ZipFile, members: list[str], label: Path | str, limits: Limits
) -> None:
    """Refuse a zip whose data members would unpack past the caps (see :mod:`.limits`),
    before anything is unpacked.

    Raises:
        ReadError: A member's ratio, or the members' total, is over its cap.
    """
    total = 0
    for name in members:
        info = archive.getinfo(name)
        total += info.file_size
        if info.file_size > RATIO_FLOOR and info.file_size > limits.zip_ratio * max(
            info.compress_size, 1
        ):
            raise ReadError(
                f"{label}!{name}",
                None,
                f"unpacks {info.file_size / max(info.compress_size, 1):.0f} times larger than "
                f"it is compressed ({info.file_size / MB:.0f} MB), over the cap of "
                f"{limits.zip_ratio:g} (a decompression bomb? raise the cap with the read "
                "option max_zip_ratio)",
            )
    if total > limits.unzipped_bytes:
        raise ReadError(
            label,
            None,
            f"the zip unpacks to {total / MB:.0f} MB, over the cap of "
            f"{limits.unzipped_bytes / MB:g} MB (raise it with the read option max_unzipped_mb)",
        )


def read_members(
    path: Path,
    read_member: Callable[[IO[bytes], str], Iterator[T]],
    limits: Limits | None = None,
) -> Iterator[T]:
    """Yield what ``read_member(stream, label)`` yields for each data member, in order.

    ``label`` is ``<zip>!<member>``, the name messages give the member's records.

    Raises:
        ReadError: The zip is damaged, holds no data member, a member breaks, or the
            members would unpack past the caps of ``limits``.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReadError(path, None, f"damaged zip: {exc}") from None
    with archive:
        members = data_members(archive)
        if not members:
            raise ReadError(path, None, "the zip holds no .json, .ndjson or .jsonl file")
        check_sizes(archive, members, path, limits or Limits())
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
