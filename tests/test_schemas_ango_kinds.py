"""The bundled schemas take every kind Ango documents, and name the key that is wrong.

The examples are Ango's own, from its import-format and export-format documentation
pages (doc-derived, not from a live project): one record per tool kind, every
classification type, single and group relations, empty relation titles, data keys.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ango_convert import validation
from ango_convert.errors import SchemaValidationError
from ango_convert.hub.upload import to_seed

SCHEMA_ID = "8f60cb0209a4d80f9add122"
DOC_OBJECTS: dict[str, dict[str, Any]] = {
    "bounding-box": {
        "schemaId": SCHEMA_ID,
        "title": "Car",
        "objectId": "12345",
        "bounding-box": {"x": 192.5, "y": 166.9, "width": 66.2, "height": 61.9},
        "classifications": [{"schemaId": "1627302702654", "answer": "Bed"}],
    },
    "rotated-bounding-box": {
        "schemaId": SCHEMA_ID,
        "rotated-bounding-box": {"x": 100, "y": 100, "width": 100, "height": 100, "rotation": -12},
    },
    "polygon": {"schemaId": SCHEMA_ID, "polygon": [[10, 10], [50, 10], [30, 40]]},
    "polyline": {"schemaId": SCHEMA_ID, "polyline": [[10, 10], [50, 10], [30, 40]]},
    "point": {"schemaId": SCHEMA_ID, "point": [12.5, 30]},
    "segmentation": {
        "schemaId": SCHEMA_ID,
        "segmentation": {
            "zones": [
                {
                    "region": [[0, 0], [100, 0], [100, 100], [0, 100]],
                    "holes": [[[10, 10], [20, 10], [20, 20]]],
                }
            ]
        },
    },
    "video page": {
        "schemaId": SCHEMA_ID,
        "objectId": "v1",
        "page": 6,
        "interpolationStopped": True,
        "lock": True,
        "bounding-box": {"x": 1, "y": 2, "width": 3, "height": 4},
    },
    "ner (text)": {"schemaId": SCHEMA_ID, "title": "Person", "ner": {"start": 3, "end": 7}},
    "ner (audio)": {"schemaId": SCHEMA_ID, "ner": {"start": 2.05, "end": 6.06}},
    "pdf": {
        "schemaId": SCHEMA_ID,
        "pdf": {
            "height": 1200,
            "width": 800,
            "x1": 100,
            "y1": 250,
            "x2": 200,
            "y2": 350,
            "pageNumber": 1,
            "text": "Invoice total",
        },
    },
}
DOC_CLASSIFICATIONS = [
    {
        "schemaId": "1627302702396",
        "answer": ["Opt A", "Opt B"],
        "classifications": [{"schemaId": "1627302702654", "answer": ["x"]}],
    },
    {"schemaId": "radio-id", "tool": "radio", "answer": "Four"},
    {"schemaId": "text-id", "tool": "text", "answer": "free text"},
    {"schemaId": "bool-id", "tool": "boolean", "answer": True},
    {"schemaId": "rank-id", "tool": "rank", "answer": ["first", "second"]},
    {
        "schemaId": "tree-id",
        "tool": "tree-dropdown",
        "answer": ["Trunk", "Trunk / Branch 2", "Trunk / Branch 1 / Leaf"],
    },
    {"schemaId": "single-id", "tool": "single-dropdown", "answer": "Bedside Table"},
    {"schemaId": "multi-id", "tool": "multi-dropdown", "answer": ["a", "b"]},
    {"schemaId": "empty-title", "title": "", "tool": "checkbox", "answer": []},
]
DOC_RELATIONS = [
    {"schemaId": "f3ed60cb6fbb4031eac8603", "from": "12345", "to": "123456"},
    {"schemaId": "16d9a091e9fa8db91947042", "group": ["12345", "123456", "1234567"]},
    {"schemaId": "r3", "title": "", "from": "12345", "to": "v1", "direction": "straight"},
]


def flat_records() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = [
        {"externalId": f"{kind}.jpg", "objects": [copy.deepcopy(obj)]}
        for kind, obj in DOC_OBJECTS.items()
    ]
    records.append(
        {
            "externalId": "everything.jpg",
            "objects": copy.deepcopy(list(DOC_OBJECTS.values())),
            "classifications": DOC_CLASSIFICATIONS,
            "relations": DOC_RELATIONS,
        }
    )
    records.append({"data": "https://example.com/a.jpg", "objects": [], "classifications": []})
    records.append({"externalId": "brush.png", "brushDataUrl": "https://e/mask.png"})
    records.append({"externalId": "ct.nrrd", "medicalBrushDataUrl": "https://e/ct.seg.nrrd"})
    return copy.deepcopy(records)


def test_every_documented_import_kind_validates_in_all_three_shapes() -> None:
    records = flat_records()
    assert validation.validate(records) == "ango-import-flat"
    sdk = {"project": "p", "jsonContent": records}
    assert validation.validate(sdk) == "ango-import-sdk"
    seed = {"project": "p", "labels": [to_seed(record) for record in records]}
    assert validation.validate(seed) == "ango-import"


def test_v3_export_with_ner_and_pdf_tools_validates() -> None:
    record = {
        "externalId": "doc.pdf",
        "asset": "https://e/doc.pdf",
        "task": {
            "taskId": "t1",
            "tools": [
                {
                    "schemaId": "n",
                    "objectId": "o1",
                    "ner": {"start": 3, "end": 7, "selection": "John"},
                },
                {
                    "schemaId": "p",
                    "objectId": "o2",
                    "pdf": {
                        "position": {
                            "boundingRect": {
                                "x1": 1,
                                "y1": 2,
                                "x2": 3,
                                "y2": 4,
                                "width": 800,
                                "height": 1200,
                            },
                            "rects": [{"x1": 1, "y1": 2, "x2": 3, "y2": 4}],
                            "pageNumber": 1,
                        },
                        "content": {"text": "Invoice"},
                    },
                },
            ],
            "classifications": [],
            "relations": [{"schemaId": "r", "title": "", "group": ["o1", "o2"]}],
            "brushDataUrl": None,
            "medicalBrushDataUrl": "https://e/ct.seg.nrrd",
        },
    }
    assert validation.validate([record]) == "ango-export-v3"


def issues_of(document: Any) -> list[str]:
    with pytest.raises(SchemaValidationError) as info:
        validation.validate(document)
    return [str(issue) for issue in info.value.issues]


def test_a_wrong_ner_names_ner_not_bounding_box() -> None:
    records = flat_records()
    records[7]["objects"][0]["ner"] = {"start": "three", "end": 7}
    assert issues_of(records) == ["$[7].objects[0].ner.start: 'three' is not of type 'number'"]


def test_a_misspelt_tool_key_is_named_with_the_known_keys() -> None:
    records = [{"externalId": "a.jpg", "objects": [{"schemaId": "s", "bounding_box": {}}]}]
    (issue,) = issues_of(records)
    assert issue.startswith("$[0].objects[0]: needs exactly one tool key (bounding-box, ")
    assert "ner, pdf" in issue
    assert issue.endswith("; it has bounding_box, schemaId")


def test_two_tool_keys_are_named() -> None:
    obj = {"schemaId": "s", "point": [1, 2], "polyline": [[1, 2], [3, 4]]}
    (issue,) = issues_of([{"externalId": "a.jpg", "objects": [obj]}])
    assert issue == "$[0].objects[0]: has 2 tool keys (polyline, point); an object takes one"


def test_a_broken_payload_lists_every_error_with_its_path() -> None:
    records = copy.deepcopy(flat_records())
    records[0]["objects"][0]["bounding-box"].pop("width")
    records[9]["objects"][0]["pdf"].pop("x2")
    records[-3]["classifications"] = [{"answer": "x"}]
    del records[-2]["externalId"]
    records[-1]["relations"] = [{"schemaId": "r", "from": "a"}]
    last = len(records) - 1
    assert issues_of(records) == [  # sorted by path, as strings
        "$[0].objects[0]['bounding-box']: 'width' is a required property",
        f"$[{last - 2}].classifications[0]: needs one of the keys schemaId, title",
        f"$[{last - 1}]: needs one of the keys externalId, data, assetId",
        f"$[{last}].relations[0]: needs from and to, or group",
        "$[9].objects[0].pdf: 'x2' is a required property",
    ]


def test_an_empty_title_alone_does_not_name_an_object() -> None:
    (issue,) = issues_of([{"externalId": "a.jpg", "objects": [{"title": "", "point": [1, 2]}]}])
    assert issue.startswith("$[0].objects[0]")
    assert "title" in issue or "schemaId" in issue
