"""globox: YOLO (v5 layout) -> COCO, class indices mapped to names. Usage: DATASET_DIR OUTPUT."""

import json
import sys
from pathlib import Path

import globox

data, out = Path(sys.argv[1]), Path(sys.argv[2])
root = data / "yolo"
annotations = globox.AnnotationSet.from_yolo_v5(
    root / "labels" / "train", image_folder=root / "images" / "train"
)
names = json.loads((data / "classes.json").read_text(encoding="utf-8"))
annotations = annotations.map_labels({str(i): name for i, name in enumerate(names)})
annotations.save_coco(out, auto_ids=True)
