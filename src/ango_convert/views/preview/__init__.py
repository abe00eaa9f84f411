"""Previews: a dataset's annotations drawn over its images, with a contact sheet.

Drawing needs Pillow, an optional extra (``pip install 'ango-convert[preview]'``), so this
package imports it only when a preview is drawn.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

from ango_convert.errors import FormatLoadError
from ango_convert.model import Dataset

if TYPE_CHECKING:
    from ango_convert.views.preview.run import PreviewReport
    from ango_convert.views.preview.sources import RemoteImages

PILLOW_HINT = "preview needs Pillow: pip install 'ango-convert[preview]'"


def require_pillow() -> None:
    """Fail with the install hint when Pillow is missing.

    Raises:
        FormatLoadError: Pillow is not installed (exit code 2).
    """
    if importlib.util.find_spec("PIL") is None:
        raise FormatLoadError(PILLOW_HINT)


def preview(
    dataset: Dataset,
    output: str | Path,
    *,
    images_dir: str | Path | None = None,
    sample: int | None = 100,
    seed: int = 0,
    remote: RemoteImages | None = None,
    overwrite: bool = False,
    title: str | None = None,
    max_side: int = 1600,
) -> PreviewReport:
    """Draw a dataset's annotations over its images into ``output``, with ``index.html``.

    The folder is built under a temporary name and swapped in whole. Each image is
    found in ``images_dir`` (by file name, then by base name), else at the path the
    reader found (``Item.image_path``), else fetched by ``remote``; an item without one
    is drawn on a blank canvas of its size, and the sheet says why.

    Args:
        dataset: What to draw; its items are iterated once.
        output: The folder to write (``images/`` and ``index.html``).
        images_dir: A folder with the images.
        sample: Draw this many items picked at random (reservoir sampling: one pass, at
            most ``sample`` items held); None draws every item, one at a time.
        seed: The sample's seed: the same seed over the same data picks the same items.
        remote: Fetches missing images (an Ango export's asset URLs, see
            :class:`ango_convert.views.preview.remote.ExportImages`); only on request.
        overwrite: Replace an existing non-empty ``output``.
        title: The sheet's heading (default: ``output``).
        max_side: Larger images are drawn scaled down to this longest side.

    Returns:
        What was drawn.

    Raises:
        FormatLoadError: Pillow is not installed.
        OutputError: The folder cannot be written.
    """
    require_pillow()
    if sample is not None and sample < 1:
        raise ValueError(f"sample must be at least 1, got {sample}")
    from ango_convert.views.preview.run import draw_preview

    return draw_preview(
        dataset,
        Path(output),
        images_dir=Path(images_dir) if images_dir is not None else None,
        sample=sample,
        seed=seed,
        remote=remote,
        overwrite=overwrite,
        title=title,
        max_side=max_side,
    )


__all__ = ["PILLOW_HINT", "preview", "require_pillow"]
