"""``ango-convert stats`` and ``ango_convert.views.stats``: figures held against counts made
here from the raw files (JSON, XML, label lines), not through the IR."""

from __future__ import annotations

import json
import statistics
import tracemalloc
import xml.etree.ElementTree as ElementTree
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import ango_convert
from ango_convert.cli.main import cli
from ango_convert.model import (
    Annotation,
    Box,
    Category,
    Classification,
    Dataset,
    Item,
    Keypoints,
    Mask,
    Point,
    Polyline,
)
from ango_convert.views import stats
from ango_convert.views.tallies import MAX_VALUES, OTHER, Histogram, spread_of_counts

# --- the four sample formats, against their raw files ----------------------------------


def _spread(per_item: list[int]) -> dict[str, float]:
    return {
        "min": min(per_item),
        "median": statistics.median(per_item),
        "max": max(per_item),
        "mean": statistics.mean(per_item),
    }


def test_stats__coco_matches_the_raw_json(samples: Path) -> None:
    raw = json.loads((samples / "coco" / "annotations.json").read_text())
    names = {c["id"]: c["name"] for c in raw["categories"]}
    per_image: Counter[int] = Counter()
    per_class: Counter[str] = Counter()
    per_kind: Counter[str] = Counter()
    for annotation in raw["annotations"]:
        segmentation = annotation.get("segmentation")
        kinds = ["polygon" if segmentation else "box"]
        if isinstance(segmentation, dict):
            kinds = ["mask"]
        if annotation.get("num_keypoints", 0) > 0:
            kinds.append("keypoints")  # the box and the pose are two objects in the IR
        for kind in kinds:
            per_kind[kind] += 1
            per_class[names[annotation["category_id"]]] += 1
            per_image[annotation["image_id"]] += 1
    counts = [per_image[image["id"]] for image in raw["images"]]

    figures = stats(ango_convert.read(samples / "coco" / "annotations.json", "coco"))

    assert figures.items == len(raw["images"])
    assert figures.items_without_objects == counts.count(0)
    assert figures.objects == sum(counts)
    assert figures.objects_per_item is not None
    assert figures.objects_per_item.to_dict() == _spread(counts)
    assert {name: c.objects for name, c in figures.classes.items()} == dict(per_class)
    assert figures.kinds == dict(per_kind)
    assert figures.attributes == {"color": {"red": 1}, "occluded": {"true": 1}}
    assert figures.without_image_size == 0
    assert figures.degenerate == {}


def _png_width(samples: Path, root: ElementTree.Element) -> int:
    """The width in a PNG's header, for a VOC file without <size>."""
    header = (samples / "voc" / "JPEGImages" / (root.findtext("filename") or "")).read_bytes()
    return int.from_bytes(header[16:20], "big")


def test_stats__voc_matches_the_raw_xml(samples: Path) -> None:
    per_file: list[int] = []
    per_class: Counter[str] = Counter()
    widths: list[float] = []
    for path in sorted((samples / "voc" / "Annotations").glob("*.xml")):
        root = ElementTree.parse(path).getroot()
        objects = root.findall("object")
        per_file.append(len(objects))
        image_width = float(root.findtext("size/width") or _png_width(samples, root))
        for element in objects:
            per_class[element.findtext("name") or ""] += 1
            xmin = float(element.findtext("bndbox/xmin") or "nan")
            xmax = float(element.findtext("bndbox/xmax") or "nan")
            widths.append((xmax - xmin) / image_width)

    figures = stats(ango_convert.read(samples / "voc", "voc"))

    assert figures.items == len(per_file)
    assert figures.items_without_objects == per_file.count(0)
    assert figures.objects == sum(per_file)
    assert figures.objects_per_item is not None
    assert figures.objects_per_item.to_dict() == _spread(per_file)
    assert {name: c.objects for name, c in figures.classes.items()} == dict(per_class)
    assert figures.kinds == {"box": sum(per_file)}
    assert figures.relative_width is not None
    assert figures.relative_width.min == pytest.approx(min(widths))
    assert figures.relative_width.max == pytest.approx(max(widths))
    assert figures.relative_width.mean == pytest.approx(statistics.mean(widths))
    assert abs(figures.relative_width.median - statistics.median(widths)) <= 1 / 1024


