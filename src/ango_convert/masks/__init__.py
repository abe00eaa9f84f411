"""Binary-mask geometry over the IR: RLE codecs, area, bounds, and mask <-> polygon zones.

Conventions, shared with :mod:`ango_convert.model`:

* A :class:`~ango_convert.model.Mask` holds COCO's *uncompressed* RLE: runs of 0 and 1,
  starting with 0, over the pixels in column-major order (down the first column, then
  the next). COCO's *compressed* string form is handled by :func:`compress_counts` and
  :func:`decompress_counts`, a small codec written here (checked against pycocotools in
  the tests) so no full-size mask is ever decoded just to change the encoding.
* Pixel (col, row) is the square ``[col, col + 1) x [row, row + 1)``.

Tracing (:func:`mask_to_zones`) follows pixel edges, so every vertex has integer
coordinates, every edge is axis-aligned and collinear vertices are dropped. Connectivity:
foreground pixels are joined through shared sides only (4-connectivity), and so is the
background: two pixels touching only at a corner end up in different zones (or a hole
touching its outer ring at one vertex). Every ring is therefore simple (no vertex twice);
rings may touch each other at single vertices. Outer rings run clockwise on screen (y
down) and holes anticlockwise, each starting at its top-most, then left-most vertex.
A background region enclosed by a hole's island (an island inside a hole) becomes a zone
of its own.

Rasterising (:func:`zones_to_mask`) sets pixel (col, row) when its centre
``(col + 0.5, row + 0.5)`` lies inside a zone, where "inside a zone" is even-odd over the
zone's outer ring and holes; the mask is the union of its zones. Centres that fall exactly
on a vertical edge count as inside on the edge's right-hand crossing only (left-exclusive,
right-inclusive); pixel-edge polygons never hit that case, so
``zones_to_mask(mask_to_zones(m))`` gives ``m`` back exactly. pycocotools' ``frPyObjects``
is not used for polygons: it samples on a different grid and would not round-trip.
"""

from __future__ import annotations

from ango_convert.masks.raster import rasterise, zones_to_mask
from ango_convert.masks.rle import (
    array_to_counts,
    array_to_mask,
    compress_counts,
    counts_to_array,
    decompress_counts,
    mask_area,
    mask_bbox,
    mask_to_array,
)
from ango_convert.masks.tracing import mask_to_zones

__all__ = [
    "array_to_counts",
    "array_to_mask",
    "compress_counts",
    "counts_to_array",
    "decompress_counts",
    "mask_area",
    "mask_bbox",
    "mask_to_array",
    "mask_to_zones",
    "rasterise",
    "zones_to_mask",
]
