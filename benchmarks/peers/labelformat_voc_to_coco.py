"""labelformat: Pascal VOC -> COCO (its own CLI entry point). Usage: DATASET_DIR OUTPUT."""

import json
import sys
from pathlib import Path

from labelformat.cli.cli import main

data, out = Path(sys.argv[1]), Path(sys.argv[2])
# VOC files do not list the classes; labelformat wants them, as the user would pass them.
categories = json.loads((data / "classes.json").read_text(encoding="utf-8"))
sys.argv = ["labelformat", "convert", "--task", "object-detection",
            "--input-format", "pascalvoc", "--input-folder", str(data / "voc"),
            "--category-names", ",".join(categories),
            "--output-format", "coco", "--output-file", str(out)]  # fmt: skip
main()
