"""The project's assets: look them up (``GET /v2/project/{id}/assets``) before labels go.

Labels only land on assets that exist, and Hub does not refuse a record whose externalId
matches nothing: it answers 200 with fewer tasks labelled. :func:`missing_assets` names
those records before anything is sent. Each key is looked up as the SDK's ``get_assets``
sends it: ``?page=1&limit=N&filters={"externalId": "..."}`` (``_id`` for an assetId),
the filter being ``json.dumps`` of the dict. That is one request per distinct key, which
is why the CLI runs it by default only for small payloads (see
:data:`AUTO_CHECK_MAX_KEYS`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ango_convert.hub.client import AngoClient

logger = logging.getLogger(__name__)

#: ``--check-assets`` is on by default up to this many distinct asset keys: one lookup
#: each, so at most 100 requests, a minute of the standard plan's rate limit at worst.
AUTO_CHECK_MAX_KEYS = 100
PAGE_LIMIT = 10


def assets_path(project: str) -> str:
    """The asset list endpoint of ``project``."""
    return f"/v2/project/{project}/assets"


def asset_query(
    filters: Mapping[str, Any], page: int = 1, limit: int = PAGE_LIMIT
) -> dict[str, str]:
    """Query parameters as the SDK's ``get_assets`` builds them."""
    return {"page": str(page), "limit": str(limit), "filters": json.dumps(dict(filters))}


def asset_keys(records: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """Distinct (key, value) pairs identifying the records' assets, in first-seen order.

    A record with an externalId is looked up by it, else by its assetId (``_id``).
    Records keyed only by ``data`` (the asset URL) cannot be filtered and are skipped.
    """
    seen: dict[tuple[str, str], None] = {}
    for record in records:
        external, asset_id = record.get("externalId"), record.get("assetId")
        if isinstance(external, str) and external:
            seen.setdefault(("externalId", external), None)
        elif isinstance(asset_id, str) and asset_id:
            seen.setdefault(("_id", asset_id), None)
    return list(seen)


def asset_exists(client: AngoClient, project: str, key: str, value: str) -> bool:
    """Whether ``project`` has an asset whose ``key`` (externalId or _id) is ``value``."""
    data = client.get(assets_path(project), asset_query({key: value}))
    assets = data.get("assets")
    if not isinstance(assets, list):
        return False
    # The filter is the server's; the equality test guards against a prefix or
    # case-insensitive match counting as found.
    return any(isinstance(a, Mapping) and a.get(key) == value for a in assets)


def missing_assets(
    client: AngoClient,
    project: str,
    keys: Sequence[tuple[str, str]],
    on_key: Callable[[int], None] | None = None,
) -> list[tuple[str, str]]:
    """The (key, value) pairs of ``keys`` that match no asset of ``project``.

    Raises:
        HubError, AuthError, HubConnectionError: As :meth:`AngoClient.get`.
    """
    missing = []
    for key, value in keys:
        if not asset_exists(client, project, key, value):
            missing.append((key, value))
        if on_key is not None:
            on_key(1)
    return missing
