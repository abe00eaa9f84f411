"""One small in-memory dataset with every annotation kind and hostile file names."""

from __future__ import annotations

from ango_convert.model import (
    ATTR_ISCROWD,
    Box,
    Category,
    Classification,
    Dataset,
    Item,
    Keypoints,
    Point,
    Polygon,
    Polyline,
    RotatedBox,
    Zone,
)

HOSTILE_NAMES = ("street scene.v2.final.jpg", "sub dir/ünï cödé.png", "a'b\"c.jpeg")


def tiny_dataset() -> Dataset:
    """Categories with non-contiguous ids, a pose class and every kind of annotation."""
    categories = (
        Category(id=3, name="car"),
        Category(
            id=90,
            name="person",
            keypoint_names=("nose", "left eye", "right eye"),
            skeleton=((0, 1), (0, 2)),
        ),
    )
    first = Item(
        id="1",
        file_name=HOSTILE_NAMES[0],
        width=640,
        height=480,
        annotations=(
            Box(category_id=3, x=10, y=20.5, width=100, height=50.25, attributes={"occluded": 1}),
            Polygon(category_id=3, zones=(Zone(outer=((1, 1), (30, 1), (30, 40), (1, 40))),)),
            Polygon(
                category_id=3,
                zones=(
                    Zone(
                        outer=((100, 100), (200, 100), (200, 200), (100, 200)),
                        holes=(((120, 120), (150, 120), (150, 150)),),
                    ),
                    Zone(outer=((300, 300), (320, 300), (320, 330))),
                ),
                attributes={ATTR_ISCROWD: 1},
            ),
            Box(category_id=90, x=50, y=60, width=40, height=120, group="7"),
            Keypoints(category_id=90, points=((60, 70, 2), (0, 0, 0), (66, 71, 1)), group="7"),
        ),
        classifications=(Classification(title="weather", answer="sunny"),),
    )
    second = Item(
        id="2",
        file_name=HOSTILE_NAMES[1],
        width=100,
        height=100,
        annotations=(
            RotatedBox(category_id=3, cx=50, cy=50, width=40, height=20, angle=-30),
            Polyline(category_id=3, points=((0, 0), (10, 10), (20, 5))),
            Point(category_id=90, x=5, y=6),
        ),
    )
    empty = Item(id="3", file_name=HOSTILE_NAMES[2], width=10, height=10)
    return Dataset(categories=categories, items=(first, second, empty))
