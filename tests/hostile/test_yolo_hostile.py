"""Hostile YOLO input: bad label lines, configs and images fail with exit 3, located."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from ango_convert.errors import EXIT_INPUT
from tests.hostile.harness import Case, convert_ok, run_case, write
from tests.imagebytes import png

YAML = "train: images/train\nnames:\n  0: cat\n  1: dog\n"
LABEL = "0 0.5 0.5 0.25 0.5\n1 0.25 0.25 0.1 0.1\n"


def dataset(
    label: str | bytes = LABEL,
    yaml: str | bytes = YAML,
    image: bytes | None = None,
    extra: dict[str, str | bytes] | None = None,
) -> Callable[[Path], Path]:
    """A one-image detect dataset with one part replaced."""

    def build(folder: Path) -> Path:
        root = folder / "ds"
        write(root, "data.yaml", yaml)
        write(root, "images/train/a.png", png(64, 48) if image is None else image)
        write(root, "labels/train/a.txt", label)
        for name, data in (extra or {}).items():
            write(root, name, data)
        return root

    return build


def line(text: str) -> Callable[[Path], Path]:
    """The sound label file with its second line replaced."""
    return dataset(label=LABEL.splitlines()[0] + "\n" + text + "\n")


GARBAGE = random.Random(3).randbytes(400)
ALIASES = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join(['*' + chr(97 + n)] * 9)}]\n" for n in range(8)
)

CASES = [
    Case("too-few-tokens", line("1 0.5 0.5 0.2"), EXIT_INPUT, ("a.txt", "line 2", "expected")),
    Case("too-many-tokens", line("1 0.5 0.5 0.2 0.2 0.3"), EXIT_INPUT, ("a.txt", "line 2")),
    Case("class-out-of-range", line("7 0.5 0.5 0.2 0.2"), EXIT_INPUT, ("a.txt", "line 2", "7")),
    Case("class-negative", line("-1 0.5 0.5 0.2 0.2"), EXIT_INPUT, ("a.txt", "line 2")),
    Case("class-fraction", line("1.5 0.5 0.5 0.2 0.2"), EXIT_INPUT, ("a.txt", "line 2")),
    Case("class-huge", line("1" + "0" * 400 + " 0.5 0.5 0.2 0.2"), EXIT_INPUT, ("line 2",)),
    Case("nan", line("1 nan 0.5 0.2 0.2"), EXIT_INPUT, ("a.txt", "line 2", "finite")),
    Case("inf", line("1 0.5 inf 0.2 0.2"), EXIT_INPUT, ("a.txt", "line 2", "finite")),
    Case("float-1e400", line("1 0.5 0.5 1e400 0.2"), EXIT_INPUT, ("line 2", "finite")),
    Case("not-a-number", line("1 0.5 zero 0.2 0.2"), EXIT_INPUT, ("line 2", "'zero'")),
    Case("negative-size", line("1 0.5 0.5 -0.2 0.2"), EXIT_INPUT, ("line 2", ">= 0")),
    Case("box-outside-image", line("1 3.5 0.5 0.2 0.2"), EXIT_INPUT, ("line 2", "outside")),
    Case("binary-label", dataset(label=GARBAGE), EXIT_INPUT, ("a.txt", "line")),
    Case(
        "yaml-train-outside",
        dataset(yaml="train: ../../../etc\nnames: [cat, dog]\n"),
        EXIT_INPUT,
        ("data.yaml", "train", "outside the dataset"),
    ),
    Case(
        "yaml-train-absolute",
        dataset(yaml="train: /etc\nnames: [cat, dog]\n"),
        EXIT_INPUT,
        ("data.yaml", "train", "outside the dataset"),
    ),
    Case(
        "yaml-list-outside",
        dataset(
            yaml="train: list.txt\nnames: [cat, dog]\n",
            extra={"list.txt": "images/train/a.png\n../../secret.txt\n"},
        ),
        EXIT_INPUT,
        ("list.txt", "line 2", "inside the dataset"),
    ),
    Case(
        "yaml-train-too-long",
        dataset(yaml="train: images/" + "- " * 300 + "/train\nnames: [cat, dog]\n"),
        EXIT_INPUT,
        ("data.yaml", "train", "not a usable path"),
    ),
    Case(
        "yaml-invalid",
        dataset(yaml="train: images/train\nnames: [cat,\n"),
        EXIT_INPUT,
        ("data.yaml", "line", "invalid YAML"),
    ),
    Case("yaml-empty", dataset(yaml=""), EXIT_INPUT, ("data.yaml", "mapping")),
    Case("yaml-garbage", dataset(yaml=GARBAGE), EXIT_INPUT, ("data.yaml",)),
    Case(
        "yaml-alias-bomb",
        dataset(yaml=YAML.replace("names:\n  0: cat\n  1: dog\n", ALIASES + "names: *i\n")),
        EXIT_INPUT,
        ("data.yaml", "line", "aliases"),
    ),
    # An alias in a value a message shows (kpt_shape, a split entry): refused at the
    # alias, whatever the value; before, the expanded value was formatted whole.
    Case(
        "yaml-alias-kpt-shape",
        dataset(yaml=ALIASES + "kpt_shape: *f\n" + YAML),
        EXIT_INPUT,
        ("data.yaml", "line", "aliases"),
    ),
    Case(
        "yaml-alias-train",
        dataset(yaml=ALIASES + "val: *f\n" + YAML),
        EXIT_INPUT,
        ("data.yaml", "line", "aliases"),
    ),
    Case(
        "yaml-merge-key",
        dataset(yaml="base: &base {train: images/train}\n<<: *base\nnames: [cat, dog]\n"),
        EXIT_INPUT,
        ("data.yaml", "line", "aliases"),
    ),
    Case(
        "yaml-names-over-class-cap",
        dataset(yaml="train: images/train\nnames: [" + "c, " * 100_001 + "]\n"),
        EXIT_INPUT,
        ("data.yaml", "names", "100000 classes"),
    ),
    Case(
        "yaml-huge-value-in-message",
        dataset(
            yaml="train: images/train\nnames: [cat, dog]\nkpt_shape: [" + "1, " * 50_000 + "]\n"
        ),
        EXIT_INPUT,
        ("data.yaml", "kpt_shape", "..."),
    ),
    Case(
        "yaml-names-number",
        dataset(yaml="train: images/train\nnames: 5\n"),
        EXIT_INPUT,
        ("data.yaml", "names"),
    ),
    Case(
        "yaml-nc-huge",
        dataset(yaml="train: images/train\nnc: 100000000000\n"),
        EXIT_INPUT,
        ("data.yaml", "nc"),
    ),
    Case(
        "yaml-kpt-shape-bad",
        dataset(yaml=YAML + "kpt_shape: [17, 4]\n"),
        EXIT_INPUT,
        ("data.yaml", "kpt_shape"),
    ),
    Case(
        "yaml-deep-nesting",
        dataset(yaml="train: images/train\nnames: " + "[" * 2000 + "]" * 2000 + "\n"),
        EXIT_INPUT,
        ("data.yaml", "nested too deeply"),
    ),
    Case("image-garbage", dataset(image=GARBAGE), EXIT_INPUT, ("a.png",)),
    Case("image-empty", dataset(image=b""), EXIT_INPUT, ("a.png",)),
    Case(
        "missing-image",
        dataset(
            yaml="train: list.txt\nnames: [cat, dog]\n",
            extra={"list.txt": "images/train/a.png\nimages/train/gone.png\n"},
        ),
        EXIT_INPUT,
        ("list.txt", "line 2", "gone.png"),
    ),
    Case(
        "label-map-garbage",
        dataset(extra={"label_map.json": b"{\x00"}),
        EXIT_INPUT,
        ("label_map.json", "line 1"),
    ),
    Case(
        "label-map-bad-skeleton",
        dataset(
            extra={
                "label_map.json": json.dumps(
                    {"0": {"name": "cat", "source_id": 3, "skeleton": "x"}}
                )
            }
        ),
        EXIT_INPUT,
        ("label_map.json", "skeleton"),
    ),
    Case(
        "label-map-bad-supercategory",
        dataset(
            extra={
                "label_map.json": json.dumps(
                    {"0": {"name": "cat", "source_id": 3, "supercategory": [1]}}
                )
            }
        ),
        EXIT_INPUT,
        ("label_map.json", "supercategory"),
    ),
    Case("missing-folder", lambda folder: folder / "nothere", EXIT_INPUT, ("nothere",)),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile_yolo(case: Case, tmp_path: Path) -> None:
    run_case(Case(**{**case.__dict__, "args": ("--from", "yolo", *case.args)}), tmp_path)


def test_empty_label_file_is_an_image_without_objects(tmp_path: Path) -> None:
    source = dataset(label="")(tmp_path)
    convert_ok(source, tmp_path / "out.json", "coco")
    written = json.loads((tmp_path / "out.json").read_text())
    assert len(written["images"]) == 1
    assert written["annotations"] == []


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    plain = dataset()(tmp_path / "plain")
    odd = dataset(
        label=b"\xef\xbb\xbf" + LABEL.replace("\n", "\r\n").encode(),
        yaml=b"\xef\xbb\xbf" + YAML.replace("\n", "\r\n").encode(),
    )(tmp_path / "odd")
    convert_ok(plain, tmp_path / "plain.json", "coco")
    convert_ok(odd, tmp_path / "odd.json", "coco")
    assert (tmp_path / "odd.json").read_bytes() == (tmp_path / "plain.json").read_bytes()


def test_two_point_polygon_line_in_a_segment_dataset_is_reported(tmp_path: Path) -> None:
    """A 4-value line among polygons is read as a box (as Ultralytics does), with a
    warning: it may have been meant as a 2-point polygon."""
    label = "0 0.1 0.1 0.5 0.1 0.5 0.5\n0 0.1 0.1 0.5 0.5\n"
    source = dataset(label=label)(tmp_path)
    result = convert_ok(source, tmp_path / "out.json", "coco")
    assert "1 label line(s) with 4 values in a segment dataset read as boxes" in result.stderr
