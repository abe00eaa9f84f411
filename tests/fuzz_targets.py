"""Readers under fuzz: each target writes one input where its reader expects it, reads it
fully (items iterated) and lets only the toolkit's own errors out.

Shared by ``tests/test_properties.py`` (a short run in CI) and ``scripts/fuzz.py`` (the
long run). Inputs are bytes: random, mutated from a sound seed, or a sound seed with one
JSON value replaced by a random one.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from ango_convert import api
from ango_convert.model import Dataset
from tests.imagebytes import png

SOUND_COCO: dict[str, Any] = {
    "info": {"year": 2024},
    "images": [{"id": 1, "file_name": "a.jpg", "width": 64, "height": 48}],
    "categories": [{"id": 1, "name": "cat", "keypoints": ["a", "b"], "skeleton": [[1, 2]]}],
    "annotations": [
        {"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "iscrowd": 0},
        {
            "id": 2,
            "image_id": 1,
            "category_id": 1,
            "segmentation": [[1, 1, 5, 1, 5, 5]],
            "keypoints": [1, 2, 2, 3, 4, 1],
        },
        {
            "id": 3,
            "image_id": 1,
            "category_id": 1,
            "segmentation": {"size": [48, 64], "counts": [100, 20, 2952]},
        },
    ],
}
_OBJECTS: list[dict[str, Any]] = [
    {"schemaId": "s1", "title": "cat", "bounding-box": {"x": 1, "y": 2, "width": 3, "height": 4}},
    {"schemaId": "s2", "title": "dog", "polygon": [[1, 1], [5, 1], [5, 5]]},
    {"schemaId": "s3", "title": "p", "point": [3, 4], "objectId": "k:kp:0"},
    {
        "schemaId": "s4",
        "title": "r",
        "rotated-bounding-box": {"x": 1, "y": 2, "width": 3, "height": 4, "rotation": 30},
    },
]
_CLASSIFICATIONS = [{"schemaId": "c1", "title": "q", "answer": "yes", "classifications": []}]
SOUND_FLAT: list[dict[str, Any]] = [
    {"externalId": "a.jpg", "objects": _OBJECTS, "classifications": _CLASSIFICATIONS},
    {"externalId": "b.jpg", "objects": [], "classifications": []},
]
SOUND_SEED = {
    "project": "p",
    "labels": [
        {"externalId": r["externalId"], "answer": {k: v for k, v in r.items() if k != "externalId"}}
        for r in SOUND_FLAT
    ],
}
_V3_TOOLS = [{**o, "objectId": f"o{n}", "classifications": []} for n, o in enumerate(_OBJECTS)]
SOUND_V3 = [
    {
        "asset": "http://127.0.0.1:9/a.jpg",
        "externalId": "a.jpg",
        "metadata": {"width": 64, "height": 48},
        "batches": ["b1"],
        "task": {
            "taskId": "t1",
            "stage": "Complete",
            "tools": _V3_TOOLS,
            "classifications": _CLASSIFICATIONS,
            "relations": [],
        },
    }
]
SOUND_V2 = [
    {
        "asset": "http://127.0.0.1:9/a.jpg",
        "externalId": "a.jpg",
        "metadata": {"width": 64, "height": 48},
        "tasks": [{"taskId": "t1", "objects": _V3_TOOLS, "classifications": _CLASSIFICATIONS}],
    }
]
SOUND_XML = (
    b"<annotation><filename>a.jpg</filename><size><width>64</width><height>48</height>"
    b"<depth>3</depth></size><object><name>cat</name><pose>Left</pose><truncated>1</truncated>"
    b"<difficult>0</difficult><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>11</xmax>"
    b"<ymax>22</ymax></bndbox><part><name>head</name><bndbox><xmin>1</xmin><ymin>2</ymin>"
    b"<xmax>3</xmax><ymax>4</ymax></bndbox></part></object></annotation>"
)
SOUND_YAML = b"train: images/train\nval: images/train\nnames:\n  0: cat\n  1: dog\n"
SOUND_LABEL = b"0 0.5 0.5 0.25 0.5\n1 0.25 0.25 0.1 0.1\n"
_PNG = png(64, 48)


@dataclass(frozen=True)
class Target:
    """One reader and the sound input its mutations start from."""

    name: str
    seed: bytes
    run: Callable[[bytes, Path], None]
    json_seed: Any = None


def _consume(dataset: Dataset) -> None:
    for item in dataset:
        for annotation in item.annotations:
            _ = annotation.kind


def _file_reader(file_name: str, format_name: str, **options: Any) -> Callable[[bytes, Path], None]:
    def run(data: bytes, folder: Path) -> None:
        path = folder / file_name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        _consume(api.read(path, format_name, **options))

    return run


def _yolo(label: bytes | None = None, yaml: bytes | None = None) -> Callable[[bytes, Path], None]:
    def run(data: bytes, folder: Path) -> None:
        root = folder / "ds"
        (root / "images" / "train").mkdir(parents=True)
        (root / "labels" / "train").mkdir(parents=True)
        (root / "images" / "train" / "a.png").write_bytes(_PNG)
        (root / "data.yaml").write_bytes(data if yaml is None else yaml)
        (root / "labels" / "train" / "a.txt").write_bytes(data if label is None else label)
        _consume(api.read(root, "yolo"))

    return run


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode()


TARGETS = [
    Target("coco", _dumps(SOUND_COCO), _file_reader("x.json", "coco"), SOUND_COCO),
    Target("voc", SOUND_XML, _file_reader("Annotations/x.xml", "voc")),
    Target("yolo-label", SOUND_LABEL, _yolo(yaml=SOUND_YAML)),
    Target("yolo-yaml", SOUND_YAML, _yolo(label=SOUND_LABEL)),
    Target("ango", _dumps(SOUND_SEED), _file_reader("p.json", "ango"), SOUND_SEED),
    Target(
        "ango-flat",
        _dumps(SOUND_FLAT),
        _file_reader("p.json", "ango-flat", validate=False),
        SOUND_FLAT,
    ),
    Target("ango-v2", _dumps(SOUND_V2), _file_reader("e.json", "ango-v2"), SOUND_V2),
    Target("ango-v3", _dumps(SOUND_V3), _file_reader("e.json", "ango-v3"), SOUND_V3),
    # Unvalidated, mutations reach the decoders instead of stopping at the schema.
    Target(
        "ango-v2-raw",
        _dumps(SOUND_V2),
        _file_reader("e.json", "ango-v2", validate=False),
        SOUND_V2,
    ),
    Target(
        "ango-v3-raw",
        _dumps(SOUND_V3),
        _file_reader("e.json", "ango-v3", validate=False),
        SOUND_V3,
    ),
]
TARGETS_BY_NAME = {target.name: target for target in TARGETS}


def run_in_temp(target: Target, data: bytes) -> None:
    """Run one input in a fresh temporary folder."""
    with tempfile.TemporaryDirectory() as folder:
        target.run(data, Path(folder))


# --- strategies ---------------------------------------------------------------------

# orjson refuses lone surrogates, so text without them reaches past the parser.
_text = st.text(st.characters(codec="utf-8"), max_size=12)
_json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    _text,
    st.sampled_from(["", "../x", "a\\b", "\x00", "x" * 300, "cat", "s1", "bounding-box"]),
)
json_values = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


@st.composite
def json_mutations(draw: st.DrawFn, seed: Any) -> bytes:
    """The seed with one to three values (or keys' values) replaced or removed."""
    document = json.loads(json.dumps(seed))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(document)
        path = draw(st.sampled_from(paths))
        if not path:
            document = draw(json_values)
            continue
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_values)
    return json.dumps(document).encode()


#: Bracket runs that nest past parser and stack limits.
DEEP_TOKENS = (b"[" * 3000, b"{a: " * 900, b"- " * 300)
_TOKENS = (b"nan", b"inf", b"-1", b"1e400", b"9" * 30, b"<", b"&x;")


@st.composite
def byte_mutations(draw: st.DrawFn, seed: bytes, deep: bool = True) -> bytes:
    """The seed cut, with bytes flipped, inserted or deleted, or tokens inserted."""
    tokens = _TOKENS + (DEEP_TOKENS if deep else ())
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "insert", "delete", "cut", "token"]))
        if action == "flip":
            data[at] = draw(st.integers(0, 255))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        elif action == "cut":
            del data[at:]
        else:
            data[at:at] = draw(st.sampled_from(tokens))
    return bytes(data)


def inputs(target: Target, *, deep: bool = True) -> st.SearchStrategy[bytes]:
    """Random bytes, byte mutations of the seed and, for JSON targets, value mutations;
    ``deep`` adds the :data:`DEEP_TOKENS`."""
    options = [st.binary(max_size=600), byte_mutations(target.seed, deep)]
    if target.json_seed is not None:
        options.append(json_mutations(target.json_seed))
    return st.one_of(*options)
