"""Pieces the Ango Hub commands share: connection flags, batch flags, the batch runner
and progress bars. The commands themselves live in :mod:`ango_convert.cli.hub_cmd`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from ango_convert.errors import AuthError, HubError
from ango_convert.hub import upload as up
from ango_convert.hub.client import DEFAULT_TIMEOUT, NO_KEY, REGIONAL_HOSTS, AngoClient
from ango_convert.hub.config import resolve
from ango_convert.hub.journal import Journal
from ango_convert.io.outputs import write_bytes_atomic
from ango_convert.io.overlap import refuse_overlap

logger = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

_HOSTS_HELP = ", ".join(f"{name} {url}" for name, url in REGIONAL_HOSTS.items())


def hub_options(function: F) -> F:
    """Add --host, --api-key, --config and --timeout to a command."""
    decorators = [
        click.option(
            "--host",
            envvar="ANGO_HOST",
            metavar="URL",
            help=f"API base URL [env ANGO_HOST; default {REGIONAL_HOSTS['eu']}; "
            f"regions: {_HOSTS_HELP}].",
        ),
        click.option(
            "--api-key",
            envvar="ANGO_API_KEY",
            metavar="KEY",
            help="API key [env ANGO_API_KEY, or api_key in the config file]. "
            "Prefer the environment or the config: flags show up in `ps`.",
        ),
        click.option(
            "--config",
            "config_path",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Config file with api_key and host [env ANGO_CONFIG; default "
            "~/.config/ango-convert/config.toml or config.json].",
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=1),
            default=DEFAULT_TIMEOUT[1],
            show_default=True,
            help="Seconds for each whole answer (a server trickling bytes is cut off; a "
            "timed-out call is tried twice).",
        ),
    ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


def batch_options(function: F) -> F:
    """Add the options upload and attach share."""
    decorators = [
        click.option("--project", help="Ango project id (default: the file's project field)."),
        click.option(
            "--wire",
            type=click.Choice(["seed", "sdk"]),
            default="seed",
            show_default=True,
            help="Request body: the API page's shape (seed) or the Python SDK's (sdk).",
        ),
        click.option(
            "--batch-size",
            type=click.IntRange(min=1),
            default=up.DEFAULT_BATCH_SIZE,
            show_default=True,
            help="Records per request (also cut at about 4 MB).",
        ),
        click.option(
            "--journal",
            "journal_path",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Resume journal (default: next to INPUT, else in the current folder).",
        ),
        click.option("--dry-run", is_flag=True, help="Show what would be sent; send nothing."),
        click.option(
            "--keep-going",
            is_flag=True,
            help="After a refused batch, go on with the rest (exit 7 at the end).",
        ),
        click.option(
            "--report",
            "report_path",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Also write the upload report as JSON.",
        ),
    ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


def make_client(
    api_key: str | None, host: str | None, config: Path | None, timeout: float
) -> AngoClient:
    """A client from the flags, environment and config file."""
    found = resolve(api_key, host, config)
    return AngoClient(found.api_key, found.host, timeout=(DEFAULT_TIMEOUT[0], timeout))


# --- shared batch runner -------------------------------------------------------------------


def run_batches(
    ctx: click.Context,
    source: Path,
    records: list[up.Record],
    body: Callable[[Sequence[up.Record]], Any],
    path: str,
    kind: str,
    project: str,
    options: dict[str, Any],
    before_send: Callable[[AngoClient, list[up.Record], up.UploadReport], None] | None = None,
) -> up.UploadReport | None:
    """Send ``records`` in batches (or show the plan for ``--dry-run``) and report.

    Args:
        ctx: The click context (for the verbosity).
        source: The input file, for the default journal name.
        records: Everything the input holds, confirmed or not.
        body: Builds one request body from a batch of records.
        path: The endpoint.
        kind: ``labels``, ``attachments`` or ``assets``: names the journal and the report.
        project: The project id.
        options: The command's batch and connection options.
        before_send: Called with the client, the records still to send and the report
            before the first batch (the upload's asset check).

    Returns:
        The report, or None for ``--dry-run``.

    Raises:
        HubError: Batches were refused (after the report is printed).
    """
    found = resolve(options["api_key"], options["host"], options["config_path"])
    journal_path = options["journal_path"] or _default_journal(source, kind)
    if options["report_path"] is not None:
        refuse_overlap(options["report_path"], [source, journal_path])
    if options["dry_run"]:
        _dry_run(records, body, journal_path, kind, found.host, project, options["batch_size"])
        return None
    if not found.api_key:
        raise AuthError(NO_KEY)
    journal = Journal.open(journal_path, kind=kind, host=found.host, project=project)
    todo, keys = up.pending(records, journal)
    batches = up.make_batches(todo, keys, size=options["batch_size"])
    report = up.UploadReport(
        total=len(records), already=len(records) - len(todo), journal=str(journal_path)
    )
    quiet = (ctx.obj or {}).get("verbosity", 0) < 0
    timeout = (DEFAULT_TIMEOUT[0], options["timeout"])
    with AngoClient(found.api_key, found.host, timeout=timeout) as client:
        try:
            if before_send is not None:
                before_send(client, todo, report)
            with progress(len(todo), kind, quiet) as step:
                up.send_batches(
                    client,
                    path,
                    batches,
                    body,
                    report,
                    journal=journal,
                    keep_going=options["keep_going"],
                    on_batch=step,
                )
        finally:
            _finish_report(report, kind, options["report_path"], quiet)
    if report.failed:
        raise HubError(
            f"{report.failed} batch(es) refused; first: {report.errors[0]}; rerun to retry them"
        )
    return report


def _dry_run(
    records: list[up.Record],
    body: Callable[[Sequence[up.Record]], Any],
    journal_path: Path,
    kind: str,
    host: str,
    project: str,
    size: int,
) -> None:
    journal = None
    if journal_path.exists():
        journal = Journal.open(journal_path, kind=kind, host=host, project=project)
    todo, keys = up.pending(records, journal)
    click.echo(
        f"dry run: {len(records)} {kind} record(s), {len(records) - len(todo)} already "
        f"confirmed in {journal_path}; nothing is sent to {host}"
    )
    for line in up.describe_plan(up.make_batches(todo, keys, size=size), body):
        click.echo(line)


_JOURNAL_SUFFIX = {"labels": ".ango-upload.journal", "assets": ".ango-assets.journal"}
_NOUN = {"labels": "label", "assets": "asset"}


def _default_journal(source: Path, kind: str) -> Path:
    suffix = _JOURNAL_SUFFIX.get(kind, ".ango-attach.journal")
    beside = source.resolve().with_name(source.resolve().name + suffix)
    if _writable(beside.parent):
        return beside
    return Path.cwd() / beside.name


def _writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK)


def _finish_report(
    report: up.UploadReport, kind: str, report_path: Path | None, quiet: bool
) -> None:
    if report_path is not None:
        write_bytes_atomic(report_path, json.dumps(report.to_dict(), indent=2).encode() + b"\n")
    if not quiet:
        noun = _NOUN.get(kind, "attachment")
        click.echo(report.summary(noun), err=True)


@contextlib.contextmanager
def progress(total: int, label: str, quiet: bool) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr when it is a terminal; otherwise a no-op step."""
    if quiet or total == 0 or not sys.stderr.isatty():
        yield lambda _count: None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update


class DownloadProgress:
    """Feeds a progress bar from (bytes so far, total) once the total is known."""

    def __init__(self, quiet: bool) -> None:
        self.enabled = not quiet and sys.stderr.isatty()
        self.bar: Any = None
        self.done = 0

    def __call__(self, done: int, total: int | None) -> None:
        if not self.enabled or total is None:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="download", file=sys.stderr)
            self.bar.__enter__()
        if done > self.done:
            self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        """End the bar's line."""
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
