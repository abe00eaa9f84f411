"""Generate the benchmark data under benchmarks/data/ (seeded, deterministic).

    python benchmarks/generate.py --scale small        # 5,000 images / 50,000 boxes
    python benchmarks/generate.py --scale large        # 100,000 images / 1,000,000 boxes
    python benchmarks/generate.py v3 --assets 450000 -o big.ndjson   # a ~1 GB V3 export

A dataset folder holds the same content as coco.json, yolo/ (Ultralytics layout with
hard-linked JPEGs), voc/ (one XML per image), payload.json (Ango label import),
export_v3.ndjson (Ango V3 export, one asset per line) and manifest.json. A folder whose
manifest matches the requested parameters is reused, not rebuilt. The probe/ folder
holds 10,000 small PNG and JPEG files with their true sizes in probe/sizes.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from content import IMAGE_SIZES, SCALES, Content, build, iter_images
from images import jpeg_bytes, png_bytes
from render import (
    image_sources,
    write_coco,
    write_payload,
    write_v3_lines,
    write_voc,
    write_voc_layout,
    write_yolo,
)

DATA = Path(__file__).resolve().parent / "data"
VERSION = 4
DEFAULT_SEED = 6
PROBE_COUNT = 10_000
PROBE_VERSION = 1


def _manifest_matches(folder: Path, wanted: dict[str, object]) -> bool:
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        return False
    try:
        return bool(json.loads(manifest.read_text(encoding="utf-8")) == wanted)
    except ValueError:
        return False


def _log(message: str) -> None:
    print(f"[generate] {message}", file=sys.stderr, flush=True)


def dataset(name: str, images: int, boxes: int, seed: int = DEFAULT_SEED) -> Path:
    """Make (or reuse) the dataset folder ``data/<name>`` and return it."""
    folder = DATA / name
    wanted: dict[str, object] = {"version": VERSION, "seed": seed, "images": images, "boxes": boxes}
    if _manifest_matches(folder, wanted):
        return folder
    started = time.perf_counter()
    _log(f"building {name}: {images:,} images, {boxes:,} boxes")
    staging = DATA / f".{name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    content = build(seed, images, boxes)
    _render_all(content, staging)
    (staging / "manifest.json").write_text(json.dumps(wanted), encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    _log(f"built {name} in {time.perf_counter() - started:.1f} s")
    return folder


def _render_all(content: Content, folder: Path) -> None:
    write_coco(content, folder / "coco.json")
    # The COCO devkit layout datumaro insists on, sharing the file by a hard link.
    (folder / "coco_layout" / "annotations").mkdir(parents=True)
    os.link(folder / "coco.json", folder / "coco_layout" / "annotations" / "instances_train.json")
    copies = 1 + len(content.images) // 50_000
    sources = image_sources(folder / "base_images", IMAGE_SIZES, copies)
    write_yolo(content, folder / "yolo", sources)
    (folder / "coco_layout" / "images").mkdir()
    (folder / "coco_layout" / "images" / "train").symlink_to(
        Path("..", "..", "yolo", "images", "train"), target_is_directory=True
    )
    write_voc(content, folder / "voc")
    write_voc_layout(content, folder / "voc_layout")
    (folder / "classes.json").write_text(json.dumps(list(content.classes)), encoding="utf-8")
    write_payload(content, folder / "payload.json")
    with (folder / "export_v3.ndjson").open("w", encoding="utf-8") as out:
        write_v3_lines(content.images, content.classes, out)


def probe_set(count: int = PROBE_COUNT, seed: int = DEFAULT_SEED) -> Path:
    """Make (or reuse) ``data/probe``: ``count`` small images, half PNG and half JPEG."""
    folder = DATA / "probe"
    wanted: dict[str, object] = {"version": PROBE_VERSION, "seed": seed, "count": count}
    if _manifest_matches(folder, wanted):
        return folder
    _log(f"building probe set: {count:,} images")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rng = random.Random(seed)
    sizes: dict[str, list[int]] = {}
    for index in range(count):
        width, height = rng.randint(1, 1024), rng.randint(1, 1024)
        if index % 2:
            name, data = f"probe_{index:05d}.jpg", jpeg_bytes(width, height)
        else:
            name, data = f"probe_{index:05d}.png", png_bytes(width, height)
        (folder / name).write_bytes(data)
        sizes[name] = [width, height]
    (folder / "sizes.json").write_text(json.dumps(sizes), encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps(wanted), encoding="utf-8")
    return folder


def v3_export(path: Path, assets: int, boxes_per_asset: int = 10, seed: int = DEFAULT_SEED) -> Path:
    """Stream a V3 ndjson export of ``assets`` assets to ``path`` (reused if present).

    Memory stays flat whatever the size, so a ~1 GB file (about 450,000 assets at 10
    boxes each) is as cheap to make as a small one, apart from time.
    """
    sidecar = path.with_name(path.name + ".manifest.json")
    wanted: dict[str, object] = {
        "version": VERSION,
        "seed": seed,
        "assets": assets,
        "boxes_per_asset": boxes_per_asset,
    }
    if path.is_file() and sidecar.is_file() and _manifest_matches_file(sidecar, wanted):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8") as out:
        images = iter_images(seed, assets, assets * boxes_per_asset)
        write_v3_lines(images, tuple(_classes()), out)
    partial.replace(path)
    sidecar.write_text(json.dumps(wanted), encoding="utf-8")
    return path


def _manifest_matches_file(sidecar: Path, wanted: dict[str, object]) -> bool:
    try:
        return bool(json.loads(sidecar.read_text(encoding="utf-8")) == wanted)
    except ValueError:
        return False


def _classes() -> tuple[str, ...]:
    from content import CLASS_NAMES

    return CLASS_NAMES


def main(argv: list[str] | None = None) -> None:
    """Command line: build the named scales, or one V3 export."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", nargs="?", choices=["datasets", "v3"], default="datasets")
    parser.add_argument("--scale", choices=[*SCALES, "both"], default="small")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--assets", type=int, default=450_000, help="v3: number of assets")
    parser.add_argument("-o", "--output", type=Path, help="v3: output file")
    args = parser.parse_args(argv)
    if args.what == "v3":
        out = args.output or DATA / f"v3_{args.assets}.ndjson"
        print(v3_export(out, args.assets, seed=args.seed))
        return
    scales = list(SCALES) if args.scale == "both" else [args.scale]
    for scale in scales:
        print(dataset(scale, *SCALES[scale], seed=args.seed))
    print(probe_set(seed=args.seed))


if __name__ == "__main__":
    main()
