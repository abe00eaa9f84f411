"""Masks on huge images: only the mask's bounding box is decoded, traced or rasterised
(a 100000 x 100000 image asked for 9.3 GiB, and a zone with a hole for 74.5 GiB); a box
still over ``MAX_MASK_PIXELS`` is refused with exit 5, naming the item. Peak memory is
measured in a child process (< 500 MB).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ango_convert.errors import EXIT_CONVERSION
from ango_convert.masks import mask_to_zones, zones_to_mask
from ango_convert.masks.crop import MaskTooLarge
from ango_convert.model import Mask, Zone
from tests.hostile.measured import PEAK_LIMIT_MB, run_measured
from tests.hostile.test_export_hostile import v3

SIDE = 100_000


def block_counts(x: int, y: int, size: int, side: int = SIDE) -> list[int]:
    """Column-major runs of a ``size`` x ``size`` block at (x, y) on a side x side image."""
    counts = [x * side + y]
    for column in range(size):
        counts.append(size)
        if column < size - 1:
            counts.append(side - size)
    counts.append(side * side - sum(counts))
    return counts


def coco(segmentation: dict[str, Any]) -> str:
    return json.dumps(
        {
            "images": [{"id": 1, "file_name": "a.png", "width": SIDE, "height": SIDE}],
            "categories": [{"id": 1, "name": "cat"}],
            "annotations": [
                {
                    "id": 1,
                    "image_id": 1,
                    "category_id": 1,
                    "segmentation": segmentation,
                    "bbox": [0, 0, 10, 10],
                    "iscrowd": 1,
                }
            ],
        }
    )


def holed_export(outer: list[list[float]], hole: list[list[float]]) -> str:
    record = v3(0)
    record["metadata"] = {"width": SIDE, "height": SIDE}
    tool = record["task"]["tools"][0]
    del tool["bounding-box"]
    tool["segmentation"] = {"zones": [{"region": outer, "holes": [hole]}]}
    return json.dumps([record])


def square(x: float, y: float, size: float) -> list[list[float]]:
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size]]


def convert(tmp_path: Path, name: str, text: str, to: str, *args: str) -> tuple[int, str, float]:
    source = tmp_path / name
    source.write_text(text)
    target = tmp_path / "out.json"
    run = run_measured(["convert", str(source), "--to", to, "-o", str(target), *args], tmp_path)
    assert "Traceback" not in run.stderr
    assert run.peak_mb < PEAK_LIMIT_MB, f"peak {run.peak_mb:.0f} MB"
    return run.code, run.stderr, run.peak_mb


def test_small_rle_on_a_huge_image_is_traced_in_its_box(tmp_path: Path) -> None:
    segmentation = {"size": [SIDE, SIDE], "counts": block_counts(50_000, 60_000, 10)}
    code, stderr, _ = convert(tmp_path, "coco.json", coco(segmentation), "ango-flat")
    assert code == 0, stderr
    (record,) = json.loads((tmp_path / "out.json").read_text())
    zones = record["objects"][0]["segmentation"]["zones"]
    assert zones == [
        {"region": [[50000, 60000], [50010, 60000], [50010, 60010], [50000, 60010]], "holes": []}
    ]


def test_rle_whose_box_is_over_the_cap_is_refused(tmp_path: Path) -> None:
    # One pixel at the top-left corner, one at the bottom-right: the box is the image.
    counts = [0, 1, SIDE * SIDE - 2, 1]
    segmentation = {"size": [SIDE, SIDE], "counts": counts}
    code, stderr, _ = convert(tmp_path, "coco.json", coco(segmentation), "ango-flat")
    assert code == EXIT_CONVERSION, stderr
    (error,) = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert "'a.png'" in error or "item" in error, error
    assert "MAX_MASK_PIXELS" in error


def test_zone_with_a_hole_on_a_huge_image_is_rasterised_in_its_box(tmp_path: Path) -> None:
    text = holed_export(square(70_000, 80_000, 20), square(70_005, 80_005, 10))
    code, stderr, _ = convert(tmp_path, "export.json", text, "coco", "--from", "ango-v3")
    assert code == 0, stderr
    (annotation,) = json.loads((tmp_path / "out.json").read_text())["annotations"]
    assert annotation["area"] == 20 * 20 - 10 * 10
    assert annotation["bbox"] == [70_000, 80_000, 20, 20]


def test_zone_with_a_hole_over_the_cap_is_refused(tmp_path: Path) -> None:
    text = holed_export(square(0, 0, SIDE), square(10, 10, 10))
    code, stderr, _ = convert(tmp_path, "export.json", text, "coco", "--from", "ango-v3")
    assert code == EXIT_CONVERSION, stderr
    assert "MAX_MASK_PIXELS" in stderr and "img0.jpg" in stderr


@pytest.mark.parametrize("corner", [(0, 0), (3, 5), (7, 0), (0, 9)])
def test_box_work_gives_the_whole_image_answer(corner: tuple[int, int]) -> None:
    """Tracing and rasterising in the box equal the whole-image results (a small image,
    where both can be computed): zones shifted by the box's corner, identical runs."""
    x, y = corner
    mask = Mask(category_id=1, height=12, width=12, counts=tuple(block_counts(x, y, 2, 12)))
    zones = mask_to_zones(mask)
    assert zones_to_mask(zones, height=12, width=12, category_id=1).counts == mask.counts
    ring = Zone(outer=((x, y), (x + 2, y), (x + 2, y + 2), (x, y + 2)))
    assert zones == (ring,)


def test_cap_error_is_a_conversion_error() -> None:
    with pytest.raises(MaskTooLarge, match="MAX_MASK_PIXELS"):
        zones_to_mask(
            [Zone(outer=((0, 0), (SIDE, 0), (SIDE, SIDE)))], height=SIDE, width=SIDE, category_id=1
        )
