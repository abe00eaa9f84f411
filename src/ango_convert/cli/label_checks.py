"""``upload``'s checks that labels land: the asset pre-check and the import outcome.

Hub answers a label import with ``"N / M tasks are labeled."`` and status 200 even when
records match no asset. ``upload`` therefore counts what Hub labelled against what was
sent, and exits 11 (:class:`~ango_convert.errors.UnlabelledError`) when fewer were
labelled, unless ``--allow-unlabelled``. Before sending, ``--check-assets`` looks each
record's externalId (or assetId) up among the project's assets and names those that
match none; it is on by default for payloads of at most
:data:`~ango_convert.hub.assets.AUTO_CHECK_MAX_KEYS` distinct assets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from ango_convert.errors import UnlabelledError
from ango_convert.hub import assets as hub_assets
from ango_convert.hub import upload as up
from ango_convert.hub.client import AngoClient
from ango_convert.hub.outcome import journal_outcome

F = TypeVar("F", bound=Callable[..., Any])
_SHOWN = 20  # names listed in a message; the rest are counted (the --report has them all)


def outcome_options(function: F) -> F:
    """Add --check-assets/--no-check-assets and --allow-unlabelled."""
    decorators = [
        click.option(
            "--check-assets/--no-check-assets",
            default=None,
            help="Before sending, look every externalId/assetId up among the project's "
            "assets (one request each) and name those that match none [default: on up "
            f"to {hub_assets.AUTO_CHECK_MAX_KEYS} distinct assets].",
        ),
        click.option(
            "--allow-unlabelled",
            is_flag=True,
            help="Exit 0 even when Hub labels fewer tasks than labels were sent "
            "(otherwise exit 11).",
        ),
    ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


def _names(pairs: Sequence[tuple[str, str]]) -> str:
    shown = ", ".join(
        f"{'assetId' if key == '_id' else key} {value!r}" for key, value in pairs[:_SHOWN]
    )
    more = len(pairs) - _SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


class LabelChecks:
    """The ``before_send`` hook of the upload: what earlier runs saw labelled (from the
    journal), then the asset check, naming the records that match no asset.

    Args:
        project: The project id.
        mode: True or False from ``--check-assets``; None for automatic (small payloads).
        quiet: Whether ``-q`` silenced the notes.

    Attributes:
        earlier: (labelled, sent) of the batches the journal already confirmed.
    """

    def __init__(self, project: str, mode: bool | None, quiet: bool) -> None:
        self.project = project
        self.mode = mode
        self.quiet = quiet
        self.earlier = (0, 0)

    def __call__(
        self, client: AngoClient, records: list[up.Record], report: up.UploadReport
    ) -> None:
        if report.journal:
            self.earlier = journal_outcome(report.journal)
        keys = hub_assets.asset_keys(records)
        if self.mode is False or not keys:
            return
        quiet, project = self.quiet, self.project
        unkeyed = len(records) - sum(1 for r in records if r.get("externalId") or r.get("assetId"))
        if unkeyed and not quiet:
            click.echo(
                f"note: {unkeyed} record(s) keyed only by data (the asset URL) are not "
                "looked up; Hub's answer still counts them",
                err=True,
            )
        if self.mode is None and len(keys) > hub_assets.AUTO_CHECK_MAX_KEYS:
            if not quiet:
                click.echo(
                    f"note: {len(keys)} distinct assets; skipping the asset check "
                    "(--check-assets forces it)",
                    err=True,
                )
            return
        missing = hub_assets.missing_assets(client, project, keys)
        report.missing_assets = [value for _key, value in missing]
        if missing:
            click.echo(
                f"warning: {len(missing)} of {len(keys)} asset key(s) match no asset in "
                f"project {project}: {_names(missing)}; their labels will not land",
                err=True,
            )
        elif not quiet:
            click.echo(f"asset check: all {len(keys)} asset key(s) found", err=True)


def check_outcome(
    report: up.UploadReport | None, allow: bool, earlier: tuple[int, int] = (0, 0)
) -> None:
    """Raise :class:`UnlabelledError` when Hub labelled fewer tasks than were sent, in
    this run or in the earlier runs the journal records (``earlier``).

    Raises:
        UnlabelledError: Unless ``allow``.
    """
    if report is None:
        return
    now_labelled, now_sent = report.counted or (0, 0)
    labelled, sent = now_labelled + earlier[0], now_sent + earlier[1]
    if labelled >= sent:
        return
    text = f"Hub labelled {labelled} of {sent} label(s) sent; {sent - labelled} matched no task"
    if report.missing_assets:
        pairs = [("externalId", name) for name in report.missing_assets]
        text += f" (no asset for {_names(pairs)})"
    else:
        text += " (check the externalIds against the project's assets: --check-assets)"
    if earlier[1] > earlier[0]:
        text += (
            f"; {earlier[1] - earlier[0]} of them in batches an earlier run confirmed, "
            f"which are not sent again: after creating the assets, upload with a new --journal"
        )
    if allow:
        click.echo(f"warning: {text}", err=True)
        return
    raise UnlabelledError(text + "; --allow-unlabelled accepts this")
