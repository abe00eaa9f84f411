"""A project as Hub describes it (``GET /v2/project/{id}``, the SDK's ``get_project``):
here, its ontology (``categorySchema``)."""

from __future__ import annotations

from typing import Any

from ango_convert.errors import HubError
from ango_convert.hub.client import AngoClient


def project_path(project: str) -> str:
    """The project endpoint."""
    return f"/v2/project/{project}"


def fetch_category_schema(client: AngoClient, project: str) -> dict[str, Any]:
    """The project's ``categorySchema`` (tools, classifications, relations).

    Raises:
        HubError: Hub's answer holds no categorySchema (or any error answer).
        AuthError, HubConnectionError: As :meth:`AngoClient.get`.
    """
    data = client.get(project_path(project))
    found = data.get("project")
    schema = found.get("categorySchema") if isinstance(found, dict) else None
    if not isinstance(schema, dict):
        raise HubError(f"project {project} has no categorySchema in Hub's answer")
    return schema
