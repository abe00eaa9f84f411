"""datumaro: COCO -> Pascal VOC detection (no media). Usage: DATASET_DIR OUTPUT_DIR."""

import sys
from pathlib import Path

import datumaro as dm

data, out = Path(sys.argv[1]), Path(sys.argv[2])
dataset = dm.Dataset.import_from(str(data / "coco_layout"), "coco_instances")
dataset.export(str(out), "voc_detection", save_media=False)
