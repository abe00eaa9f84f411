"""Shared fixtures: a CLI runner, the samples folder, golden-file handling and the loopback
Ango Hub server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.hub_server import HubServer

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
GOLDEN = ROOT / "tests" / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite the golden files from the current output (review the diff!).",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def samples() -> Path:
    return SAMPLES


@pytest.fixture
def hub() -> Iterator[HubServer]:
    """A fresh loopback Ango Hub server for one test."""
    with HubServer() as server:
        yield server
