"""The public surface: what `import ango_convert` offers, and the shipped schemas."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

import ango_convert
from ango_convert import validation


def test_all__matches_public_names() -> None:
    public = {name for name in vars(ango_convert) if not name.startswith("_")}
    modules = {
        "api",
        "errors",
        "model",
        "registry",
        "report",
        "formats",
        "io",
        "views",
        "validation",
        "geometry",
        "ontology",
        "masks",
        "logging",
        "annotations",
        "hub",
        "cli",
        "parallel",
    }
    assert set(ango_convert.__all__) - {"__version__"} == public - modules


@pytest.mark.parametrize("name", sorted(validation.SCHEMAS))
def test_schema__ships_and_is_valid(name: str) -> None:
    Draft202012Validator.check_schema(validation.load_schema(name))


def test_detect_schema__by_shape() -> None:
    assert validation.detect_schema({"project": "p", "labels": []}) == "ango-import"
    assert validation.detect_schema({"project": "p", "jsonContent": []}) == "ango-import-sdk"
    assert validation.detect_schema([{"externalId": "a", "task": {}}]) == "ango-export-v3"
    assert validation.detect_schema([{"externalId": "a", "tasks": []}]) == "ango-export-v2"
    assert validation.detect_schema([{"externalId": "a", "objects": []}]) == "ango-import-flat"
    assert (
        validation.detect_schema(
            {"project": "p", "attachments": [{"externalId": "a", "attachments": []}]}
        )
        == "ango-attachments-sdk"
    )
    assert validation.detect_schema(42) is None
