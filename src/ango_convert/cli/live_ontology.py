"""``--ontology hub``: map classes with the project's ontology as Hub has it now.

The categorySchema is read with ``GET /v2/project/{id}`` (the project from ``--project``,
the key from ``--api-key``, ``ANGO_API_KEY`` or the config file), saved in a temporary
file for the command's lifetime and used exactly like ``--ontology FILE``. A file named
``hub`` in the current folder is given with a folder: ``--ontology ./hub`` is still the
live ontology, so write ``--ontology "$PWD/hub"``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import click

from ango_convert.io.outputs import dump_json, write_bytes_atomic

#: The ``--ontology`` value that means "read it from Hub".
LIVE = "hub"


def is_live(ontology: Path | str | None) -> bool:
    """Whether ``--ontology`` asks for the live ontology."""
    return ontology is not None and str(ontology) == LIVE


def live_ontology(
    ctx: click.Context,
    ontology: Path | None,
    project: str | None,
    options: dict[str, Any] | None = None,
) -> Path | None:
    """``ontology`` as given, or for ``hub`` a temporary file with the project's schema.

    Args:
        ctx: The click context; the temporary file goes when it closes.
        ontology: The ``--ontology`` value.
        project: The ``--project`` value.
        options: The command's ``--api-key``/``--host``/``--config``/``--timeout``, if it
            has them; else the environment and the config file.

    Raises:
        click.UsageError: ``hub`` without ``--project``.
    """
    if not is_live(ontology):
        return ontology
    if not project:
        raise click.UsageError("--ontology hub reads the project's ontology: it needs --project")
    options = options or {}
    # Commands without the Hub flags (convert) take the key and host from the
    # environment, as the flags' envvars would, then from the config file.
    key = options.get("api_key") or os.environ.get("ANGO_API_KEY") or None
    host = options.get("host") or os.environ.get("ANGO_HOST") or None
    # The HTTP stack is imported only when the live ontology is asked for: `convert`
    # imports this module, and requests alone costs it about 0.1 s of start-up.
    from ango_convert.hub.client import DEFAULT_TIMEOUT, AngoClient
    from ango_convert.hub.config import resolve
    from ango_convert.hub.project import fetch_category_schema

    found = resolve(key, host, options.get("config_path"))
    timeout = (DEFAULT_TIMEOUT[0], options.get("timeout") or DEFAULT_TIMEOUT[1])
    with AngoClient(found.api_key, found.host, timeout=timeout) as client:
        schema = fetch_category_schema(client, project)
    folder = Path(ctx.with_resource(tempfile.TemporaryDirectory(prefix="ango-ontology.")))
    target = folder / "category_schema.json"
    write_bytes_atomic(target, dump_json(schema, indent=True))
    return target
