"""labelformat: YOLO (Ultralytics) -> COCO (its own CLI entry point). Usage: DATASET_DIR OUTPUT."""

import sys
from pathlib import Path

from labelformat.cli.cli import main

data, out = Path(sys.argv[1]), Path(sys.argv[2])
sys.argv = ["labelformat", "convert", "--task", "object-detection",
            "--input-format", "yolov8", "--input-file", str(data / "yolo" / "data.yaml"),
            "--input-split", "train",
            "--output-format", "coco", "--output-file", str(out)]  # fmt: skip
main()
