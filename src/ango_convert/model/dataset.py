"""Categories, items and the dataset that holds them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ango_convert.model.annotations import Annotation
from ango_convert.model.values import Attributes


@dataclass(frozen=True, slots=True, kw_only=True)
class Category:
    """A class of objects.

    Attributes:
        id: The dataset's id for the class (COCO ids are kept as they are).
        name: The class name, as the source spells it.
        supercategory: COCO's supercategory, if any.
        keypoint_names: Names of the keypoints, for pose classes.
        skeleton: Edges between keypoints as 0-based index pairs into ``keypoint_names``.
        attributes: Extras, such as the Ango schemaId of the tool.
    """

    id: int
    name: str
    supercategory: str | None = None
    keypoint_names: tuple[str, ...] = ()
    skeleton: tuple[tuple[int, int], ...] = ()
    attributes: Attributes = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError(f"category {self.id} has an empty name")
        count = len(self.keypoint_names)
        for a, b in self.skeleton:
            if not (0 <= a < count and 0 <= b < count):
                raise ValueError(
                    f"category {self.name!r}: skeleton edge ({a}, {b}) is outside 0..{count - 1}"
                )


@dataclass(frozen=True, slots=True, kw_only=True)
class Classification:
    """An answered question about a whole item (an Ango global classification).

    ``answer`` is a string for single-choice and text questions and a tuple of strings
    for multiple choice. ``children`` are the nested questions.
    """

    title: str
    answer: str | tuple[str, ...]
    children: tuple[Classification, ...] = ()
    attributes: Attributes = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    """One image (or one frame or page of a video or document).

    Attributes:
        id: A stable id, unique in the dataset (COCO image id as text, file stem, ...).
        file_name: The image's file name as the source names it, relative path allowed.
        width: Image width in pixels, None when the source does not say.
        height: Image height in pixels, None when the source does not say.
        annotations: The objects on the item.
        classifications: Whole-item classifications.
        split: The split the item belongs to (``train``, ``val``, ``test``...), when the
            source says; the YOLO and VOC writers lay out their folders and lists by it.
        image_path: The image file a reader found for the item (an absolute path), so a
            writer can copy or link it; None when the reader did not look or found none.
        attributes: Extras (COCO image fields, Ango asset fields, ...).
    """

    id: str
    file_name: str
    width: int | None = None
    height: int | None = None
    annotations: tuple[Annotation, ...] = ()
    classifications: tuple[Classification, ...] = ()
    split: str | None = None
    image_path: str | None = None
    attributes: Attributes = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, value in (("width", self.width), ("height", self.height)):
            if value is not None and value <= 0:
                raise ValueError(f"item {self.id!r}: {name} must be positive, got {value}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Dataset:
    """Categories plus items.

    ``items`` may be a lazy iterable (streaming readers hand out a re-iterable that reads
    the file again on every pass), so writers iterate it rather than index it.
    """

    categories: tuple[Category, ...]
    items: Iterable[Item]
    info: Attributes = field(default_factory=dict)

    def category_by_id(self) -> dict[int, Category]:
        """Map each category id to its category."""
        return {category.id: category for category in self.categories}

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)
