"""The ``ango-convert`` command group: thin wiring over the library.

Commands live in their own modules and are imported only when run, so ``--help`` and
quick commands stay fast. Every expected error becomes one line on stderr and the exit
code its class declares (see :mod:`ango_convert.errors`); only ``-v -v`` shows tracebacks.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any, NoReturn

import click

from ango_convert import __version__, _exit
from ango_convert.errors import EXIT_ERROR, EXIT_INTERRUPTED, AngoConvertError

COMMANDS = {
    "convert": ("ango_convert.cli.convert_cmd:convert", "Convert annotations between formats."),
    "validate": (
        "ango_convert.cli.inspect_cmd:validate",
        "Check a payload or export against its schema.",
    ),
    "formats": (
        "ango_convert.cli.inspect_cmd:formats",
        "List formats, what they read and write, and their options.",
    ),
    "ontology": (
        "ango_convert.cli.ontology_cmd:ontology",
        "Write an Ango categorySchema from a dataset's classes.",
    ),
    "upload": ("ango_convert.cli.hub_cmd:upload", "Upload labels to an Ango Hub project."),
    "attach": ("ango_convert.cli.hub_cmd:attach", "Import attachments into an Ango Hub project."),
    "assets": (
        "ango_convert.cli.assets_cmd:assets",
        "Create Ango Hub assets from image URLs (a list, or a dataset with --url-base).",
    ),
    "export": (
        "ango_convert.cli.hub_cmd:export",
        "Export a project from Ango Hub, optionally converting it.",
    ),
    "stats": (
        "ango_convert.cli.stats_cmd:stats",
        "Count what a dataset holds, per class and kind.",
    ),
    "preview": (
        "ango_convert.cli.preview_cmd:preview",
        "Draw annotations over their images, with an index.html contact sheet.",
    ),
    "diff": (
        "ango_convert.cli.diff_cmd:diff",
        "Measure what changed between two datasets (exit 10 when they differ).",
    ),
}

logger = logging.getLogger("ango_convert")

#: Options that have a flag of their own; any other writer option is ``-W name=value``.
FLAGS = {
    "on_unsupported": "--on-unsupported",
    "on_error": "--on-error",
    "task": "--task",
    "images_dir": "--images",
    "schema_map": "--schema-map",
    "ontology": "--ontology",
    "overwrite": "--overwrite",
    "from_format": "--from",
    "project": "--project",
    "title_only": "--title-only",
    "external_id": "--external-id",
    "download_images": "--download-images",
}


def flag_form(name: str, value: str) -> str:
    """How a CLI user passes an option that an error's hint names."""
    flag = FLAGS.get(name)
    if flag is None:
        return f"-W {name}={value}"
    if value in ("", "True", "true"):  # a switch
        return flag
    return f"{flag} {value}"


class LazyGroup(click.Group):
    """A group that imports each command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module_name, _, attribute = COMMANDS[cmd_name][0].partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Listing help must not import every command module; the summaries live here.
        rows = [(name, summary) for name, (_, summary) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AngoConvertError as exc:
            _fail(ctx, exc.message(flag_form), exc.exit_code, exc)
        except KeyboardInterrupt:
            _fail(ctx, "interrupted; outputs were left as they were", EXIT_INTERRUPTED, None)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug: keep it on one line unless asked for detail
            _fail(
                ctx,
                f"internal error: {type(exc).__name__}: {exc} (run with -vv for details)",
                EXIT_ERROR,
                exc,
            )


def _fail(ctx: click.Context, message: str, code: int, exc: BaseException | None) -> NoReturn:
    verbosity = (ctx.obj or {}).get("verbosity", 0)
    if exc is not None and verbosity >= 2:
        logger.exception("traceback:")
    click.echo(f"error: {' '.join(message.split())}", err=True)
    sys.exit(code)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ango-convert")
@click.option("-v", "--verbose", count=True, help="More detail: -v info, -vv debug and tracebacks.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Convert annotations between COCO, Pascal VOC, YOLO and Ango Hub.

    \b
    Exit codes:
      0 ok            1 internal error     2 usage or unknown format
      3 bad input     4 schema invalid     5 cannot convert as asked
      6 cannot write  7 Ango Hub error     8 API key refused
      9 Hub unreachable                    130 interrupted
    """
    level = (
        logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    )
    # Same prefixes as the report's own lines ("warning: ...", "error: ...").
    for number in (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR):
        logging.addLevelName(number, logging.getLevelName(number).lower())
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", stream=sys.stderr)
    ctx.obj = {"verbosity": -1 if quiet else verbose}


def main() -> None:
    """Entry point of the ``ango-convert`` command."""
    _exit.retain_until_exit()
    try:
        cli(prog_name="ango-convert")
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            _exit.exit_now(done.code or 0)  # returns unless a conversion left data to free
        raise
