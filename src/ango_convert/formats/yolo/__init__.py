"""YOLO: one text file of normalised numbers per image, in the Ultralytics and darknet
layouts, for the detect, segment, oriented-box (obb) and pose tasks.

Reading takes a dataset folder or its config file (``data.yaml``, ``obj.data``, or a
folder with ``classes.txt``; see :mod:`.discovery`). Labels are found by Ultralytics'
rule: the last ``images`` folder in the image's path swapped for ``labels`` and the
extension for ``.txt``; darknet's label beside the image is tried next. An empty label
file and a missing one both mean an image without objects, as Ultralytics treats them
(background images); how many had no label file is logged at info level and kept in
``Dataset.info["yolo:images_without_label_file"]``. Image sizes come from the image
headers (:mod:`.imagesize`, no pixels decoded); an image that cannot be probed is an
error naming it.

The task (:mod:`.labels`) is decided once per dataset from the lines' lengths (so every
file is read the same way), or set with ``task=``: ``kpt_shape`` in data.yaml means
pose; polygon lines mean segment; lines of 8 values alone mean obb. Every line must fit
the task: a wrong count, a class id outside the names or a non-number is
``file: line N: reason``.

Category ids in the IR are the YOLO class ids (0-based), unless the dataset carries the
``label_map.json`` this toolkit writes (:mod:`.label_map`), which restores the source ids
(COCO's, say), keypoint names and skeleton. Pose lines become a Box and a Keypoints
sharing a ``group``.
Items get their ``split`` (``train``/``val``/``test``; darknet's ``valid`` is read as
``val``) and ``image_path``.

Oriented boxes. The four corners are taken in the order given: corner 1 is the box's
top-left, the edge from corner 1 to corner 2 its width, and the angle is that edge's
direction in degrees, positive clockwise on screen (y points down) -- the IR's
:class:`~ango_convert.model.RotatedBox` convention, with the same sign as Ango's
``rotation``. The writer lists corners as top-left, top-right, bottom-right,
bottom-left of the rotated box. Corners slightly outside the image are kept as they are.
Four corners that are not a perfect rectangle are fitted to one (mean edge lengths).
"""

from __future__ import annotations

from ango_convert.formats.yolo import read, write
from ango_convert.registry import FormatSpec

__all__ = ["FORMAT"]

FORMAT = FormatSpec(
    name="yolo",
    summary="YOLO txt labels (Ultralytics data.yaml or darknet): detect, segment, obb, pose",
    read=read.read,
    write=write.write,
    detect=read.detect,
    writes_kinds=frozenset({"box", "polygon", "rotated-box", "keypoints"}),
    output_is_dir=True,
)
