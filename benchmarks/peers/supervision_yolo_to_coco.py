"""supervision: YOLO -> COCO. Usage: DATASET_DIR OUTPUT."""

import sys
from pathlib import Path

import supervision as sv

data, out = Path(sys.argv[1]), Path(sys.argv[2])
root = data / "yolo"
dataset = sv.DetectionDataset.from_yolo(
    images_directory_path=str(root / "images" / "train"),
    annotations_directory_path=str(root / "labels" / "train"),
    data_yaml_path=str(root / "data.yaml"),
)
dataset.as_coco(annotations_path=str(out))
