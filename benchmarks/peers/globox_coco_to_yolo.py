"""globox: COCO -> YOLO (v5 layout, class index by category order). Usage: DATASET OUTPUT."""

import json
import sys
from pathlib import Path

import globox

data, out = Path(sys.argv[1]), Path(sys.argv[2])
names = json.loads((data / "classes.json").read_text(encoding="utf-8"))
annotations = globox.AnnotationSet.from_coco(data / "coco.json")
annotations.save_yolo_v5(out, label_to_id={name: i for i, name in enumerate(names)})
