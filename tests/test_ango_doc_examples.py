"""Every import example shape on Ango's public documentation validates, in all three bodies.

Each fixture below has the structure and keys of one example on Ango's documentation pages
(values are our own). The pages are cited per fixture. Docs page sources:
``IMPORT`` is the "Ango Import Format" page (also served at docs-v3.ango.ai and
docs.ango.ai under the same path), ``BRUSH`` the "Importing Brush Traces" page and
``NRRD`` the "Importing NRRD Annotations" page.

Each kind also has broken variants (a wrong type in the tool's key, a missing required key)
whose every issue must carry its JSON path and name the key that is actually wrong.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from ango_convert import validation
from ango_convert.cli.main import cli
from ango_convert.errors import EXIT_INVALID, SchemaValidationError
from ango_convert.hub.upload import to_seed

DOCS = "https://docs.imerit.net/data/importing-and-exporting-annotations/importing-annotations"
IMPORT = f"{DOCS}/ango-import-format"
BRUSH = f"{DOCS}/importing-brush-traces"
NRRD = f"{DOCS}/importing-nrrd-annotations"
SDK_DOCS = "https://docs.ango.ai/sdk/sdk-documentation"

Records = list[dict[str, Any]]


def box(x: float, y: float, w: float, h: float) -> dict[str, float]:
    return {"x": x, "y": y, "width": w, "height": h}


def pdf_area(page: int, text: str, **extra: Any) -> dict[str, Any]:
    area = {"height": 1100, "width": 850, "x1": 40.5, "y1": 60.25, "x2": 310.0, "y2": 420.75}
    return {**area, "pageNumber": page, "text": text, **extra}


EXAMPLES: dict[str, Records] = {
    # IMPORT, "Lock": a locked bounding box.
    "lock": [
        {
            "externalId": "kitchen.jpg",
            "objects": [{"schemaId": "s-box", "bounding-box": box(10.5, 20, 30, 40), "lock": True}],
        }
    ],
    # IMPORT, "Object ID": a PDF area written under "bounding-box" with x1/y1/x2/y2 and the
    # objectId inside the geometry, keyed by title only.
    "object id (pdf area as bounding-box)": [
        {
            "externalId": "contract.pdf",
            "objects": [
                {"title": "Clause", "bounding-box": pdf_area(3, "Clause 4", objectId="c4")}
            ],
        }
    ],
    # IMPORT, "Audio Labeling": ner ranges in seconds (floats), two assets.
    "audio": [
        {
            "externalId": f"rec_{n}.wav",
            "objects": [{"schemaId": "s-talk", "ner": {"start": n + 0.25, "end": n + 4.5}}],
        }
        for n in (1, 2)
    ],
    # IMPORT, "Bounding Box": one asset, two boxes.
    "bounding-box": [
        {
            "externalId": "street.jpg",
            "objects": [
                {"schemaId": "s-car", "bounding-box": box(101.75, 88.125, 40.5, 33.0)},
                {"schemaId": "s-car", "bounding-box": box(300.5, 210.0, 55.25, 41.75)},
            ],
        }
    ],
    # IMPORT, "Bounding Box + Nested Classification": lock true and false, radio answer.
    "bounding-box + nested classification": [
        {
            "externalId": f"room_{n}.jpg",
            "objects": [
                {
                    "schemaId": "s-furniture",
                    "bounding-box": box(12.5 * n, 30, 80, 90.5),
                    "lock": n == 1,
                    "classifications": [{"schemaId": "s-kind", "answer": "Wardrobe"}],
                }
            ],
        }
        for n in (1, 2)
    ],
    # IMPORT, "Points".
    "point": [
        {
            "externalId": "star.jpg",
            "objects": [{"schemaId": "s-tip", "point": [x, y]} for x, y in ((5.5, 7.25), (90, 12))],
        }
    ],
    # IMPORT, "Polygon": two assets, two five-point polygons each.
    "polygon": [
        {
            "externalId": f"field_{n}.jpg",
            "objects": [
                {
                    "schemaId": "s-plot",
                    "polygon": [[1, 2], [40, 3], [55.5, 30], [30, 52], [4, 33.25]],
                },
                {"schemaId": "s-plot", "polygon": [[9, 9], [19, 9], [24, 18], [14, 25], [6, 17]]},
            ],
        }
        for n in (1, 2)
    ],
    # Polyline and point share the polygon's page layout; the tools are documented under
    # "Labeling Classes > Tools" and accepted by the same import ("Polyline" tool page).
    "polyline": [
        {
            "externalId": "road.jpg",
            "objects": [{"schemaId": "s-lane", "polyline": [[0, 0], [5, 8.5]]}],
        }
    ],
    # IMPORT, "Rotated Bounding Box": keyed by data, schemaId and title, negative rotation.
    "rotated-bounding-box": [
        {
            "data": "https://assets.example.org/dock.jpg",
            "objects": [
                {
                    "schemaId": f"s-corner-{n}",
                    "title": title,
                    "rotated-bounding-box": {**box(64, 64, 32, 48), "rotation": -30.5},
                }
                for n, title in enumerate(("North", "South"))
            ],
        }
    ],
    # IMPORT, "Segmentation": keyed by data, zones with empty and non-empty holes.
    "segmentation": [
        {
            "data": "https://assets.example.org/crowd.jpg",
            "objects": [
                {
                    "schemaId": "s-person",
                    "title": "Walker",
                    "segmentation": {
                        "zones": [
                            {"region": [[10, 10], [60, 12.5], [58, 70]], "holes": []},
                            {
                                "region": [[100, 100], [200, 100], [200, 200], [100, 200]],
                                "holes": [[[120, 120], [130, 120], [130, 130.5]]],
                            },
                        ]
                    },
                }
            ],
        }
    ],
    # IMPORT, "Video Labeling": one objectId across frames (page), interpolationStopped.
    "video": [
        {
            "externalId": "drive_0007.mp4",
            "objects": [
                {
                    "schemaId": "s-cyclist",
                    "objectId": "track-9",
                    "page": frame,
                    "title": "Cyclist",
                    **({"interpolationStopped": True} if frame == 12 else {}),
                    "bounding-box": box(40 + frame, 50, 20, 35),
                }
                for frame in (10, 11, 12)
            ],
        }
    ],
    # IMPORT, "PDF Labeling > PDF Area": two titled areas on two pages.
    "pdf": [
        {
            "externalId": "report.pdf",
            "objects": [
                {"schemaId": "s-area-a", "title": "Heading", "pdf": pdf_area(1, "Summary")},
                {"schemaId": "s-area-b", "title": "Figure", "pdf": pdf_area(2, "Fig. 3")},
            ],
        }
    ],
    # IMPORT, "PDF Area": three areas, objectId inside "pdf", grouped by a titled relation.
    "pdf + group relation": [
        {
            "externalId": "report.pdf",
            "objects": [
                {
                    "schemaId": "s-area",
                    "title": "Cell",
                    "pdf": pdf_area(n % 2 + 1, "v", objectId=f"a{n}"),
                }
                for n in (1, 2, 3)
            ],
            "relations": [{"title": "Row", "schemaId": "s-row", "group": ["a1", "a2", "a3"]}],
        }
    ],
    # IMPORT, "Classification > Nested Multi-Dropdowns": list answers, nested one level.
    "nested multi-dropdown": [
        {
            "externalId": f"clip_{n}.mp3",
            "classifications": [
                {
                    "answer": ["Genre", "Jazz"],
                    "schemaId": "s-genre",
                    "classifications": [{"answer": ["Era", "1950s"], "schemaId": "s-era"}],
                }
            ],
        }
        for n in (1, 2)
    ],
    # IMPORT, "Tree Dropdowns": keyed by data, tool, title, columnField and lock.
    "tree-dropdown": [
        {
            "data": "https://assets.example.org/leaf.png",
            "classifications": [
                {
                    "schemaId": "s-tree",
                    "tool": "tree-dropdown",
                    "title": "Taxonomy",
                    "columnField": False,
                    "answer": ["Plants", "Plants / Trees", "Plants / Trees / Oak"],
                    "lock": True,
                }
            ],
        }
    ],
    # IMPORT, "Text > NER": character offsets, two assets.
    "ner": [
        {
            "externalId": f"note_{n}.txt",
            "objects": [{"schemaId": "s-name", "ner": {"start": n, "end": n + 5}}],
        }
        for n in (0, 11)
    ],
    # IMPORT, "Relations > Single": objects and relation with empty titles.
    "single relation": [
        {
            "externalId": "pair.png",
            "objects": [
                {
                    "schemaId": "s-obj",
                    "objectId": oid,
                    "title": "",
                    "bounding-box": box(x, x, 50, 60),
                }
                for oid, x in (("left", 5.5), ("right", 300.25))
            ],
            "relations": [{"title": "", "schemaId": "s-link", "from": "left", "to": "right"}],
        }
    ],
    # IMPORT, "Relations > Group": three objects in one group relation, empty titles.
    "group relation": [
        {
            "externalId": "trio.png",
            "objects": [
                {
                    "schemaId": "s-obj",
                    "objectId": oid,
                    "title": "",
                    "bounding-box": box(x, 9, 20, 20),
                }
                for oid, x in (("o1", 1), ("o2", 50), ("o3", 99))
            ],
            "relations": [{"title": "", "schemaId": "s-team", "group": ["o1", "o2", "o3"]}],
        }
    ],
    # BRUSH, step 4: records carrying only externalId and brushDataUrl.
    "brush": [
        {"externalId": f"{n}.png", "brushDataUrl": f"https://masks.example.org/{n}.png"}
        for n in ("f00d", "beef")
    ],
    # NRRD, "Prepare the JSON": data and externalId with a medicalBrushDataUrl.
    "medical brush": [
        {
            "data": f"https://scans.example.org/ct_{n}.nrrd",
            "externalId": f"ct_{n}",
            "medicalBrushDataUrl": f"https://scans.example.org/ct_{n}.seg.nrrd",
        }
        for n in (1, 2)
    ],
}
# IMPORT (docs.imerit.net), "Warning for Video Pre-Annotations": data carries the file name
# with its extension, next to an externalId without one.
EXAMPLES["video v2, data and externalId"] = [
    {
        "data": "cam4_1700000000000_1700000300000.mp4",
        "externalId": "cam4_1700000000000_1700000300000",
        "objects": [{"schemaId": "s-van", "page": 0, "bounding-box": box(1, 2, 3, 4)}],
    }
]
# SDK_DOCS, "import_labels(project_id, labels)": titled boxes sharing one schemaId.
EXAMPLES["sdk import_labels"] = [
    {
        "externalId": "grid 512x512.png",
        "objects": [
            {"schemaId": "s-sq", "title": "sq", "bounding-box": box(side, side, side, side)}
            for side in (40, 160, 320)
        ],
    }
]
# The classification tool pages (Checkbox, Radio, Single/Multiple Dropdown, Text) carry no
# import JSON; the IMPORT page's classification examples give the record shape, the answer
# a string for single-answer tools and a list for multi-answer ones.
EXAMPLES["classification types"] = [
    {
        "externalId": "survey.jpg",
        "classifications": [
            {"schemaId": "s-radio", "answer": "Indoor"},
            {"schemaId": "s-single", "answer": "Evening"},
            {"schemaId": "s-text", "answer": "two people, one dog"},
            {"schemaId": "s-check", "answer": ["Blurry", "Dark"]},
            {"schemaId": "s-multi", "answer": ["Rain"], "lock": False},
        ],
    }
]
# NRRD: "either of them is enough": data alone, and assetId as the SDK keys an asset.
EXAMPLES["medical brush, data only"] = [
    {key: value for key, value in EXAMPLES["medical brush"][0].items() if key != "externalId"}
]
EXAMPLES["keyed by assetId"] = [
    {"assetId": "64f0c0ffee", "objects": EXAMPLES["point"][0]["objects"]}
]


def bodies(records: Records) -> dict[str, Any]:
    return {
        "ango-import-flat": copy.deepcopy(records),
        "ango-import-sdk": {"project": "p1", "jsonContent": copy.deepcopy(records)},
        "ango-import": {"project": "p1", "labels": [to_seed(r) for r in copy.deepcopy(records)]},
    }


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_documented_example_validates_in_every_body(name: str) -> None:
    for schema, body in bodies(EXAMPLES[name]).items():
        assert validation.validate(body) == schema, name


def issues_of(document: Any, schema: str | None = None) -> list[str]:
    with pytest.raises(SchemaValidationError) as info:
        validation.validate(document, schema)
    return [str(issue) for issue in info.value.issues]


def _set(path: tuple[Any, ...], value: Any) -> Callable[[Records], None]:
    def apply(records: Records) -> None:
        target: Any = records
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return apply


def _drop(path: tuple[Any, ...]) -> Callable[[Records], None]:
    def apply(records: Records) -> None:
        target: Any = records
        for part in path[:-1]:
            target = target[part]
        del target[path[-1]]

    return apply


OBJ = (0, "objects", 0)  # the first object of the first record
# (example, mutation, the issue path in the flat body, words the message must hold)
BROKEN: list[tuple[str, Callable[[Records], None], str, tuple[str, ...]]] = [
    (
        "bounding-box",
        _set((*OBJ, "bounding-box", "width"), "40"),
        "$[0].objects[0]['bounding-box'].width",
        ("'40'", "number"),
    ),
    (
        "bounding-box",
        _drop((*OBJ, "bounding-box", "height")),
        "$[0].objects[0]['bounding-box']",
        ("'height'", "required"),
    ),
    (
        "bounding-box",
        _drop((*OBJ, "bounding-box", "x")),
        "$[0].objects[0]['bounding-box']",
        ("x and y",),
    ),
    (
        "rotated-bounding-box",
        _set((*OBJ, "rotated-bounding-box", "rotation"), "-30"),
        "$[0].objects[0]['rotated-bounding-box'].rotation",
        ("'-30'", "number"),
    ),
    (
        "rotated-bounding-box",
        _drop((*OBJ, "rotated-bounding-box", "rotation")),
        "$[0].objects[0]['rotated-bounding-box']",
        ("'rotation'", "required"),
    ),
    (
        "polygon",
        _set((*OBJ, "polygon", 2), "55,30"),
        "$[0].objects[0].polygon[2]",
        ("'55,30'", "array"),
    ),
    (
        "polygon",
        _set((*OBJ, "polygon"), [[1, 2], [3, 4]]),
        "$[0].objects[0].polygon",
        ("too short",),
    ),
    (
        "polyline",
        _set((*OBJ, "polyline", 1, 0), None),
        "$[0].objects[0].polyline[1][0]",
        ("None", "number"),
    ),
    ("point", _set((*OBJ, "point"), {"x": 1, "y": 2}), "$[0].objects[0].point", ("array",)),
    ("point", _set((*OBJ, "point"), [5.5]), "$[0].objects[0].point", ("too short",)),
    (
        "segmentation",
        _set((*OBJ, "segmentation", "zones", 1, "holes"), "none"),
        "$[0].objects[0].segmentation.zones[1].holes",
        ("'none'", "array"),
    ),
    (
        "segmentation",
        _drop((*OBJ, "segmentation", "zones", 0, "region")),
        "$[0].objects[0].segmentation.zones[0]",
        ("'region'", "required"),
    ),
    ("video", _set((*OBJ, "page"), "10"), "$[0].objects[0].page", ("'10'", "integer")),
    (
        "video",
        _set((0, "objects", 2, "interpolationStopped"), "yes"),
        "$[0].objects[2].interpolationStopped",
        ("'yes'", "boolean"),
    ),
    ("ner", _set((*OBJ, "ner", "start"), "0"), "$[0].objects[0].ner.start", ("'0'", "number")),
    ("ner", _drop((*OBJ, "ner", "end")), "$[0].objects[0].ner", ("'end'", "required")),
    (
        "audio",
        _set((*OBJ, "ner", "end"), "5.25s"),
        "$[0].objects[0].ner.end",
        ("'5.25s'", "number"),
    ),
    ("audio", _drop((*OBJ, "ner", "start")), "$[0].objects[0].ner", ("'start'", "required")),
    (
        "pdf",
        _set((*OBJ, "pdf", "pageNumber"), "1"),
        "$[0].objects[0].pdf.pageNumber",
        ("'1'", "integer"),
    ),
    ("pdf", _drop((*OBJ, "pdf", "y2")), "$[0].objects[0].pdf", ("'y2'", "required")),
    (
        "pdf + group relation",
        _set((0, "relations", 0, "group"), "a1,a2"),
        "$[0].relations[0].group",
        ("'a1,a2'", "array"),
    ),
    (
        "pdf + group relation",
        _drop((0, "relations", 0, "group")),
        "$[0].relations[0]",
        ("from and to, or group",),
    ),
    (
        "single relation",
        _set((0, "relations", 0, "to"), 7),
        "$[0].relations[0].to",
        ("7", "string"),
    ),
    (
        "single relation",
        _drop((0, "relations", 0, "to")),
        "$[0].relations[0]",
        ("from and to, or group",),
    ),
    (
        "single relation",
        _set((*OBJ, "objectId"), 12345),
        "$[0].objects[0].objectId",
        ("12345", "string"),
    ),
    (
        "group relation",
        _set((0, "relations", 0, "group"), ["o1"]),
        "$[0].relations[0].group",
        ("too short",),
    ),
    (
        "nested multi-dropdown",
        _set((0, "classifications", 0, "classifications", 0, "answer"), {"Era": 1}),
        "$[0].classifications[0].classifications[0].answer",
        ("{'Era': 1}", "'string', 'array', 'number', 'boolean', 'null'"),
    ),
    (
        "nested multi-dropdown",
        _drop((0, "classifications", 0, "answer")),
        "$[0].classifications[0]",
        ("'answer'", "required"),
    ),
    (
        "tree-dropdown",
        _set((0, "classifications", 0, "schemaId"), 42),
        "$[0].classifications[0].schemaId",
        ("42", "string"),
    ),
    (
        "tree-dropdown",
        _set((0, "classifications", 0, "lock"), "on"),
        "$[0].classifications[0].lock",
        ("'on'", "boolean"),
    ),
    (
        "bounding-box + nested classification",
        _set((*OBJ, "lock"), "true"),
        "$[0].objects[0].lock",
        ("'true'", "boolean"),
    ),
    (
        "bounding-box + nested classification",
        _drop((*OBJ, "classifications", 0, "answer")),
        "$[0].objects[0].classifications[0]",
        ("'answer'", "required"),
    ),
    (
        "lock",
        _set((*OBJ, "bounding-box"), [10, 20, 30, 40]),
        "$[0].objects[0]['bounding-box']",
        ("object",),
    ),
    (
        "lock",
        _drop((*OBJ, "bounding-box")),
        "$[0].objects[0]",
        ("needs exactly one tool key", "it has lock, schemaId"),
    ),
    (
        "classification types",
        _set((0, "classifications", 3, "answer"), [["Blurry"]]),
        "$[0].classifications[3].answer",
        ("answer[0]: ['Blurry'] is not of type 'string', 'number'",),
    ),
    (
        "classification types",
        _set((0, "classifications", 4, "schemaId"), ""),
        "$[0].classifications[4].schemaId",
        ("''", "non-empty"),
    ),
    (
        "video v2, data and externalId",
        _set((0, "externalId"), ""),
        "$[0].externalId",
        ("''", "non-empty"),
    ),
    (
        "sdk import_labels",
        _set((0, "objects", 1, "title"), 5),
        "$[0].objects[1].title",
        ("5", "string"),
    ),
    ("brush", _set((0, "brushDataUrl"), 5), "$[0].brushDataUrl", ("5", "string")),
    ("brush", _drop((0, "externalId")), "$[0]", ("externalId, data, assetId",)),
    (
        "medical brush",
        _set((0, "medicalBrushDataUrl"), ["a.nrrd"]),
        "$[0].medicalBrushDataUrl",
        ("['a.nrrd']", "string"),
    ),
    ("medical brush", _set((0, "data"), ""), "$[0].data", ("''", "non-empty")),
    (
        "object id (pdf area as bounding-box)",
        _set((*OBJ, "bounding-box", "x2"), "310"),
        "$[0].objects[0]['bounding-box'].x2",
        ("'310'", "number"),
    ),
    (
        "object id (pdf area as bounding-box)",
        _drop((*OBJ, "bounding-box", "y1")),
        "$[0].objects[0]['bounding-box']",
        ("x1 and y1 and x2 and y2",),
    ),
    (
        "object id (pdf area as bounding-box)",
        _set((*OBJ, "title"), ""),
        "$[0].objects[0]",
        ("'schemaId'", "required"),
    ),
]


@pytest.mark.parametrize(
    ("name", "mutate", "path", "words"),
    BROKEN,
    ids=[f"{name}-{n}" for n, (name, *_rest) in enumerate(BROKEN)],
)
def test_broken_example_names_the_wrong_key_with_its_path(
    name: str, mutate: Callable[[Records], None], path: str, words: tuple[str, ...]
) -> None:
    records = copy.deepcopy(EXAMPLES[name])
    mutate(records)
    (issue,) = issues_of(records)
    where, _, message = issue.partition(": ")
    assert where == path
    for word in words:
        assert word in message, issue
    # The generic first-branch message of the tool oneOf never stands in for the real error.
    assert "'bounding-box' is a required property" not in message
    # Same key, same place, in the SDK body (paths under jsonContent).
    (sdk_issue,) = issues_of({"project": "p1", "jsonContent": records})
    assert sdk_issue == issue.replace("$[0]", "$.jsonContent[0]")


def test_one_broken_payload_gets_every_error_with_its_path() -> None:
    records: Records = []
    for name in (
        "bounding-box",
        "ner",
        "pdf",
        "audio",
        "single relation",
        "brush",
        "tree-dropdown",
    ):
        records.extend(copy.deepcopy(EXAMPLES[name][:1]))
    records[0]["objects"][1]["bounding-box"]["height"] = "tall"
    records[1]["objects"][0]["ner"].pop("start")
    records[2]["objects"][1]["pdf"]["x1"] = None
    records[3]["objects"][0]["ner"]["end"] = "4.5"
    records[4]["relations"][0].pop("from")
    records[5]["brushDataUrl"] = 0
    records[6]["classifications"][0]["answer"] = {"Plants": True}
    issues = issues_of(records)
    assert [issue.partition(": ")[0] for issue in issues] == [
        "$[0].objects[1]['bounding-box'].height",
        "$[1].objects[0].ner",
        "$[2].objects[1].pdf.x1",
        "$[3].objects[0].ner.end",
        "$[4].relations[0]",
        "$[5].brushDataUrl",
        "$[6].classifications[0].answer",
    ]
    assert "'tall'" in issues[0] and "'start'" in issues[1] and "None" in issues[2]
    assert "'4.5'" in issues[3] and "from and to" in issues[4] and "0 is not" in issues[5]
    assert not any("'bounding-box' is a required property" in issue for issue in issues)
    # The seed body reports the same errors under labels[i].answer.
    seed = {"project": "p1", "labels": [to_seed(record) for record in records]}
    seed_paths = [issue.partition(": ")[0] for issue in issues_of(seed)]
    assert "$.labels[1].answer.objects[0].ner" in seed_paths
    assert "$.labels[5].brushDataUrl" in seed_paths
    assert len(seed_paths) == len(issues)


def test_sdk_create_attachment_example_validates() -> None:
    # SDK_DOCS, "create_attachment(project_id, attachments)": assets keyed by externalId,
    # each with IMAGE/TEXT/VIDEO attachments.
    body = {
        "project": "p1",
        "attachments": [
            {
                "externalId": "shelf_1.png",
                "attachments": [
                    {"type": "IMAGE", "value": "https://cdn.example.org/ref.jpg"},
                    {"type": "TEXT", "value": "Count the cans."},
                ],
            },
            {
                "externalId": "shelf_2.png",
                "attachments": [{"type": "VIDEO", "value": "https://cdn.example.org/walk.mp4"}],
            },
        ],
    }
    assert validation.validate(body) == "ango-attachments-sdk"


def test_cli_validate_passes_every_example_and_lists_every_error_of_a_broken_one(
    runner: CliRunner, tmp_path: Path
) -> None:
    good = tmp_path / "docs.json"
    good.write_bytes(orjson.dumps([r for records in EXAMPLES.values() for r in records]))
    result = runner.invoke(cli, ["validate", str(good)])
    assert result.exit_code == 0, result.output

    broken = copy.deepcopy(EXAMPLES["audio"] + EXAMPLES["tree-dropdown"])
    broken[0]["objects"][0]["ner"]["start"] = "1.25"
    broken[2]["classifications"][0]["answer"] = {"Plants": "Trees"}
    bad = tmp_path / "bad.json"
    bad.write_bytes(orjson.dumps(broken))
    result = runner.invoke(cli, ["validate", str(bad)])
    assert result.exit_code == EXIT_INVALID
    assert f"{bad}: $[0].objects[0].ner.start: '1.25' is not of type 'number'" in result.output
    assert (
        f"{bad}: $[2].classifications[0].answer: {{'Plants': 'Trees'}} is not of type "
        "'string', 'array', 'number', 'boolean', 'null'"
    ) in result.output
    assert "Traceback" not in result.output
