"""Names taken from data, made safe to use as output paths."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path, PurePosixPath

from ango_convert.errors import ConversionError, OutputError

MAX_NAME_BYTES = 255

# Control and Windows-reserved characters, and the line breaks str.splitlines() knows
# beyond ASCII's: a name written into a list file (train.txt, ImageSets) must stay one line.
_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f\x85\u2028\u2029<>:"|?*]')

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


def split_name(split: str | None, default: str) -> str:
    """The folder or list name of a split: the item's own ``split``, else ``default``,
    made safe (:func:`safe_base_name`).

    Raises:
        ConversionError: Nothing usable is left of it (``..``, ``.``, empty).
    """
    given = bool(split and split.strip())
    text = split if given and split is not None else default
    try:
        return safe_base_name(text)
    except ValueError:
        fix = "rename the split" if given else "choose another default_split"
        raise ConversionError(f"split {text!r} cannot name a folder or list; {fix}") from None


def stem_of(name: str) -> str:
    """``PurePosixPath(name).stem`` of a single name, without making a path."""
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def _fit_bytes(part: str, limit: int = MAX_NAME_BYTES) -> str:
    if len(part) * 4 <= limit or len(part.encode("utf-8")) <= limit:
        return part
    stem, dot, ext = part.rpartition(".")
    if not dot or len(ext) > 16:
        stem, ext = part, ""
    suffix = f".{ext}" if ext else ""
    return _cut(stem, limit - len(suffix.encode("utf-8"))) + suffix


def _cut(text: str, budget: int) -> str:
    """``text`` cut to at most ``budget`` UTF-8 bytes, never inside a character."""
    return text.encode("utf-8")[: max(budget, 1)].decode("utf-8", errors="ignore")


class UniqueNames:
    """Hands out output names, renaming collisions instead of overwriting.

    Names are compared case-insensitively, since outputs may land on such file systems.
    The second ``a.jpg`` becomes ``a_1.jpg``, the third ``a_2.jpg``. Every name handed
    out fits in ``limit`` bytes (255 unless a caller keeps room for another extension):
    a long name is cut, and its ``_N`` variants are cut further, so two long names that
    differ only past the cut still get two names.
    """

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def claim_name(self, name: str, *, limit: int = MAX_NAME_BYTES) -> str:
        """:meth:`claim` for a single name without folders, as a string."""
        name = _fit_bytes(name, limit)
        key = name.lower()
        if key not in self._taken:
            self._taken.add(key)
            return name
        return self.claim(PurePosixPath(name), limit=limit).name

    def claim(self, path: PurePosixPath, *, limit: int = MAX_NAME_BYTES) -> PurePosixPath:
        """Return ``path`` or, if taken, the first free ``stem_N`` variant of it (its
        last part cut to ``limit`` bytes)."""
        path = path.with_name(_fit_bytes(path.name, limit))
        candidate = path
        counter = 0
        while str(candidate).lower() in self._taken:
            counter += 1
            tail = f"_{counter}{path.suffix}"
            stem = _cut(path.stem, limit - len(tail.encode("utf-8")))
            candidate = path.with_name(f"{stem}{tail}")
        self._taken.add(str(candidate).lower())
        return candidate


def ensure_inside(root: Path, relative: PurePosixPath) -> Path:
    """Join ``relative`` under ``root`` and prove the result does not escape it."""
    resolved_root = root.resolve()
    target = (resolved_root / relative).resolve()
    if resolved_root != target and resolved_root not in target.parents:
        raise OutputError(f"refusing to write {relative}: it would land outside {root}")
    return target
