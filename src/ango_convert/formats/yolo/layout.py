"""What a YOLO dataset is made of once its layout is found (:mod:`.discovery`): class
names, the images of each split entry, the keypoint shape, and extras."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Source:
    """The images of one split entry, and the folder their file names are relative to."""

    split: str | None
    images: list[Path]
    base: Path


@dataclass
class Layout:
    """A dataset's class names, keypoint shape, image sources and extras.

    ``info`` holds the pose extras of data.yaml (``flip_idx``, ``kpt_names``) that fit
    ``kpt_shape``; ``label_map`` the entries of the ``label_map.json`` this toolkit
    writes, by YOLO class id.
    """

    root: Path
    names: dict[int, str]
    sources: list[Source]
    kpt_shape: tuple[int, int] | None = None
    info: dict[str, Any] = field(default_factory=dict)
    label_map: dict[int, dict[str, Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # for the reader's diagnostics
