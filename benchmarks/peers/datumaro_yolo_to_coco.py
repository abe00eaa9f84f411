"""datumaro: YOLO (Ultralytics) -> COCO instances. Usage: DATASET_DIR OUTPUT_DIR."""

import sys
from pathlib import Path

import datumaro as dm

data, out = Path(sys.argv[1]), Path(sys.argv[2])
dataset = dm.Dataset.import_from(str(data / "yolo"), "yolo")
dataset.export(str(out), "coco_instances", save_media=False)
