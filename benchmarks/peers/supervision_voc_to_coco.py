"""supervision: Pascal VOC -> COCO. Usage: DATASET_DIR OUTPUT."""

import sys
from pathlib import Path

import supervision as sv

data, out = Path(sys.argv[1]), Path(sys.argv[2])
dataset = sv.DetectionDataset.from_pascal_voc(
    images_directory_path=str(data / "yolo" / "images" / "train"),
    annotations_directory_path=str(data / "voc"),
)
dataset.as_coco(annotations_path=str(out))
