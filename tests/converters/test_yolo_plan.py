"""The YOLO task vote (issue 13): crowd regions and difficult objects, which the writer
leaves out unless ``keep_crowd``, do not choose the task."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ango_convert.formats import yolo
from ango_convert.formats.yolo.plan import Stats
from ango_convert.model import (
    ATTR_ISCROWD,
    Box,
    Category,
    Dataset,
    Item,
    JSONValue,
    Keypoints,
    Polygon,
    Zone,
)

CAR = Category(id=1, name="car")
RING = Zone(outer=((1.0, 1.0), (30.0, 1.0), (30.0, 30.0), (1.0, 30.0)))


def _box(x: float = 1, **attributes: JSONValue) -> Box:
    return Box(category_id=1, x=x, y=1, width=9, height=9, attributes=attributes)


def _crowd_polygon() -> Polygon:
    return Polygon(category_id=1, zones=(RING,), attributes={ATTR_ISCROWD: 1})


def _items() -> list[Item]:
    """Two plain boxes, and three crowd polygons that would vote for segment."""
    return [
        Item(id="a", file_name="a.jpg", width=64, height=64, annotations=(_box(),)),
        Item(
            id="b",
            file_name="b.jpg",
            width=64,
            height=64,
            annotations=(_box(2), _crowd_polygon(), _crowd_polygon(), _crowd_polygon()),
        ),
    ]


class _Reread:
    """A re-iterable that is not a Sequence: the writer streams it, as a reader's items."""

    def __init__(self, items: list[Item]) -> None:
        self.items = items

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)


def test_stats__crowd_and_difficult_left_out_unless_kept() -> None:
    difficult = Polygon(category_id=1, zones=(RING,), attributes={"difficult": 1})
    not_difficult = Polygon(category_id=1, zones=(RING,), attributes={"difficult": 0})
    item = Item(
        id="a",
        file_name="a.jpg",
        annotations=(_box(), _box(2, **{ATTR_ISCROWD: 0}), _crowd_polygon(), difficult),
    )
    plain = Item(id="b", file_name="b.jpg", annotations=(not_difficult,))
    default = Stats().add_all([item, plain])
    assert default.objects == {"box": 2, "polygon": 1} and default.kinds == {"box", "polygon"}
    kept = Stats(keep_crowd=True).add_all([item, plain])
    assert kept.objects == {"box": 2, "polygon": 3}


def test_stats__a_crowd_pose_does_not_swallow_its_plain_box() -> None:
    """A box whose group's keypoints are left out is counted as a box, not as a pose."""
    box = Box(category_id=1, x=1, y=1, width=9, height=9, group="g")
    pose = Keypoints(category_id=1, points=((2, 2, 2),), group="g", attributes={"difficult": 1})
    item = Item(id="a", file_name="a.jpg", annotations=(box, pose))
    assert Stats().add_all([item]).objects == {"box": 1}
    assert Stats(keep_crowd=True).add_all([item]).objects == {"keypoints": 1}


@pytest.mark.parametrize("streamed", [False, True], ids=["in-memory", "streamed"])
def test_write__crowd_does_not_choose_the_task(tmp_path: Path, streamed: bool) -> None:
    items = _items()
    dataset = Dataset(categories=(CAR,), items=_Reread(items) if streamed else items)
    report = yolo.write.write(dataset, tmp_path / "ds", images="none")
    assert report.steps == ["task detect: it holds all 2 object(s) (2 box)"]
    assert report.skipped == {"crowd polygon": 3}
    assert report.annotations == 2
    labels = sorted((tmp_path / "ds" / "labels" / "train").glob("*.txt"))
    assert [len(path.read_text().split()) for path in labels] == [5, 5]


@pytest.mark.parametrize("streamed", [False, True], ids=["in-memory", "streamed"])
def test_write__kept_crowd_votes(tmp_path: Path, streamed: bool) -> None:
    items = _items()
    dataset = Dataset(categories=(CAR,), items=_Reread(items) if streamed else items)
    report = yolo.write.write(dataset, tmp_path / "ds", images="none", keep_crowd=True)
    assert report.steps == ["task segment: it holds all 5 object(s) (2 box, 3 polygon)"]
    assert report.annotations == 5 and not report.skipped
