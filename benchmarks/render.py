"""Render one :class:`content.Content` as COCO, YOLO, VOC, Ango payload and V3 export."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from content import Box, Content, Image, object_id, schema_id
from images import jpeg_bytes

PROJECT_ID = "6540f0c1a2b3c4d5e6f70819"
ASSET_URL = "https://assets.example.com/bench/"
# ext4 allows 65,000 hard links per file; stay well under that.
_LINKS_PER_FILE = 50_000

#: Base image files per (width, height), for hard links.
Sources = dict[tuple[int, int], list[Path]]


def coco_dict(content: Content) -> dict[str, Any]:
    """The COCO instances document of the content (category ids 1..N)."""
    images = [
        {"id": im.index + 1, "file_name": im.file_name, "width": im.width, "height": im.height}
        for im in content.images
    ]
    annotations: list[dict[str, Any]] = []
    for im in content.images:
        for box in im.boxes:
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": im.index + 1,
                    "category_id": box.cls + 1,
                    "bbox": [box.x, box.y, box.w, box.h],
                    "area": round(box.w * box.h, 4),
                    "iscrowd": 0,
                    "segmentation": [],
                }
            )
    categories = [
        {"id": i + 1, "name": name, "supercategory": "object"}
        for i, name in enumerate(content.classes)
    ]
    info = {"description": "ango-convert benchmark", "version": "1.0"}
    return {
        "info": info,
        "licenses": [],
        "images": images,
        "annotations": annotations,
        "categories": categories,
    }


def write_coco(content: Content, path: Path) -> None:
    """Write the COCO file."""
    path.write_text(json.dumps(coco_dict(content), separators=(",", ":")), encoding="utf-8")


def yolo_line(box: Box, width: int, height: int) -> str:
    """One YOLO label line: class, centre x, centre y, width, height, all normalised."""
    cx = (box.x + box.w / 2) / width
    cy = (box.y + box.h / 2) / height
    return f"{box.cls} {cx:.6f} {cy:.6f} {box.w / width:.6f} {box.h / height:.6f}"


def write_yolo(content: Content, root: Path, image_source: Sources) -> None:
    """An Ultralytics dataset: data.yaml, images/train/*.jpg (hard links), labels/train/*.txt."""
    images_dir = root / "images" / "train"
    labels_dir = root / "labels" / "train"
    images_dir.mkdir(parents=True)
    labels_dir.mkdir(parents=True)
    names = "\n".join(f"  {i}: {name}" for i, name in enumerate(content.classes))
    (root / "data.yaml").write_text(
        f"path: .\ntrain: images/train\nnc: {len(content.classes)}\nnames:\n{names}\n",
        encoding="utf-8",
    )
    link_images(content.images, images_dir, image_source)
    for im in content.images:
        lines = "".join(yolo_line(box, im.width, im.height) + "\n" for box in im.boxes)
        (labels_dir / im.file_name).with_suffix(".txt").write_text(lines, encoding="utf-8")


def image_sources(folder: Path, sizes: Iterable[tuple[int, int]], copies: int) -> Sources:
    """Write ``copies`` JPEG files per size to link dataset images to."""
    folder.mkdir(parents=True, exist_ok=True)
    result: Sources = {}
    for width, height in sizes:
        data = jpeg_bytes(width, height)
        paths = []
        for copy in range(copies):
            path = folder / f"base_{width}x{height}_{copy}.jpg"
            path.write_bytes(data)
            paths.append(path)
        result[(width, height)] = paths
    return result


def link_images(images: Iterable[Image], folder: Path, sources: Sources) -> None:
    """Hard-link each dataset image to a base file of its size (no pixel data repeated)."""
    used: dict[tuple[int, int], int] = {}
    for im in images:
        key = (im.width, im.height)
        count = used.get(key, 0)
        used[key] = count + 1
        os.link(sources[key][count // _LINKS_PER_FILE], folder / im.file_name)


def voc_xml(im: Image, classes: tuple[str, ...]) -> str:
    """The Pascal VOC document of one image (1-based inclusive integer corners)."""
    objects = "".join(
        f"<object><name>{classes[b.cls]}</name><pose>Unspecified</pose>"
        f"<truncated>0</truncated><difficult>0</difficult><bndbox>"
        f"<xmin>{round(b.x) + 1}</xmin><ymin>{round(b.y) + 1}</ymin>"
        f"<xmax>{round(b.x + b.w)}</xmax><ymax>{round(b.y + b.h)}</ymax>"
        f"</bndbox></object>"
        for b in im.boxes
    )
    return (
        f"<annotation><folder>images</folder><filename>{im.file_name}</filename>"
        f"<size><width>{im.width}</width><height>{im.height}</height><depth>3</depth></size>"
        f"<segmented>0</segmented>{objects}</annotation>\n"
    )


def write_voc(content: Content, folder: Path) -> None:
    """One XML per image in ``folder``."""
    folder.mkdir(parents=True)
    for im in content.images:
        (folder / im.file_name).with_suffix(".xml").write_text(
            voc_xml(im, content.classes), encoding="utf-8"
        )


def write_voc_layout(content: Content, root: Path) -> None:
    """The VOC devkit layout some tools insist on: Annotations/ (a link to ../voc),
    ImageSets/Main/train.txt and a labelmap.txt naming the classes."""
    (root / "ImageSets" / "Main").mkdir(parents=True)
    (root / "Annotations").symlink_to(Path("..") / "voc", target_is_directory=True)
    stems = "".join(Path(im.file_name).stem + "\n" for im in content.images)
    (root / "ImageSets" / "Main" / "train.txt").write_text(stems, encoding="utf-8")
    labelmap = "".join(f"{name}:::\n" for name in content.classes)
    (root / "labelmap.txt").write_text(
        "# label:color_rgb:parts:actions\n" + labelmap, encoding="utf-8"
    )


def bbox_dict(box: Box) -> dict[str, float]:
    """Ango's bounding-box geometry."""
    return {"x": box.x, "y": box.y, "width": box.w, "height": box.h}


def write_payload(content: Content, path: Path) -> None:
    """The Ango label-import payload, in the seed's ``labels``/``answer`` shape."""
    labels = [
        {
            "externalId": im.file_name,
            "answer": {
                "objects": [
                    {
                        "schemaId": schema_id(b.cls),
                        "title": content.classes[b.cls],
                        "bounding-box": bbox_dict(b),
                    }
                    for b in im.boxes
                ],
                "classifications": [],
                "relations": [],
            },
        }
        for im in content.images
    ]
    document = {"project": PROJECT_ID, "labels": labels}
    path.write_text(json.dumps(document, separators=(",", ":")), encoding="utf-8")


def v3_record(im: Image, classes: tuple[str, ...]) -> dict[str, Any]:
    """One asset of a V3 export, its task at stage Complete."""
    tools = [
        {
            "bounding-box": bbox_dict(b),
            "objectId": object_id(im.index, i),
            "schemaId": schema_id(b.cls),
            "title": classes[b.cls],
            "classifications": [],
        }
        for i, b in enumerate(im.boxes)
    ]
    task = {
        "taskId": f"{im.index:024x}",
        "stage": "Complete",
        "tools": tools,
        "classifications": [],
        "relations": [],
        "stageHistory": [],
    }
    return {
        "asset": ASSET_URL + im.file_name,
        "externalId": im.file_name,
        "metadata": {"width": im.width, "height": im.height},
        "batches": [],
        "task": task,
    }


def write_v3_lines(images: Iterable[Image], classes: tuple[str, ...], out: TextIO) -> int:
    """Write V3 ndjson lines for ``images``; returns the number of boxes written."""
    boxes = 0
    for im in images:
        out.write(json.dumps(v3_record(im, classes), separators=(",", ":")))
        out.write("\n")
        boxes += len(im.boxes)
    return boxes
