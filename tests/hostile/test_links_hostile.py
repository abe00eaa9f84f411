"""Links leading outside the dataset, and files that are not regular (FIFOs): refused.

A label, XML or image file found by listing a dataset folder that is a link resolving
outside it is refused with exit 3, so its bytes never reach an output and its text never
reaches a message; a FIFO named ``*.xml`` is refused instead of blocking the read (or
the detection of the format) forever. Each case is built under ``in/`` with the file it
leads to under ``outside/``, which holds the secret the harness looks for.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from ango_convert.errors import EXIT_INPUT
from ango_convert.io.inside import NOT_REGULAR, OUTSIDE
from tests.hostile.harness import SECRET, Case, convert_ok, run_case, write
from tests.imagebytes import png

VOC = (
    "<annotation><filename>a.png</filename>"
    "<size><width>64</width><height>48</height><depth>3</depth></size>"
    "<object><name>{name}</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>11</xmax>"
    "<ymax>22</ymax></bndbox></object></annotation>\n"
)
YAML = "train: images/train\nnames: [cat]\n"


def outside(folder: Path, name: str, data: str | bytes) -> Path:
    """A file beside the input folder (``tmp/outside/``), where no link may lead."""
    return write(folder.parent / "outside", name, data)


def link(path: Path, target: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


def voc_xml_link(folder: Path) -> Path:
    root = folder / "voc"
    write(root, "Annotations/a.xml", VOC.format(name="cat"))
    link(root / "Annotations/b.xml", outside(folder, "b.xml", VOC.format(name=SECRET)))
    return root


def voc_image_link(folder: Path) -> Path:
    root = folder / "voc"
    write(root, "Annotations/a.xml", VOC.format(name="cat"))
    link(root / "JPEGImages/a.png", outside(folder, "a.png", png(64, 48) + SECRET.encode()))
    return root


def yolo_label_link(folder: Path) -> Path:
    root = folder / "ds"
    write(root, "data.yaml", YAML)
    write(root, "images/train/a.png", png(64, 48))
    link(root / "labels/train/a.txt", outside(folder, "a.txt", f"{SECRET} 0.5 0.5 0.1 0.1\n"))
    return root


def yolo_image_link(folder: Path) -> Path:
    root = folder / "ds"
    write(root, "data.yaml", YAML)
    write(root, "images/train/a.png", png(64, 48))
    write(root, "labels/train/a.txt", "0 0.5 0.5 0.2 0.2\n")
    link(root / "images/train/b.png", outside(folder, "b.png", png(64, 48) + SECRET.encode()))
    return root


def yolo_bare_image_link(folder: Path) -> Path:
    """A bare folder (classes.txt) with loose images in ``images/``."""
    root = folder / "ds"
    write(root, "classes.txt", "cat\n")
    write(root, "images/a.png", png(64, 48))
    write(root, "labels/a.txt", "0 0.5 0.5 0.2 0.2\n")
    link(root / "images/b.png", outside(folder, "b.png", png(64, 48) + SECRET.encode()))
    return root


def voc_fifo(folder: Path) -> Path:
    root = folder / "voc"
    write(root, "Annotations/a.xml", VOC.format(name="cat"))
    os.mkfifo(root / "Annotations/b.xml")
    return root


def voc_fifo_first(folder: Path) -> Path:
    """The FIFO sorts first: format detection reads its head."""
    root = folder / "voc"
    write(root, "Annotations/b.xml", VOC.format(name="cat"))
    os.mkfifo(root / "Annotations/a.xml")
    return root


VOC_ARGS = ("--from", "voc")
CASES = [
    Case("voc-xml-link-outside", voc_xml_link, EXIT_INPUT, ("b.xml", OUTSIDE), VOC_ARGS),
    Case(
        "voc-image-link-outside",
        voc_image_link,
        EXIT_INPUT,
        ("a.xml", "a.png", OUTSIDE),
        VOC_ARGS,
        to="yolo",
    ),
    Case("yolo-label-link-outside", yolo_label_link, EXIT_INPUT, ("a.txt", OUTSIDE)),
    Case("yolo-image-link-outside", yolo_image_link, EXIT_INPUT, ("b.png", OUTSIDE), to="voc"),
    Case(
        "yolo-bare-image-link-outside",
        yolo_bare_image_link,
        EXIT_INPUT,
        ("b.png", OUTSIDE),
        to="voc",
    ),
    Case("voc-fifo-xml", voc_fifo, EXIT_INPUT, ("b.xml", NOT_REGULAR), VOC_ARGS),
    # Without --from: detection must not open the FIFO either.
    Case("voc-fifo-xml-detected", voc_fifo, EXIT_INPUT, ("b.xml", NOT_REGULAR)),
    Case("voc-fifo-xml-first", voc_fifo_first, EXIT_INPUT, ("a.xml", NOT_REGULAR), VOC_ARGS),
]


@pytest.fixture
def deadline() -> Iterator[None]:
    """Fail instead of hanging (a FIFO read blocks forever without the guard)."""

    def expire(*_: object) -> None:
        raise TimeoutError("the run hung")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(20)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
@pytest.mark.usefixtures("deadline")
def test_hostile_link_or_fifo(case: Case, tmp_path: Path) -> None:
    run_case(case, tmp_path)


def test_links_inside_the_dataset_are_followed(tmp_path: Path) -> None:
    """A link to another file of the same dataset is fine (deduplicated datasets)."""
    root = tmp_path / "ds"
    write(root, "data.yaml", "train: images/train\nval: images/val\nnames: [cat]\n")
    write(root, "images/train/a.png", png(64, 48))
    write(root, "labels/train/a.txt", "0 0.5 0.5 0.2 0.2\n")
    link(root / "images/val/a.png", root / "images/train/a.png")
    link(root / "labels/val/a.txt", root / "labels/train/a.txt")
    convert_ok(root, tmp_path / "out.json", "coco")
    document = json.loads((tmp_path / "out.json").read_text())
    assert len(document["images"]) == 2
    assert len(document["annotations"]) == 2


def test_images_dir_link_outside_is_refused_for_any_writer(tmp_path: Path) -> None:
    """``--images DIR``: an image below it linking outside is not copied into the output."""
    from tests.hostile.harness import assert_failure, invoke

    coco = {
        "images": [{"id": 1, "file_name": "a.png", "width": 64, "height": 48}],
        "categories": [{"id": 1, "name": "cat"}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, 10, 20]}],
    }
    source = write(tmp_path / "in", "coco.json", json.dumps(coco))
    secret = write(tmp_path / "outside", "a.png", png(64, 48) + SECRET.encode())
    link(tmp_path / "in/images/a.png", secret)
    out = tmp_path / "out"
    result = invoke(
        [
            "convert",
            str(source),
            "--to",
            "yolo",
            "-o",
            str(out),
            "--images",
            str(source.parent / "images"),
        ]
    )
    assert_failure(result, EXIT_INPUT, ("a.png", OUTSIDE))
    assert not out.exists()
