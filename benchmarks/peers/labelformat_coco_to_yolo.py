"""labelformat: COCO -> YOLO (its own CLI entry point). Usage: DATASET_DIR OUTPUT_DIR."""

import sys
from pathlib import Path

from labelformat.cli.cli import main

data, out = Path(sys.argv[1]), Path(sys.argv[2])
sys.argv = ["labelformat", "convert", "--task", "object-detection",
            "--input-format", "coco", "--input-file", str(data / "coco.json"),
            "--output-format", "yolov8", "--output-file", str(out / "data.yaml"),
            "--output-split", "train"]  # fmt: skip
main()
