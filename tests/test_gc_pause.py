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


def test_what_the_pause_made_is_not_walked_by_the_next_young_collection() -> None:
    with cyclic_gc_paused():
        made = [[index] for index in range(50_000)]
    # moved straight to the oldest generation (a young collection would have moved the
    # survivors one generation up, walking them), none left frozen
    oldest = {id(each) for each in gc.get_objects(generation=2)}
    assert id(made[0]) in oldest
    assert id(made[-1]) in oldest
    assert gc.get_freeze_count() == 0
    del made


def test_objects_the_program_froze_stay_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with cyclic_gc_paused():
            made = [[index] for index in range(10_000)]
        assert gc.get_freeze_count() == frozen  # nothing thawed, nothing added
        del made
    finally:
        gc.unfreeze()


def test_cycles_made_during_the_pause_are_still_collected() -> None:
    with cyclic_gc_paused():
        cycle: list[object] = []
        cycle.append(cycle)
    del cycle
    assert gc.collect() >= 1
