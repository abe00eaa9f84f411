"""Names taken from data, made safe to use as output paths."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path, PurePosixPath

from ango_convert.errors import OutputError

MAX_NAME_BYTES = 255

_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')

# Names every rule below leaves as they are: one plain part, no dot or space at its ends.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_\-]+(?:[.][A-Za-z0-9_\-]+)*")


def is_plain_name(name: str) -> bool:
    """True for a name every rule of :func:`safe_relative_path` leaves as it is: one part
    of letters, digits, ``_``, ``-`` and inner dots, within the length limit."""
    return len(name) <= MAX_NAME_BYTES and _PLAIN_NAME.fullmatch(name) is not None


def safe_relative_path(name: str, *, keep_dirs: bool = True) -> PurePosixPath:
    """Turn a file name taken from data into a relative path that stays inside a folder.

    Backslashes count as separators; empty, ``.`` and ``..`` parts, drive letters and
    leading slashes are dropped; control and Windows-reserved characters become ``_``;
    each part is cut to 255 bytes keeping its extension.

    Args:
        name: The name as the data gives it.
        keep_dirs: Keep sub-folders (``a/b.jpg``); otherwise keep only the base name.

    Raises:
        ValueError: Nothing usable is left of the name.
    """
    if is_plain_name(name):
        return PurePosixPath(name)  # the common case, called once per output file
    text = unicodedata.normalize("NFC", name).replace("\\", "/")
    parts = []
    for raw in text.split("/"):
        part = _UNSAFE_CHARS.sub("_", raw).strip()
        if part in ("", ".", "..") or re.fullmatch(r"[A-Za-z]:", raw):
            continue
        parts.append(_fit_bytes(part))
    if not keep_dirs:
        parts = parts[-1:]
    if not parts:
        raise ValueError(f"file name {name!r} has no usable part")
    return PurePosixPath(*parts)


def safe_base_name(name: str) -> str:
    """The last part of :func:`safe_relative_path` (``keep_dirs=False``), as a string.

    Raises:
        ValueError: Nothing usable is left of the name.
    """
    if is_plain_name(name):
        return name  # the common case: a plain name is its own safe base name
    return safe_relative_path(name, keep_dirs=False).name


def stem_of(name: str) -> str:
    """``PurePosixPath(name).stem`` of a single name, without making a path."""
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def _fit_bytes(part: str) -> str:
    if len(part.encode("utf-8")) <= MAX_NAME_BYTES:
        return part
    stem, dot, ext = part.rpartition(".")
    if not dot or len(ext) > 16:
        stem, ext = part, ""
    suffix = f".{ext}" if ext else ""
    budget = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    cut = stem.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    return cut + suffix


class UniqueNames:
    """Hands out output names, renaming collisions instead of overwriting.

    Names are compared case-insensitively, since outputs may land on such file systems.
    The second ``a.jpg`` becomes ``a_1.jpg``, the third ``a_2.jpg``.
    """

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def claim_name(self, name: str) -> str:
        """:meth:`claim` for a single name without folders, as a string."""
        key = name.lower()
        if key not in self._taken:
            self._taken.add(key)
            return name
        return self.claim(PurePosixPath(name)).name

    def claim(self, path: PurePosixPath) -> PurePosixPath:
        """Return ``path`` or, if taken, the first free ``stem_N`` variant of it."""
        candidate = path
        counter = 0
        while str(candidate).lower() in self._taken:
            counter += 1
            candidate = path.with_name(f"{path.stem}_{counter}{path.suffix}")
        self._taken.add(str(candidate).lower())
        return candidate


def ensure_inside(root: Path, relative: PurePosixPath) -> Path:
    """Join ``relative`` under ``root`` and prove the result does not escape it."""
    resolved_root = root.resolve()
    target = (resolved_root / relative).resolve()
    if resolved_root != target and resolved_root not in target.parents:
        raise OutputError(f"refusing to write {relative}: it would land outside {root}")
    return target
