"""The export query as the official SDK sends it (``--wire sdk``).

``SDK.export``/``exportV3`` both call ``GET /v2/export`` with every option of its
``ExportOptions`` spelled out: ``sendEmail``, ``includeMetadata``, ``includeHistory``,
``doNotNotify``, ``format``, ``type``, ``includeOnlyKeyFrames``,
``includeIdleBlurDurations``, ``taskTypes`` and ``stage`` (JSON lists), ``batches`` (a JSON
list). The defaults here are the SDK's: stage ``["Complete"]``, metadata and history on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

SDK_EXPORT_PATH = "/v2/export"


def sdk_export_params(
    project: str,
    *,
    format: str | None = None,
    stage: str | None = None,
    batches: Sequence[str] = (),
    include_history: bool | None = None,
    include_metadata: bool | None = None,
    include_assets: bool | None = None,
) -> dict[str, str]:
    """The SDK's query for an export of ``project`` (``stage`` from ``--status``)."""
    params = {
        "sendEmail": "false",
        "includeMetadata": _flag(include_metadata, True),
        "includeHistory": _flag(include_history, True),
        "doNotNotify": "true",
        "format": format or "json",
        "type": "task",
        "includeOnlyKeyFrames": "false",
        "includeIdleBlurDurations": "false",
    }
    if batches:
        params["batches"] = json.dumps(list(batches))
    params["taskTypes"] = json.dumps(["default"])
    params["stage"] = json.dumps([stage or "Complete"])
    if include_assets is not None:  # not an SDK option; the API page lists it
        params["includeAssets"] = _flag(include_assets, False)
    params["project"] = project
    return params


def _flag(value: bool | None, default: bool) -> str:
    return str(default if value is None else value).lower()
