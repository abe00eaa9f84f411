"""The raw texts of one VOC file, as the decoder takes them, read from an element tree.

An XML element's text is what lxml gives: None for an empty element, whitespace kept.
Of each tag the first element counts (a second ``<name>`` is ignored, as lxml's
``find`` would). :mod:`.plain` reads the same structure straight from the bytes of the
usual files; the elements stay None there, since no tree was built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ango_convert.formats.voc.vocabulary import CORNERS, FLAGS

if TYPE_CHECKING:
    from lxml import etree

#: Top-level elements the decoder reads the text of.
HEADER_TAGS = ("filename", "folder", "segmented")
#: ``<size>`` children, in the order :attr:`RawAnnotation.size` holds them.
SIZE_TAGS = ("width", "height", "depth")
#: ``<object>`` children the decoder reads the text of: the name, the pose and the flags.
OBJECT_LEAVES = ("name", "pose", *FLAGS)
#: ``<object>`` children the decoder knows; any other makes :attr:`RawObject.others`.
KNOWN_OBJECT_TAGS = frozenset({*OBJECT_LEAVES, "bndbox", "part", "attributes"})

Texts = tuple["str | None", ...]


@dataclass(slots=True)
class RawObject:
    """One ``<object>``: its leaf texts, its corner texts, and its elements if parsed.

    Attributes:
        name: ``<name>``'s text.
        pose: ``<pose>``'s text.
        flags: The texts of :data:`FLAGS`, in that order.
        corners: The texts of the first ``<bndbox>``'s :data:`CORNERS`, or None when
            the object has no ``<bndbox>``.
        others: True when the object has other children: ``<part>``, CVAT's
            ``<attributes>``, unknown elements (then only its element can tell them).
        element: The ``<object>`` element (None when read without a tree).
        bndbox: Its ``<bndbox>`` element (None when read without a tree).
    """

    name: str | None
    pose: str | None
    flags: Texts
    corners: Texts | None
    others: bool = False
    element: etree._Element | None = None
    bndbox: etree._Element | None = None


@dataclass(slots=True)
class RawAnnotation:
    """One ``<annotation>``: the header texts, the ``<size>`` texts and the objects.

    Attributes:
        header: The text of the first element of each of :data:`HEADER_TAGS` present.
        size: The texts of the first ``<size>``'s :data:`SIZE_TAGS`, or None when
            there is no ``<size>``.
        objects: The ``<object>`` elements, in order.
        element: The ``<annotation>`` element (None when read without a tree).
        size_element: The ``<size>`` element (None when read without a tree).
    """

    header: dict[str, str | None]
    size: Texts | None
    objects: list[RawObject]
    element: etree._Element | None = None
    size_element: etree._Element | None = None


def from_tree(root: etree._Element) -> RawAnnotation:
    """The raw texts of a parsed ``<annotation>`` element."""
    first: dict[object, etree._Element] = {}
    objects = []
    for child in root:
        tag = child.tag
        if tag == "object":
            objects.append(_object(child))
        elif tag not in first:
            first[tag] = child
    header = {tag: first[tag].text for tag in HEADER_TAGS if tag in first}
    size = first.get("size")
    texts = None if size is None else first_texts(size, SIZE_TAGS)
    return RawAnnotation(header, texts, objects, root, size)


def first_texts(element: etree._Element, tags: tuple[str, ...]) -> Texts:
    """The text of the first child of each of ``tags`` (None when there is none)."""
    found: dict[object, str | None] = {}
    for child in element:
        tag = child.tag
        if tag not in found:
            found[tag] = child.text
    return tuple([found.get(tag) for tag in tags])


def _object(obj: etree._Element) -> RawObject:
    # One pass over the children: this runs once per box.
    texts: dict[object, str | None] = {}
    bndbox = None
    for child in obj:
        tag = child.tag
        if tag == "bndbox":
            if bndbox is None:
                bndbox = child
        elif tag not in texts:
            texts[tag] = child.text
    get = texts.get
    return RawObject(
        get("name"),
        get("pose"),
        tuple(map(get, FLAGS)),
        None if bndbox is None else first_texts(bndbox, CORNERS),
        # Comments count as others too: the decoder then finds nothing to add.
        not texts.keys() <= KNOWN_OBJECT_TAGS or "part" in texts or "attributes" in texts,
        obj,
        bndbox,
    )
