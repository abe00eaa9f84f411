"""Generate a large COCO file (~1 GB by default) without holding it in memory.

    python benchmarks/coco_big.py                          # 750,000 images / 7,500,000 boxes
    python benchmarks/coco_big.py --images 1000 --boxes 10000 -o small.json

The content is the benchmark's (``content.iter_images``, seeded); the document is the
same one ``render.coco_dict`` builds, written member by member: info, licenses, images,
annotations, categories. The annotations are written to a side file while the images
are written, then appended, so one pass over the content makes the file. A file whose
sidecar manifest matches the parameters is reused.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from content import CLASS_NAMES, iter_images
from generate import DATA, DEFAULT_SEED, VERSION

try:  # orjson when this interpreter has it (the scripts need no package)
    from orjson import dumps as _dumps
except ImportError:

    def _dumps(value: object) -> bytes:
        return json.dumps(value, separators=(",", ":")).encode()


IMAGES = 750_000
BOXES = 7_500_000
_BATCH = 4096


def coco_big(path: Path, images: int, boxes: int, seed: int = DEFAULT_SEED) -> Path:
    """Write (or reuse) the COCO file ``path`` of ``images`` images and ``boxes`` boxes."""
    sidecar = path.with_name(path.name + ".manifest.json")
    wanted = {"version": VERSION, "seed": seed, "images": images, "boxes": boxes}
    if path.is_file() and sidecar.is_file():
        try:
            if json.loads(sidecar.read_text(encoding="utf-8")) == wanted:
                return path
        except ValueError:
            pass
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    side = path.with_name(path.name + ".annotations.partial")
    with partial.open("wb") as out, side.open("w+b") as spool:
        out.write(b'{"info":{"description":"ango-convert benchmark","version":"1.0"},')
        out.write(b'"licenses":[],"images":[')
        image_rows: list[dict[str, object]] = []
        box_rows: list[dict[str, object]] = []
        counts = [0, 0]  # images written, annotations written

        def flush() -> None:
            if image_rows:
                out.write((b"," if counts[0] else b"") + _dumps(image_rows)[1:-1])
                counts[0] += len(image_rows)
                image_rows.clear()
            if box_rows:
                spool.write((b"," if counts[1] else b"") + _dumps(box_rows)[1:-1])
                counts[1] += len(box_rows)
                box_rows.clear()

        annotation_id = 0
        for im in iter_images(seed, images, boxes):
            image_rows.append(
                {
                    "id": im.index + 1,
                    "file_name": im.file_name,
                    "width": im.width,
                    "height": im.height,
                }
            )
            for box in im.boxes:
                annotation_id += 1
                box_rows.append(
                    {
                        "id": annotation_id,
                        "image_id": im.index + 1,
                        "category_id": box.cls + 1,
                        "bbox": [box.x, box.y, box.w, box.h],
                        "area": round(box.w * box.h, 4),
                        "iscrowd": 0,
                        "segmentation": [],
                    }
                )
            if len(box_rows) >= _BATCH:
                flush()
        flush()
        out.write(b'],"annotations":[')
        spool.seek(0)
        shutil.copyfileobj(spool, out, 1 << 20)
        categories = [
            {"id": i + 1, "name": name, "supercategory": "object"}
            for i, name in enumerate(CLASS_NAMES)
        ]
        out.write(b'],"categories":' + _dumps(categories) + b"}")
    side.unlink()
    partial.replace(path)
    sidecar.write_text(json.dumps(wanted), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=IMAGES)
    parser.add_argument("--boxes", type=int, default=BOXES)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args(argv)
    out = args.output or DATA / "coco_big" / f"coco_{args.images}.json"
    print(coco_big(out, args.images, args.boxes, args.seed))


if __name__ == "__main__":
    main()