def test_stats__yolo_matches_the_raw_label_lines(samples: Path) -> None:
    root = samples / "yolo" / "detect"
    names = ["person", "traffic light", "car"]  # data.yaml's names, in id order
    per_image: list[int] = []
    per_class: Counter[str] = Counter()
    widths: list[float] = []
    on_edge = 0
    for image in sorted((root / "images").rglob("*.png")):
        label = root / "labels" / image.parent.name / f"{image.stem}.txt"
        lines = label.read_text().split() if label.is_file() else []
        rows = [lines[i : i + 5] for i in range(0, len(lines), 5)]
        per_image.append(len(rows))
        for class_id, cx, _, w, _ in rows:
            per_class[names[int(class_id)]] += 1
            widths.append(float(w))
            on_edge += float(cx) - float(w) / 2 == 0.0
    figures = stats(ango_convert.read(root / "data.yaml", "yolo"))

    assert figures.items == len(per_image) == 4
    assert figures.items_without_objects == per_image.count(0) == 2
    assert figures.objects == sum(per_image)
    assert {name: c.objects for name, c in figures.classes.items() if c.objects} == dict(per_class)
    assert figures.relative_width is not None
    assert figures.relative_width.min == pytest.approx(min(widths))
    assert figures.relative_width.max == pytest.approx(max(widths))
    assert figures.position["on_edge"] == on_edge == 1  # the full-image box of v.1.final


def test_stats__ango_export_matches_the_raw_records(samples: Path) -> None:
    kinds = {
        "bounding-box": "box",
        "rotated-bounding-box": "rotated-box",
        "polygon": "polygon",
        "segmentation": "polygon",
        "polyline": "polyline",
        "point": "point",
    }
    items = 0
    per_class: Counter[str] = Counter()
    per_kind: Counter[str] = Counter()
    answers: Counter[tuple[str, str]] = Counter()
    without_size = 0
    empty = 0
    for line in (samples / "ango" / "export_v3.ndjson").read_text().splitlines():
        record = json.loads(line)
        tools = record["task"].get("tools", [])
        pages = {tool["page"] for tool in tools if "page" in tool}
        items += len(pages) or 1
        empty += not tools
        for tool in tools:
            per_class[tool["title"]] += 1
            per_kind[next(kinds[key] for key in tool if key in kinds)] += 1
            without_size += "width" not in (record.get("metadata") or {})
        for question in record["task"].get("classifications", []):
            answer = question["answer"]
            for value in [answer] if isinstance(answer, str) else answer:
                answers[question["title"], value] += 1

    figures = stats(ango_convert.read(samples / "ango" / "export_v3.ndjson", "ango-v3"))

    assert figures.items == items
    assert figures.items_without_objects == empty
    assert figures.objects == sum(per_class.values())
    assert {name: c.objects for name, c in figures.classes.items()} == dict(per_class)
    assert figures.kinds == dict(per_kind)
    assert figures.without_image_size == without_size == 1
    for (title, value), count in answers.items():
        assert figures.classifications[title][value] == count


# --- what each figure means, on made-up items -------------------------------------------


def _item(
    name: str, *annotations: Annotation, width: int | None = 100, height: int | None = 50
) -> Item:
    return Item(id=name, file_name=name, width=width, height=height, annotations=annotations)


CATEGORIES = (Category(id=1, name="car"), Category(id=2, name="person"))


def test_stats__positions_sizes_and_degenerate_geometry() -> None:
    items = [
        _item(
            "a.png",
            Box(category_id=1, x=10, y=10, width=20, height=10),  # inside
            Box(category_id=1, x=0, y=10, width=20, height=10),  # on the left edge
            Box(category_id=1, x=-5, y=10, width=20, height=10),  # overhanging
            Box(category_id=1, x=200, y=10, width=20, height=10),  # outside
            Box(category_id=2, x=30, y=30, width=0, height=10),  # zero width
            Polyline(category_id=2, points=((1, 1), (1, 1))),
            Mask(category_id=2, height=2, width=2, counts=(4,)),  # no pixel set
            Keypoints(category_id=2, points=((1, 1, 0),)),
        ),
        _item("b.png", Point(category_id=9, x=5, y=5), width=None, height=None),
        _item("c.png"),
    ]
    figures = stats(Dataset(categories=CATEGORIES, items=iter(items)))

    assert figures.position == {"outside": 1, "overhanging": 1, "on_edge": 1}
    assert figures.without_image_size == 1
    assert figures.degenerate == {
        "box of zero size": 1,
        "keypoints with none labelled": 1,
        "mask with no pixel set": 1,
        "polyline of zero length": 1,
    }
    assert figures.classes["#9"].objects == 1  # an id without a category still counts
    assert figures.classes["car"].items == 1 and figures.classes["car"].kinds == {"box": 4}
    assert figures.area_sizes == {"small": 5, "medium": 0, "large": 0}
    assert figures.relative_width is not None and figures.relative_width.max == 0.2
    assert figures.items_without_objects == 1


