"""Shared by the hostile output tests: a small COCO document, the CLI as a real process,
and the one-error-line check for a process's stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SCHEMA_MAP = SAMPLES / "coco" / "schema_map.json"
NEEDS_ROOT = "creating a device node needs root (CAP_MKNOD)"


def coco(images: int = 3, *, names: Sequence[str] = (), category: str = "cat") -> str:
    """A small valid COCO document; ``names`` overrides the image file names."""
    files = list(names) or [f"img{n}.jpg" for n in range(1, images + 1)]
    return json.dumps(
        {
            "images": [
                {"id": n, "file_name": name, "width": 64, "height": 48}
                for n, name in enumerate(files, start=1)
            ],
            "categories": [{"id": 1, "name": category}],
            "annotations": [
                {"id": n, "image_id": n, "category_id": 1, "bbox": [1, 2, 10, 12]}
                for n in range(1, len(files) + 1)
            ],
        }
    )


def run(args: Sequence[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    """The CLI as a real process (for file descriptors and resource limits)."""
    command = [sys.executable, "-c", "from ango_convert.cli.main import main; main()", *args]
    return subprocess.run(command, capture_output=True, timeout=120, check=False, **kwargs)  # type: ignore[call-overload, no-any-return]


def one_error(stderr: bytes, *needles: str) -> str:
    """The single ``error:`` line, last on stderr, holding every needle; no traceback."""
    text = stderr.decode()
    assert "Traceback" not in text, text
    errors = [line for line in text.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and text.rstrip("\n").endswith(errors[0]), text
    for needle in needles:
        assert needle in errors[0], f"{needle!r} not in {errors[0]!r}"
    return errors[0]
