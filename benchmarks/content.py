"""The synthetic dataset every benchmark format is written from, built from a seed.

One :class:`Content` holds images and their boxes in COCO's convention (top-left corner
plus size, absolute pixels). Every generated format (COCO, YOLO, VOC, Ango payload, V3
export) is a rendering of the same content, so the runner can check any output against it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

CLASS_NAMES = (
    "person",
    "bicycle",
    "car",
    "motorcycle",
    "airplane",
    "bus",
    "train",
    "truck",
    "boat",
    "bird",
    "cat",
    "dog",
    "horse",
    "sheep",
    "cow",
    "elephant",
    "bear",
    "zebra",
    "giraffe",
    "backpack",
)

#: Sizes the dataset images are drawn from (width, height).
IMAGE_SIZES = ((640, 480), (800, 600), (1024, 768), (1280, 720), (1920, 1080))

SCALES = {
    "small": (5_000, 50_000),
    "large": (100_000, 1_000_000),
}

MIN_BOX = 8.0


@dataclass(frozen=True, slots=True)
class Box:
    """One box: class index into CLASS_NAMES and COCO-style x, y, width, height."""

    cls: int
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True, slots=True)
class Image:
    """One image with its boxes."""

    index: int
    file_name: str
    width: int
    height: int
    boxes: tuple[Box, ...]


@dataclass(frozen=True, slots=True)
class Content:
    """The whole synthetic dataset."""

    images: tuple[Image, ...]
    classes: tuple[str, ...]

    @property
    def box_count(self) -> int:
        """Total number of boxes over all images."""
        return sum(len(image.boxes) for image in self.images)


def schema_id(cls: int) -> str:
    """A stable 24-hex-digit Ango schemaId for a class index."""
    return f"5c{cls:022x}"


def object_id(image_index: int, box_index: int) -> str:
    """A stable Ango objectId for one box."""
    return f"{image_index:012x}{box_index:012x}"


def file_name(index: int) -> str:
    """The image file name of image ``index`` (1-based in the name, as datasets do)."""
    return f"img_{index + 1:07d}.jpg"


def _floor2(value: float) -> float:
    return math.floor(value * 100) / 100


def random_box(rng: random.Random, width: int, height: int, classes: int) -> Box:
    """A box that lies inside a ``width`` x ``height`` image, on a 0.01 px grid."""
    w = _floor2(rng.uniform(MIN_BOX, width / 3))
    h = _floor2(rng.uniform(MIN_BOX, height / 3))
    x = _floor2(rng.uniform(0, width - w))
    y = _floor2(rng.uniform(0, height - h))
    return Box(rng.randrange(classes), x, y, w, h)


def _boxes_per_image(rng: random.Random, images: int, boxes: int) -> list[int]:
    # Every image gets one box, the rest land at random: a realistic spread from 1 to ~25
    # without empty images, whose handling differs between tools and would blur counts.
    counts = [1] * images
    for _ in range(boxes - images):
        counts[rng.randrange(images)] += 1
    return counts


def iter_images(seed: int, images: int, boxes: int) -> Iterator[Image]:
    """Yield the images of a dataset one at a time (for outputs too big to hold)."""
    if boxes < images:
        raise ValueError("need at least one box per image")
    rng = random.Random(seed)
    counts = _boxes_per_image(rng, images, boxes)
    for index, count in enumerate(counts):
        width, height = IMAGE_SIZES[rng.randrange(len(IMAGE_SIZES))]
        image_boxes = tuple(random_box(rng, width, height, len(CLASS_NAMES)) for _ in range(count))
        yield Image(index, file_name(index), width, height, image_boxes)


def build(seed: int, images: int, boxes: int) -> Content:
    """The whole dataset in memory."""
    return Content(tuple(iter_images(seed, images, boxes)), CLASS_NAMES)