def test_stats__attribute_values_stay_bounded() -> None:
    boxes = tuple(
        Box(category_id=1, x=0, y=0, width=1, height=1, attributes={"id": n, "ango:x": n})
        for n in range(MAX_VALUES + 50)
    )
    item = _item("a.png", *boxes)
    item = Item(
        id="a",
        file_name="a.png",
        annotations=item.annotations,
        classifications=(
            Classification(
                title="tags",
                answer=("urban", "busy"),
                children=(Classification(title="why", answer="x"),),
            ),
        ),
    )
    figures = stats(Dataset(categories=CATEGORIES, items=[item]))
    assert len(figures.attributes["id"]) == MAX_VALUES + 1
    assert figures.attributes["id"][OTHER] == 50
    assert "ango:x" not in figures.attributes  # prefixed keys are source extras
    assert figures.classifications == {"tags": {"busy": 1, "urban": 1}, "tags/why": {"x": 1}}


@given(st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=200))
def test_spread_of_counts__is_the_exact_median(values: list[int]) -> None:
    spread = spread_of_counts(Counter(values))
    assert spread is not None
    assert spread.median == statistics.median(values)
    assert (spread.min, spread.max) == (min(values), max(values))
    assert spread.mean == pytest.approx(statistics.mean(values))


@given(st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=200))
def test_histogram__median_within_a_bin(values: list[float]) -> None:
    histogram = Histogram(bins=1024)
    for value in values:
        histogram.add(value)
    spread = histogram.spread()
    assert spread is not None
    assert (spread.min, spread.max) == (min(values), max(values))
    low, high = sorted(values)[(len(values) - 1) // 2], sorted(values)[len(values) // 2]
    assert low - 1 / 1024 <= spread.median <= high + 1 / 1024


def _stream(count: int) -> Iterator[Item]:
    for index in range(count):
        yield _item(
            f"{index}.png",
            *(Box(category_id=1 + n % 2, x=n, y=n, width=5, height=5) for n in range(5)),
        )


def _peak(function: object, count: int) -> int:
    tracemalloc.start()
    try:
        function(Dataset(categories=CATEGORIES, items=_stream(count)))  # type: ignore[operator]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_stats__memory_stays_flat_over_a_stream() -> None:
    small, large = _peak(stats, 2_000), _peak(stats, 20_000)
    assert large < small * 1.5 + 200_000, (small, large)


# --- the command -----------------------------------------------------------------------


def test_cli_stats__table_and_json_agree_with_the_function(
    runner: CliRunner, samples: Path
) -> None:
    source = samples / "coco" / "annotations.json"
    table = runner.invoke(cli, ["stats", str(source)])
    assert table.exit_code == 0, table.output
    assert "items without objects  1" in table.output
    assert "traffic light" in table.output

    result = runner.invoke(cli, ["stats", str(source), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    expected = stats(ango_convert.read(source, "coco")).to_dict()
    assert document["format"] == "coco"
    assert {key: document[key] for key in expected} == json.loads(json.dumps(expected))


def test_cli_stats__streams_an_export_and_takes_reader_options(
    runner: CliRunner, samples: Path
) -> None:
    source = samples / "ango" / "export_v3.ndjson"
    result = runner.invoke(
        cli, ["stats", str(source), "--from", "ango-v3", "-R", "keep_empty=false", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["items"] == 4  # the empty asset left out


def test_cli_stats__bad_input_is_one_line_exit_3(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"images": [}')
    result = runner.invoke(cli, ["stats", str(bad), "--from", "coco"])
    assert result.exit_code == 3
    assert result.output.count("\n") == 1 and "bad.json" in result.output


def test_cli_stats__on_error_skip_counts_what_reads(runner: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "coco.json"
    source.write_text(
        json.dumps(
            {
                "images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}],
                "categories": [{"id": 1, "name": "car"}],
                "annotations": [
                    {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2]},
                    {"id": 2, "image_id": 1, "category_id": 1, "bbox": [0, 0, "x", 2]},
                ],
            }
        )
    )
    strict = runner.invoke(cli, ["stats", str(source)])
    assert strict.exit_code == 3
    result = runner.invoke(cli, ["stats", str(source), "--on-error", "skip", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["objects"] == 1
    assert json.loads(result.stdout)["skipped_input"] == 1
    assert "warning: left out" in result.stderr


def test_cli_stats__unknown_read_option_is_a_usage_error(runner: CliRunner, samples: Path) -> None:
    result = runner.invoke(cli, ["stats", str(samples / "voc"), "-R", "nope=1"])
    assert result.exit_code == 2
    assert "nope" in result.output


def test_stats_text__escapes_control_characters_from_the_data() -> None:
    from ango_convert.views.stats_text import format_stats

    hostile = Category(id=1, name="\x1b[2Jcar\nnext")
    item = _item("a.png", Box(category_id=1, x=1, y=1, width=2, height=2, attributes={"k": "\x07"}))
    text = format_stats(stats(Dataset(categories=(hostile,), items=[item])), "t")
    assert "\x1b" not in text and "\x07" not in text
    assert "\\x1b[2Jcar\\nnext" in text
