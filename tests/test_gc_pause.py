"""The cyclic collector is paused while a dataset is read or written, and left as it was."""

from __future__ import annotations

import dataclasses
import gc
from pathlib import Path

import pytest

import ango_convert
from ango_convert import registry
from ango_convert._gc import cyclic_gc_paused
from ango_convert.formats import coco
from tests.conftest import SAMPLES


def test_pause_restores_the_state_it_found() -> None:
    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
        with cyclic_gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause left the outer one alone
    assert gc.isenabled()
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()


def test_pause_ends_on_an_error() -> None:
    with pytest.raises(KeyError), cyclic_gc_paused():
        raise KeyError("stop")
    assert gc.isenabled()


def test_read_and_write_run_with_the_collector_paused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    original_read, original_write = coco.read.read, coco.write.write

    def spying_read(*args: object, **kwargs: object) -> ango_convert.Dataset:
        seen.append(gc.isenabled())
        return original_read(*args, **kwargs)  # type: ignore[arg-type]

    def spying_write(*args: object, **kwargs: object) -> ango_convert.WriteReport:
        seen.append(gc.isenabled())
        return original_write(*args, **kwargs)  # type: ignore[arg-type]

    spied = dataclasses.replace(coco.FORMAT, read=spying_read, write=spying_write)
    monkeypatch.setattr(registry, "get_format", lambda name: spied)
    dataset = ango_convert.read(SAMPLES / "coco" / "annotations.json", "coco")
    ango_convert.write(dataset, tmp_path / "out.json", "coco")
    assert seen == [False, False]
    assert gc.isenabled()
