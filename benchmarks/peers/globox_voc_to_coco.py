"""globox: Pascal VOC -> COCO. Usage: DATASET_DIR OUTPUT."""

import sys
from pathlib import Path

import globox

data, out = Path(sys.argv[1]), Path(sys.argv[2])
globox.AnnotationSet.from_pascal_voc(data / "voc").save_coco(out, auto_ids=True)
