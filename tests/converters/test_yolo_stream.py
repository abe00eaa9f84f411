"""YOLO writing from streamed items: one pass when the first objects fix the task, two
when a later item needs a richer one; the output is always the in-memory one."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from ango_convert.errors import ConversionError
from ango_convert.formats import yolo
from ango_convert.model import Annotation, Box, Category, Dataset, Item, Keypoints, Polygon, Zone

BOX = Box(category_id=1, x=1, y=2, width=3, height=4)
SQUARE = Polygon(category_id=2, zones=(Zone(outer=((1.0, 1.0), (5.0, 1.0), (5.0, 5.0))),))
POSE = Keypoints(category_id=1, points=((2.0, 3.0, 2), (4.0, 4.0, 1)), group="p")
POSE_BOX = Box(category_id=1, x=1, y=2, width=3, height=4, group="p")


class Streamed:
    """A re-iterable that, like the export readers, rebuilds its items on every pass."""

    def __init__(self, contents: Sequence[tuple[Annotation, ...]]) -> None:
        self.contents = contents
        self.passes = 0

    def __iter__(self) -> Iterator[Item]:
        self.passes += 1
        for index, objects in enumerate(self.contents):
            yield Item(
                id=f"i{index}",
                file_name=f"img {index}.jpg",
                width=10,
                height=10,
                annotations=objects,
            )


def dataset(items: object) -> Dataset:
    categories = (Category(id=1, name="a", keypoint_names=("l", "r")), Category(id=2, name="b"))
    return Dataset(categories=categories, items=items)  # type: ignore[arg-type]


def files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def write_both(tmp_path: Path, contents: list[tuple[Annotation, ...]]) -> Streamed:
    """Write streamed and in-memory; assert the same files; return the stream."""
    streamed = Streamed(contents)
    report = yolo.write.write(dataset(streamed), tmp_path / "streamed", images="none")
    expected = yolo.write.write(
        dataset(tuple(Streamed(contents))), tmp_path / "held", images="none"
    )
    assert files(tmp_path / "streamed") == files(tmp_path / "held")
    assert (report.items, report.annotations, report.warnings) == (
        expected.items,
        expected.annotations,
        expected.warnings,
    )
    return streamed


@pytest.mark.parametrize(
    ("contents", "passes"),
    [
        ([(BOX,), (BOX, BOX), ()], 1),
        ([(), (SQUARE,), (BOX,)], 1),  # the first objects decide: no restart
        ([(POSE_BOX, POSE), (BOX,)], 1),
        ([(BOX,), (), (SQUARE,), (BOX,)], 2),  # boxes written as detect: start over
        ([(BOX,), (POSE_BOX, POSE)], 2),
    ],
)
def test_streamed_output_is_the_in_memory_output(
    tmp_path: Path, contents: list[tuple[Annotation, ...]], passes: int
) -> None:
    assert write_both(tmp_path, contents).passes == passes


def test_explicit_pose_without_keypoints_yet_starts_over(tmp_path: Path) -> None:
    streamed = Streamed([(BOX,), (POSE_BOX, POSE)])
    yolo.write.write(dataset(streamed), tmp_path / "out", task="pose", images="none")
    assert streamed.passes == 2
    assert (tmp_path / "out" / "labels" / "train" / "img 0.txt").read_text().count(" ") == 10


def test_one_shot_iterator_is_read_once(tmp_path: Path) -> None:
    contents: list[tuple[Annotation, ...]] = [(BOX,), (SQUARE,)]
    once = iter(Streamed(contents))
    yolo.write.write(dataset(once), tmp_path / "once", images="none")
    yolo.write.write(dataset(tuple(Streamed(contents))), tmp_path / "held", images="none")
    assert files(tmp_path / "once") == files(tmp_path / "held")


def test_missing_sizes_are_listed_at_the_end(tmp_path: Path) -> None:
    def items() -> Iterator[Item]:
        for index in range(8):
            yield Item(id=f"n{index}", file_name=f"{index}.jpg", annotations=(BOX,))

    with pytest.raises(ConversionError, match=r"8 item\(s\) have none: 'n0', .* and 3 more"):
        yolo.write.write(dataset(items()), tmp_path / "out", images="none")
    assert not (tmp_path / "out").exists()
