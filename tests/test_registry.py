"""The format registry: built-ins by name, lazy plugins, option binding."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Literal

import pytest

from ango_convert import registry
from ango_convert.errors import FormatLoadError, UnknownFormatError
from ango_convert.model import Dataset
from ango_convert.registry import FormatSpec


def _reader(
    source: Path,
    *,
    count: int = 1,
    mode: Literal["a", "b"] = "a",
    names: tuple[str, ...] = (),
    strict: bool = False,
) -> Dataset:
    return Dataset(categories=(), items=())


@pytest.fixture
def plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, EntryPoint]]:
    points: dict[str, EntryPoint] = {}
    monkeypatch.setattr(registry, "_entry_points", lambda: points)
    yield points
    for name in list(points):
        registry._loaded.pop(name, None)


class TestGetFormat:
    def test_get_format__builtin_ango(self) -> None:
        assert registry.get_format("ango").name == "ango"

    def test_get_format__unknown_lists_known(self) -> None:
        with pytest.raises(UnknownFormatError, match="unknown format 'nope'; known formats: coco"):
            registry.get_format("nope")

    def test_get_format__broken_plugin_fails_only_when_asked(
        self, plugins: dict[str, EntryPoint]
    ) -> None:
        plugins["broken"] = EntryPoint(
            "broken", "no_such_module_xyz:FORMAT", registry.ENTRY_POINT_GROUP
        )
        assert "broken" in registry.available()
        assert registry.get_format("ango").name == "ango"
        with pytest.raises(FormatLoadError, match="format 'broken'"):
            registry.get_format("broken")

    def test_get_format__plugin_must_be_formatspec(self, plugins: dict[str, EntryPoint]) -> None:
        plugins["notspec"] = EntryPoint("notspec", "os.path:join", registry.ENTRY_POINT_GROUP)
        with pytest.raises(FormatLoadError, match="is not a FormatSpec"):
            registry.get_format("notspec")

    def test_get_format__plugin_loads_lazily(self, plugins: dict[str, EntryPoint]) -> None:
        plugins["mine"] = EntryPoint(
            "mine", "tests.test_registry:PLUGIN", registry.ENTRY_POINT_GROUP
        )
        assert registry.get_format("mine") is PLUGIN

    def test_register__cannot_replace_builtin(self) -> None:
        with pytest.raises(ValueError, match="built-in"):
            registry.register(FormatSpec(name="coco", summary="x"))


PLUGIN = FormatSpec(name="mine", summary="test plugin", read=_reader)


class TestBindOptions:
    def test_bind__converts_by_type_hints(self) -> None:
        bound = registry.bind_options(
            _reader, {"count": "3", "mode": "b", "names": "x, y", "strict": "yes"}
        )
        assert bound == {"count": 3, "mode": "b", "names": ("x", "y"), "strict": True}

    def test_bind__unknown_option_lists_valid(self) -> None:
        with pytest.raises(ValueError, match="unknown option 'colour'; valid options: count, mode"):
            registry.bind_options(_reader, {"colour": "red"})

    def test_bind__literal_checked(self) -> None:
        with pytest.raises(ValueError, match="must be one of a, b, got 'c'"):
            registry.bind_options(_reader, {"mode": "c"})

    def test_bind__bad_int(self) -> None:
        with pytest.raises(ValueError, match="must be an int, got 'x'"):
            registry.bind_options(_reader, {"count": "x"})

    def test_options_of__lists_keyword_only(self) -> None:
        names = [option.name for option in registry.options_of(_reader)]
        assert names == ["count", "mode", "names", "strict"]
