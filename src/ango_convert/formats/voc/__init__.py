"""Pascal VOC: one XML file per image, boxes only.

Pixel convention. VOC's ``<bndbox>`` corners were defined by the VOC devkit as 1-based,
inclusive pixel indices, but almost every tool that reads or writes VOC today treats them
as continuous coordinates: labelformat, globox and datumaro (hence CVAT) read
``x = xmin, width = xmax - xmin``, and labelImg and Roboflow write the same way. Only
some training code (detectron2 subtracts 1 from xmin and ymin) applies the 1-based view.
The default here is therefore ``pixel_convention="continuous"``:

* ``continuous``: IR ``x = xmin``, ``width = xmax - xmin`` (and back, exactly);
* ``inclusive``: IR ``x = xmin - 1``, ``width = xmax - xmin + 1``, so a box over pixel
  columns 1..10 of the VOC grid becomes x=0, width=10 in the IR's continuous grid.

Both the reader and the writer take the option, so a dataset read and written with the
same convention keeps its numbers, and numbers print without float noise (``48.5``,
``100``, never ``100.0`` or ``0.30000000000000004``).

Reading takes the usual file (the plain XML that tools write) with regular expressions
(:mod:`.plain`) and any other with lxml, entity resolution, DTD loading and network
access off (:mod:`.safe_xml`); both give the same raw texts to one decoder
(:mod:`.decode`). A document whose DOCTYPE declares entities (external entities,
"billion laughs") is refused outright, before any entity could be used, and a text over
10,000,000 bytes is refused wherever it is (libxml2's limit). Per object, ``difficult``,
``truncated`` and ``occluded`` become int attributes (0/1) and ``pose`` a string
attribute, unless they hold the defaults (0, ``Unspecified``), which the writer writes
anyway; ``<part>`` elements are kept JSON-ready in the ``parts`` attribute, and CVAT's
``<attributes>`` entries become attributes by name. ``ImageSets/Main/<split>.txt`` lists
set the item's ``split`` (train, val or test win over trainval). A missing or
zero ``<size>`` falls back to the image's header when the image is found (``images_dir``,
next to the XML, or in ``JPEGImages``); otherwise the item has no size and a writer that
needs one (YOLO) refuses it.

Categories are the object names sorted alphabetically with ids 1..N, unless the
``class_names`` option fixes the order.
"""

from __future__ import annotations

from ango_convert.formats.voc import read, write
from ango_convert.registry import FormatSpec

__all__ = ["FORMAT"]

FORMAT = FormatSpec(
    name="voc",
    summary="Pascal VOC XML (VOCdevkit: Annotations/, ImageSets/Main/), boxes",
    read=read.read,
    write=write.write,
    detect=read.detect,
    writes_kinds=frozenset({"box"}),
    output_is_dir=True,
)
