"""Reading the inputs of ``stats``, ``diff`` and ``preview``, and telling what the read
left out: the same reader options, ``--on-error`` and notes as ``convert``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from ango_convert import api, registry
from ango_convert.cli.options import FormatName, parse_pairs, route_options
from ango_convert.model import Dataset
from ango_convert.report import Diagnostics

F = TypeVar("F", bound=Callable[..., Any])

#: Unreadable parts listed one by one on stderr; the rest are counted.
SHOWN_NOTES = 20
ON_ERROR_HELP = (
    "skip: look at what reads and list each unreadable annotation, label line, XML file "
    "or record on stderr instead of stopping."
)


def reading_options(function: F) -> F:
    """Add ``--from``, ``-R KEY=VALUE`` and ``--on-error`` to a command."""
    decorators = [
        click.option(
            "--from", "from_format", type=FormatName(), help="Input format (detected if left out)."
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
            "--on-error",
            type=click.Choice(["strict", "skip"]),
            default="strict",
            show_default=True,
            help=ON_ERROR_HELP,
        ),
    ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


def format_of(source: Path, from_format: str | None) -> str:
    """The input's format: as named, else detected from the content."""
    if from_format is not None:
        return from_format
    if str(source) == "-":
        raise click.UsageError("reading stdin needs --from")
    return api.detect(source)


def read_input(
    source: Path,
    format_name: str,
    raw_options: Mapping[str, str],
    *,
    on_error: str,
    images_dir: Path | None,
    diagnostics: Diagnostics,
) -> Dataset:
    """Read one input with its reader options (already routed to it).

    ``images_dir`` goes to readers that take one (sizes from image headers) and is left
    out for the others, since the views use it themselves.
    """
    reader = registry.get_format(format_name).reader()
    shorthands: dict[str, Any] = {"on_error": on_error if on_error != "strict" else None}
    if images_dir is not None and "images_dir" in option_names(format_name):
        shorthands["images_dir"] = images_dir
    pairs = [f"{key}={value}" for key, value in raw_options.items()]
    options, _ = route_options(reader, None, shorthands, pairs)
    return api.read(source, format_name, diagnostics=diagnostics, **options)


def option_names(format_name: str) -> set[str]:
    """The read options a format takes."""
    reader = registry.get_format(format_name).reader()
    return {option.name for option in registry.options_of(reader)}


def split_pairs(shared: Sequence[str], formats: Sequence[str]) -> list[dict[str, str]]:
    """Route ``-R`` pairs to every input whose reader takes them.

    Raises:
        click.UsageError: An option no input's reader takes.
    """
    parsed = parse_pairs(shared, "-R")
    names = [option_names(name) for name in formats]
    routed: list[dict[str, str]] = [{} for _ in formats]
    for key, value in parsed.items():
        takers = [index for index, known in enumerate(names) if key in known]
        if not takers:
            raise click.UsageError(
                f"-R {key}: no input's reader takes this option ({', '.join(formats)})"
            )
        for index in takers:
            routed[index][key] = value
    return routed


def tell_diagnostics(diagnostics: Diagnostics, quiet: bool) -> None:
    """Print what the reads left out (the first :data:`SHOWN_NOTES`, then a count) and
    warned about, one line each, on stderr."""
    if quiet:
        return
    notes = diagnostics.skipped_input
    for note in notes[:SHOWN_NOTES]:
        click.echo(f"warning: left out {note['file']}: {note['place']}: {note['reason']}", err=True)
    if len(notes) > SHOWN_NOTES:
        click.echo(f"warning: ... and {len(notes) - SHOWN_NOTES} more left out", err=True)
    for warning in diagnostics.warnings:
        click.echo(f"warning: {warning}", err=True)
