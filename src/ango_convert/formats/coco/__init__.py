"""COCO object-detection / keypoint JSON: reader, writer and detector.

Reading (one JSON file; ``-`` reads stdin):

* Each image becomes an :class:`~ango_convert.model.Item` whose id is the image id as
  text; images without annotations are kept. ``file_name`` is kept exactly as given
  (spaces, several dots, sub-folders). Other image keys (``license``, ``coco_url``,
  ``date_captured``...) travel as ``coco:<key>`` attributes, the image id as
  ``coco:image_id``.
* ``segmentation`` polygons become a Polygon (one zone per part, no holes), RLE in
  either encoding a Mask (the IR holds uncompressed counts; ``coco:rle`` remembers which
  encoding the source used), an empty or missing segmentation a Box from ``bbox``.
  A segmented annotation keeps its ``bbox`` and ``area`` as ``coco:bbox``/``coco:area``.
* ``keypoints`` become a Keypoints annotation. When the annotation also has a bbox or
  segmentation, both IR annotations share ``group = str(annotation id)``.
* ``iscrowd`` (0 when missing), the annotation id and unknown keys are kept as
  ``coco:<key>`` attributes; the entries of an ``attributes`` object as free attributes.
* Skeletons are 1-based in COCO; a skeleton that uses 0 and never the last keypoint's
  number was written 0-based by some other tool and is read as such. The IR is 0-based.
* Coordinates are kept as given, also where a box overhangs the image: COCO's own files
  have boxes that do so by fractions of a pixel, so this is not an error.
* ``info`` becomes ``Dataset.info``; ``licenses`` and unknown top-level keys go there as
  ``coco:licenses`` / ``coco:<key>``.
* Files of 512 MiB or more (``read.STREAM_THRESHOLD``; ``stream="always"`` for any
  file, ``"never"`` to parse whole; stdin and pipes are parsed whole) are read in bounded
  memory: the arrays in chunks, the annotations spilled by image to a temporary folder,
  the items yielded lazily (:mod:`.stream`). The dataset and the errors are the same.

Writing (one JSON file, atomically; ``-`` writes stdout):

* Annotations of one item that share a group and category merge into one COCO
  annotation; annotation and image ids are kept when no earlier entry took them,
  others are numbered from 1 up past the kept ones (all present and distinct: all kept;
  none: 1..N). Category ids are written as the IR has them. Skeletons are
  written 1-based.
* bbox and area come from ``coco:bbox``/``coco:area`` when present, else they are
  computed (polygon bounds and shoelace area minus holes, mask pixel count and tight box,
  box width x height). A pose with neither box nor segmentation gets the span of its
  labelled points as bbox (COCO consumers expect one), so it reads back as box + pose.
* RLE masks are written in the encoding the source used, else as compressed string
  counts (what pycocotools produces; every COCO loader accepts both). Polygons with
  holes, which COCO polygons cannot express, are written as RLE masks, rasterised
  exactly at pixel centres, with a warning in the report.
* Rotated boxes, polylines and points are not COCO kinds: they raise
  UnsupportedAnnotationError unless ``on_unsupported`` is ``"skip"`` (left out, counted)
  or ``"approximate"``: a rotated box becomes the polygon of its corners (counted as
  approximated); points and polylines are skipped (counted), as a zero-size box would stop
  torchvision training and closing a line into a polygon would invent an area.
* No zero-area box is written: an entry whose box has no area is left out and counted as
  ``zero-area <kind>``; a pose without a box gets one at least a pixel each way. Crowd
  regions (``iscrowd``) are written as RLE, as COCO keeps them.
* COCO requires every image's width and height: items without them raise
  ConversionError naming them.
* The items are read once and the file is written as they arrive (annotations wait in
  a temporary file beside the output), so memory stays flat on streamed inputs. Ids are
  kept when free and otherwise numbered from 1 up (see :mod:`.json_stream`).
* Attributes with another format's prefix (``ango:``, ``voc:``...) are not written.
"""

from __future__ import annotations

from pathlib import Path

from ango_convert.formats.coco import read, write
from ango_convert.registry import FormatSpec

__all__ = ["FORMAT", "detect"]

_SNIFF_BYTES = 64 * 1024


def detect(path: Path) -> bool:
    """True for a ``.json`` file whose start has COCO's top-level keys.

    Only the first 64 KB are read: an object with ``"images"`` and one of
    ``"annotations"``, ``"categories"`` or ``"file_name"`` (a long images list can push
    the other top-level keys far past the start).
    """
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    try:
        with path.open("rb") as stream:
            head = stream.read(_SNIFF_BYTES)
    except OSError:
        return False
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return (
        head.startswith(b"{")
        and b'"images"' in head
        and any(key in head for key in (b'"annotations"', b'"categories"', b'"file_name"'))
    )


FORMAT = FormatSpec(
    name="coco",
    summary="COCO JSON: boxes, polygons, RLE masks (both encodings), keypoints",
    read=read.read,
    write=write.write,
    detect=detect,
    writes_kinds=write.WRITES_KINDS,
)
