"""Options shared by the commands that read or write datasets (``convert``, ``upload``...).

Shorthand flags such as ``--schema-map`` are routed to every read or write function that
declares a keyword-only parameter of that name; ``-R KEY=VALUE`` and ``-W KEY=VALUE`` reach
any reader or writer option. A flag that no function in the pipeline accepts is a usage
error, so nothing the user typed is silently ignored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from ango_convert import registry
from ango_convert.report import WriteReport

F = TypeVar("F", bound=Callable[..., Any])


class FormatName(click.ParamType):  # type: ignore[type-arg]
    """A registered format name; unknown names fail with the list of known ones."""

    name = "format"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        if value in registry.BUILTIN_FORMATS:  # no plugin scan (slow) for a built-in name
            return str(value)
        known = registry.available()
        if value not in known:
            self.fail(f"unknown format {value!r}; known formats: {', '.join(known)}", param, ctx)
        return str(value)


def parse_pairs(pairs: Sequence[str], flag: str) -> dict[str, str]:
    """Turn ``KEY=VALUE`` strings into a dict."""
    result = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint=flag)
        result[key.replace("-", "_")] = value
    return result


def jobs_option(function: F) -> F:
    """``--jobs N``: worker processes for big inputs (default: every usable core)."""
    return click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=1),
        default=None,
        help="Worker processes for big inputs (NDJSON exports, COCO files) written to COCO "
        "or YOLO: output identical to --jobs 1, which uses one process. Default: every "
        "core this process may use.",
    )(function)


def jobs_wanted(jobs: int | None) -> int:
    """``--jobs`` as given, else every core this process may use."""
    from ango_convert.parallel import usable_cores

    return jobs if jobs is not None else usable_cores()


def mapping_options(function: F) -> F:
    """Add the ontology-mapping and format-option flags to a command."""
    decorators = [
        click.option(
            "--schema-map",
            type=click.Path(dir_okay=False, path_type=Path),
            help='JSON or YAML {"class name": "schemaId"} map.',
        ),
        click.option(
            "--ontology",
            type=click.Path(dir_okay=False, path_type=Path),
            help="A project's categorySchema JSON, as Ango Hub returns it, or `hub` to read "
            "it from the --project on Ango Hub.",
        ),
        click.option(
            "--title-only",
            is_flag=True,
            help="Allow classes without a schemaId: send their title only.",
        ),
        click.option(
            "--external-id",
            type=click.Choice(["name", "basename", "stem"]),
            help="externalId from the file name as given (default), its base name, or its stem.",
        ),
        click.option(
            "--images",
            "images_dir",
            type=click.Path(file_okay=False, path_type=Path),
            help="Folder with the images, for sizes and copying.",
        ),
        click.option(
            "--on-unsupported",
            type=click.Choice(["error", "skip", "approximate"]),
            help="What to do with annotations the target cannot hold (default: error).",
        ),
        click.option(
            "-R",
            "--read-option",
            "read_pairs",
            multiple=True,
            metavar="KEY=VALUE",
            help="A reader option (see `ango-convert formats -v`).",
        ),
        click.option(
            "-W",
            "--write-option",
            "write_pairs",
            multiple=True,
            metavar="KEY=VALUE",
            help="A writer option (see `ango-convert formats -v`).",
        ),
    ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


def route_options(
    reader: Callable[..., Any] | None,
    writer: Callable[..., Any] | None,
    shorthands: Mapping[str, Any],
    read_pairs: Sequence[str] = (),
    write_pairs: Sequence[str] = (),
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split shorthand flags and ``-R``/``-W`` pairs into reader and writer options.

    Shorthands whose value is None or False were not given and are ignored.

    Returns:
        The bound (typed) reader options and writer options.

    Raises:
        click.UsageError: A flag applies to neither function, or a value does not convert.
    """
    read_raw: dict[str, Any] = parse_pairs(read_pairs, "-R")
    write_raw: dict[str, Any] = parse_pairs(write_pairs, "-W")
    read_names = _option_names(reader)
    write_names = _option_names(writer)
    for name, value in shorthands.items():
        if value is None or value is False:
            continue
        taken = False
        if name in read_names:
            read_raw.setdefault(name, value)
            taken = True
        if name in write_names:
            write_raw.setdefault(name, value)
            taken = True
        if not taken:
            flag = "--" + name.replace("_", "-")
            raise click.UsageError(f"{flag} does not apply to these formats")
    try:
        read_bound = registry.bind_options(reader, read_raw) if reader else {}
        write_bound = registry.bind_options(writer, write_raw) if writer else {}
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    return read_bound, write_bound


def _option_names(function: Callable[..., Any] | None) -> set[str]:
    if function is None:
        return set()
    return {option.name for option in registry.options_of(function)}


def emit_report(report: WriteReport, report_path: Path | None, quiet: bool) -> None:
    """Print the one-line summary and warnings, and save the full report if asked."""
    if report_path is not None:
        from ango_convert.io.outputs import write_bytes_atomic

        write_bytes_atomic(report_path, json.dumps(report.to_dict(), indent=2).encode() + b"\n")
    if quiet:
        return
    for step in report.steps:
        click.echo(step, err=True)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(report.summary(), err=True)
