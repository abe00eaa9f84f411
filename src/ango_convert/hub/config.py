"""Where the API key and host come from: flag, environment, then a user config file.

Order, first found wins:

1. ``--api-key`` / ``--host`` on the command line;
2. the environment: ``ANGO_API_KEY`` / ``ANGO_HOST``;
3. the config file: ``--config FILE``, else ``$ANGO_CONFIG``, else
   ``$XDG_CONFIG_HOME/ango-convert/config.toml`` (or ``config.json``), where
   ``XDG_CONFIG_HOME`` defaults to ``~/.config``. Keys: ``api_key`` and ``host``.

On POSIX the config file must not be readable by every user (it is refused) and should
not be readable by the group (a warning); ``chmod 600`` it.
"""

from __future__ import annotations

import importlib
import logging
import os
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ango_convert.errors import AuthError, ReadError
from ango_convert.hub.client import DEFAULT_HOST, check_host
from ango_convert.io.inputs import parse_json, read_bytes

logger = logging.getLogger(__name__)

CONFIG_NAMES = ("config.toml", "config.json")


@dataclass(frozen=True, slots=True)
class Credentials:
    """The key (None if none was found) and the host to use."""

    api_key: str | None
    host: str

    def __repr__(self) -> str:
        return f"Credentials(api_key={'***' if self.api_key else None}, host={self.host!r})"


def default_config_path() -> Path | None:
    """The first existing default config file, or None."""
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    for name in CONFIG_NAMES:
        candidate = base / "ango-convert" / name
        if candidate.is_file():
            return candidate
    return None


def resolve(api_key: str | None, host: str | None, config: Path | None = None) -> Credentials:
    """Pick the key and host (the CLI passes flags already merged with the environment).

    Raises:
        ReadError: The config file is malformed.
        AuthError: The config file is readable by every user.
        HubError: The host is not an https URL (plain http only to this machine).
    """
    if api_key and host:
        return Credentials(api_key, check_host(host))
    path = config or _env_config() or default_config_path()
    settings = load_config(path) if path is not None else {}
    key = api_key or _text(settings, "api_key", path)
    chosen = host or _text(settings, "host", path) or DEFAULT_HOST
    return Credentials(key or None, check_host(chosen))


def _env_config() -> Path | None:
    value = os.environ.get("ANGO_CONFIG")
    return Path(value) if value else None


def load_config(path: Path) -> Mapping[str, Any]:
    """Read a TOML or JSON config file after checking who may read it.

    Raises:
        ReadError: Unreadable or malformed.
        AuthError: Readable by every user.
    """
    _check_mode(path)
    data = read_bytes(path)
    is_json = path.suffix.lower() == ".json"
    settings = parse_json(data, path) if is_json else _parse_toml(data, path)
    if not isinstance(settings, dict):
        raise ReadError(path, None, "expected a table of settings (api_key, host)")
    return settings


def _parse_toml(data: bytes, path: Path) -> Any:
    if sys.version_info < (3, 11):
        raise ReadError(path, None, "TOML config needs Python 3.11+; use config.json instead")
    tomllib: Any = importlib.import_module("tomllib")  # 3.11+; mypy targets 3.10
    try:
        return tomllib.loads(data.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        # The parser's message names the line and column, never the values.
        raise ReadError(path, None, f"invalid TOML: {exc}") from None


def _check_mode(path: Path) -> None:
    if os.name != "posix":
        return
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise ReadError(path, None, f"cannot read the config: {exc.strerror or exc}") from None
    if mode & stat.S_IROTH:
        raise AuthError(f"{path} is readable by every user; run: chmod 600 {path}")
    if mode & stat.S_IRGRP:
        logger.warning("%s is readable by its group; consider: chmod 600 %s", path, path)


def _text(settings: Mapping[str, Any], key: str, path: Path | None) -> str | None:
    value = settings.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ReadError(path or "config", key, "expected a non-empty string")
    return value.strip()
