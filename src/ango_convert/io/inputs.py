"""Reading inputs: whole files or stdin, JSON with located errors, a YAML depth guard."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import orjson

from ango_convert.errors import ReadError

STDIO = "-"

UTF8_BOM = b"\xef\xbb\xbf"


def read_bytes(path: str | Path) -> bytes:
    """Read a whole input file (or stdin for ``-``), with a ReadError on failure."""
    if str(path) == STDIO:
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as stream:  # noqa: PTH123 -- no Path object per small file
            return stream.read()
    except FileNotFoundError:
        raise ReadError(path, None, "no such file") from None
    except IsADirectoryError:
        raise ReadError(path, None, "is a folder, expected a file") from None
    except OSError as exc:
        raise ReadError(path, None, exc.strerror or str(exc)) from exc


def parse_json(data: bytes, source: str | Path) -> Any:
    """Parse JSON bytes, tolerating a UTF-8 BOM; errors name the line and column.

    NaN and Infinity are refused, as JSON requires.
    """
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    if not data.strip():
        raise ReadError(source, None, "file is empty, expected JSON")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ReadError(
            source, f"line {exc.lineno} column {exc.colno}", f"invalid JSON: {exc.msg}"
        ) from None


#: Deepest bracket nesting a YAML document may have: PyYAML slows to seconds near 1000
#: levels (a 3 KB file) before it fails with RecursionError.
MAX_YAML_NESTING = 100

_BRACKETS = re.compile(rb"[\[\]{}]")


def yaml_too_deep(data: bytes) -> bool:
    """True when flow brackets nest deeper than :data:`MAX_YAML_NESTING` (quotes ignored:
    a name would need that many unbalanced brackets to trip it)."""
    depth = 0
    for match in _BRACKETS.finditer(data):
        depth += 1 if match.group() in (b"[", b"{") else -1
        if depth > MAX_YAML_NESTING:
            return True
    return False


def load_json(path: str | Path) -> Any:
    """Read and parse a JSON file (or stdin for ``-``)."""
    return parse_json(read_bytes(path), path)


def json_path(*parts: str | int) -> str:
    """Format a JSON path such as ``$.images[3].file_name``."""
    text = "$"
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            text += f".{part}"
        else:
            text += f"[{part!r}]"
    return text


def load_yaml(path: str | Path) -> Any:
    """Read and safely parse a YAML file (no Python objects, no custom tags, no aliases).

    Aliases (``*name``, and so ``<<: *name`` merges) are refused: a few hundred bytes
    of nested anchors expand to gigabytes, and no schema map or data.yaml needs them.

    Raises:
        ReadError: Unreadable, invalid or too deeply nested YAML, or an alias, with the line.
    """
    import yaml  # only the commands that read YAML pay for it

    data = read_bytes(path)
    if yaml_too_deep(data):
        raise ReadError(path, None, "invalid YAML: nested too deeply")
    try:
        return yaml.load(data, Loader=_no_alias_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        raise ReadError(path, where, f"invalid YAML: {getattr(exc, 'problem', exc)}") from None
    except RecursionError:  # PyYAML composes nested collections recursively
        raise ReadError(path, None, "invalid YAML: nested too deeply") from None


_LOADER: Any = None


def _no_alias_loader() -> Any:
    """PyYAML's SafeLoader refusing aliases where they are composed (built once, lazily)."""
    global _LOADER
    if _LOADER is None:
        import yaml

        class NoAliasLoader(yaml.SafeLoader):
            def compose_node(self, parent: Any, index: Any) -> Any:
                if self.check_event(yaml.AliasEvent):
                    mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                    raise yaml.composer.ComposerError(
                        None, None, "aliases (*name) are not allowed here", mark
                    )
                return super().compose_node(parent, index)

        _LOADER = NoAliasLoader
    return _LOADER
