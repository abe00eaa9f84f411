"""``ango-convert validate`` and ``ango-convert formats``."""

from __future__ import annotations

from pathlib import Path

import click

from ango_convert import registry, validation
from ango_convert.errors import FormatLoadError, SchemaValidationError

MAX_SHOWN = 50


@click.command()
@click.argument("source", type=click.Path(allow_dash=True, path_type=Path))
@click.option(
    "--schema",
    type=click.Choice(sorted(validation.SCHEMAS)),
    help="Schema to check against (picked from the content if left out).",
)
@click.option(
    "--max-issues",
    default=MAX_SHOWN,
    show_default=True,
    help="How many problems to print before summarising.",
)
def validate(source: Path, schema: str | None, max_issues: int) -> None:
    """Check SOURCE against the bundled JSON Schema and print every problem with its JSON path."""
    from ango_convert import api

    try:
        name = api.validate(str(source), schema)
    except SchemaValidationError as exc:
        for issue in exc.issues[:max_issues]:
            click.echo(f"{exc.source}: {issue}", err=True)
        hidden = len(exc.issues) - max_issues
        if hidden > 0:
            click.echo(f"... and {hidden} more", err=True)
        raise
    click.echo(f"{source}: valid {name}")


@click.command()
@click.option(
    "-v", "--verbose", is_flag=True, help="Also list every option with its type and default."
)
def formats(verbose: bool) -> None:
    """List formats, what each reads and writes, and their options."""
    for name in registry.available():
        try:
            spec = registry.get_format(name)
        except FormatLoadError as exc:
            click.echo(f"{name:<10} (failed to load: {exc})")
            continue
        modes = "/".join(mode for mode, fn in (("read", spec.read), ("write", spec.write)) if fn)
        click.echo(f"{name:<10} {modes:<11} {spec.summary}")
        if spec.write is not None and spec.writes_kinds:
            click.echo(f"{'':<10} {'':<11} holds: {', '.join(sorted(spec.writes_kinds))}")
        if verbose:
            _print_options("read", spec.read)
            _print_options("write", spec.write)


def _print_options(mode: str, function: registry.Reader | registry.Writer | None) -> None:
    if function is None:
        return
    flag = "-R" if mode == "read" else "-W"
    for option in registry.options_of(function):
        choices = f" ({'|'.join(option.choices)})" if option.choices else ""
        click.echo(
            f"{'':<22} {flag} {option.name}={option.type_name}{choices}"
            f"  default: {option.default!r}"
        )
