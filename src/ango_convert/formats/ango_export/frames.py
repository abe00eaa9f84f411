"""Video and multi-page assets: which pages their objects sit on, and the pages' file names.

Objects with a ``page`` (0-based frame or page) become one item per page, named
``<stem>_frame<page:06d><ext>``; the image downloader saves pages under the same names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath
from typing import Literal
from urllib.parse import unquote, urlsplit

from ango_convert.formats.ango_export.selection import Answer
from ango_convert.io.imagesize import IMAGE_SUFFIXES

#: ``split`` video/multi-page assets into frame items, or ``refuse`` them.
Frames = Literal["split", "refuse"]
#: The extension of a frame whose asset is not an image (a video's frames).
FRAME_SUFFIX = ".jpg"


def refuse_frames(answers: Sequence[Answer]) -> None:
    """Refuse an asset with objects on frames or pages (``frames="refuse"``).

    Raises:
        ValueError: Naming how many pages hold objects, and the first.
    """
    pages = {
        obj["page"]
        for answer in answers
        for obj in answer.objects
        if isinstance(obj, Mapping) and isinstance(obj.get("page"), int)
    }
    if pages:
        raise ValueError(
            f"objects sit on {len(pages)} frame(s)/page(s) (first: page {min(pages)}); "
            "this conversion refuses video and multi-page assets (frames=refuse)"
        )


def frame_file_name(external_id: str, page: int, page_url: str | None = None) -> str:
    """The file name of a frame or page: ``<stem>_frame<page:06d><ext>``.

    The extension is the page image's own (from its URL in ``dataset``) when it is an
    image, else the asset's when it is an image, else ``.jpg`` (video frames).
    """
    path = PurePosixPath(external_id.replace("\\", "/"))
    suffix = _image_suffix(page_url) or (
        path.suffix if path.suffix.lower() in IMAGE_SUFFIXES else FRAME_SUFFIX
    )
    return str(path.with_name(f"{path.stem}_frame{page:06d}{suffix}"))


def _image_suffix(url: str | None) -> str | None:
    if not url:
        return None
    suffix = PurePosixPath(unquote(urlsplit(url).path)).suffix
    return suffix if suffix.lower() in IMAGE_SUFFIXES else None
