"""globox: COCO -> Pascal VOC. Usage: DATASET_DIR OUTPUT_DIR."""

import sys
from pathlib import Path

import globox

data, out = Path(sys.argv[1]), Path(sys.argv[2])
globox.AnnotationSet.from_coco(data / "coco.json").save_pascal_voc(out)
