"""datumaro: COCO -> YOLO, darknet layout. Usage: DATASET_DIR OUTPUT_DIR.

Its Ultralytics exporter refuses a dataset without a val subset.
"""

import sys
from pathlib import Path

import datumaro as dm

data, out = Path(sys.argv[1]), Path(sys.argv[2])
dataset = dm.Dataset.import_from(str(data / "coco_layout"), "coco_instances")
dataset.export(str(out), "yolo", save_media=False)
