"""supervision: COCO -> Pascal VOC. Usage: DATASET_DIR OUTPUT_DIR."""

import sys
from pathlib import Path

import supervision as sv

data, out = Path(sys.argv[1]), Path(sys.argv[2])
dataset = sv.DetectionDataset.from_coco(
    images_directory_path=str(data / "yolo" / "images" / "train"),
    annotations_path=str(data / "coco.json"),
)
dataset.as_pascal_voc(annotations_directory_path=str(out))
