"""Hostile Ango label-import payloads (seed and flat): bad JSON exits 3, schema breaks 4."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ango_convert.errors import EXIT_INPUT, EXIT_INVALID
from tests.hostile.harness import Case, convert_ok, run_case, write

BOX = {
    "schemaId": "s-cat",
    "title": "cat",
    "bounding-box": {"x": 1, "y": 2, "width": 10, "height": 20},
}


def records() -> list[dict[str, Any]]:
    return [
        {"externalId": "a.jpg", "objects": [copy.deepcopy(BOX)], "classifications": []},
        {"externalId": "b.jpg", "objects": [copy.deepcopy(BOX)], "classifications": []},
    ]


def flat(change: Callable[[list[dict[str, Any]]], object] | None = None) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        document = records()
        if change:
            change(document)
        return write(folder, "payload.json", json.dumps(document))

    return build


def raw(data: str | bytes) -> Callable[[Path], Path]:
    return lambda folder: write(folder, "payload.json", data)


def text_with(old: str, new: str) -> Callable[[Path], Path]:
    return raw(json.dumps(records()).replace(old, new, 1))


def seed(folder: Path) -> Path:
    labels = [{"externalId": "a.jpg", "answer": {"objects": "not a list"}}]
    return write(folder, "payload.json", json.dumps({"project": "p1", "labels": labels}))


def put(index: int, key: str, value: object) -> Callable[[list[dict[str, Any]]], None]:
    def change(document: list[dict[str, Any]]) -> None:
        document[index][key] = value

    return change


def box_field(key: str, value: object) -> Callable[[list[dict[str, Any]]], None]:
    def change(document: list[dict[str, Any]]) -> None:
        document[1]["objects"][0]["bounding-box"][key] = value

    return change


def rotated(document: list[dict[str, Any]]) -> None:
    document[0]["objects"] = [
        {
            "schemaId": "s-r",
            "title": "r",
            "rotated-bounding-box": {"x": 1, "y": 2, "width": 3, "height": 4, "rotation": 400},
        }
    ]


def deep_classifications(document: list[dict[str, Any]]) -> None:
    node: dict[str, Any] = {"schemaId": "c", "title": "q", "answer": "a"}
    document[1]["classifications"] = [node]
    for _ in range(300):
        child = {"schemaId": "c", "title": "q", "answer": "a"}
        node["classifications"] = [child]
        node = child


def unknown_tool(document: list[dict[str, Any]]) -> None:
    document[1]["objects"] = [{"schemaId": "s-x", "title": "x", "hologram": {"x": 1}}]


GARBAGE = random.Random(5).randbytes(300)
W10 = '"width": 10'

CASES = [
    Case("truncated", raw(json.dumps(records())[:50]), EXIT_INPUT, ("payload.json", "line 1")),
    Case("empty", raw(""), EXIT_INPUT, ("payload.json", "empty")),
    Case("binary-garbage", raw(GARBAGE), EXIT_INPUT, ("payload.json", "invalid JSON")),
    Case("not-a-payload", raw('{"foo": 1}'), EXIT_INPUT, ("payload.json", "$", "not an Ango")),
    Case("nan", text_with(W10, '"width": NaN'), EXIT_INPUT, ("payload.json", "line 1")),
    Case("float-1e400", text_with(W10, '"width": 1e400'), EXIT_INPUT, ("line 1",)),
    Case("int-10e400", text_with(W10, '"width": 1' + "0" * 400), EXIT_INPUT, ("line 1",)),
    Case(
        "objects-not-list",
        flat(put(1, "objects", {"a": 1})),
        EXIT_INVALID,
        ("payload.json", "$[1].objects"),
    ),
    Case(
        "seed-objects-not-list", seed, EXIT_INVALID, ("payload.json", "$.labels[0].answer.objects")
    ),
    Case(
        "width-string",
        flat(box_field("width", "10")),
        EXIT_INVALID,
        ("$[1].objects[0]['bounding-box'].width",),
    ),
    Case(
        "external-id-too-long",
        flat(put(0, "externalId", "x" * 2049)),
        EXIT_INVALID,
        ("payload.json", "$[0].externalId"),
    ),
    Case("rotation-over-360", flat(rotated), EXIT_INVALID, ("$[0].objects[0]", "rotation")),
    Case("unknown-tool", flat(unknown_tool), EXIT_INVALID, ("payload.json", "$[1].objects[0]")),
    Case(
        "unvalidated-wrong-type",
        flat(put(1, "objects", [{"schemaId": "s", "title": "t", "bounding-box": "x"}])),
        EXIT_INPUT,
        ("payload.json", "record 1", "b.jpg"),
        args=("-R", "validate=false"),
    ),
    Case(
        "unvalidated-unknown-tool",
        flat(unknown_tool),
        EXIT_INPUT,
        ("payload.json", "record 1", "hologram"),
        args=("-R", "validate=false"),
    ),
    Case(
        "duplicate-external-id",
        flat(put(1, "externalId", "a.jpg")),
        EXIT_INPUT,
        ("payload.json", "record 1", "a.jpg", "duplicate"),
    ),
    Case(
        "deep-classifications",
        flat(deep_classifications),
        EXIT_INPUT,
        ("payload.json", "record 1", "nested deeper than 32"),
    ),
    Case("missing-file", lambda folder: folder / "gone.json", EXIT_INPUT, ("gone.json",)),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile_ango(case: Case, tmp_path: Path) -> None:
    run_case(Case(**{**case.__dict__, "args": ("--from", "ango-flat", *case.args)}), tmp_path)


def test_unknown_tool_skipped_on_request(tmp_path: Path) -> None:
    source = flat(unknown_tool)(tmp_path)
    convert_ok(
        source,
        tmp_path / "out.json",
        "ango-flat",
        "-R",
        "validate=false",
        "-R",
        "unknown_tools=skip",
    )
    written = json.loads((tmp_path / "out.json").read_text())
    assert [len(r["objects"]) for r in written] == [1, 0]


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    text = json.dumps(records(), indent=2)
    plain = write(tmp_path, "plain.json", text)
    odd = write(tmp_path, "odd.json", b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    convert_ok(plain, tmp_path / "plain.out.json", "ango-flat")
    convert_ok(odd, tmp_path / "odd.out.json", "ango-flat", "--from", "ango-flat")
    assert (tmp_path / "odd.out.json").read_bytes() == (tmp_path / "plain.out.json").read_bytes()


#: Nested anchors: each level refers nine times to the one before (9**6 leaves at f).
ALIASES = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join(['*' + chr(97 + n)] * 9)}]\n" for n in range(5)
)


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("cat: [" + "[" * 500 + "]" * 500 + "]\n", ("map.yaml", "nested too deeply")),
        ("cat: [s1\n", ("map.yaml", "line", "invalid YAML")),
        ("cat: [1, 2]\n", ("map.yaml", "$.cat", "schemaId must be a non-empty string")),
        (ALIASES + "cat: *f\n", ("map.yaml", "line 2", "aliases")),
        ("cat: [" + "1, " * 50_000 + "]\n", ("map.yaml", "$.cat", "...")),
    ],
    ids=["deep", "truncated", "wrong-type", "alias", "huge-value-in-message"],
)
def test_hostile_schema_map(tmp_path: Path, text: str, needles: tuple[str, ...]) -> None:
    schema_map = write(tmp_path, "map.yaml", text)
    args = ("--from", "ango-flat", "--schema-map", str(schema_map))
    run_case(Case("schema-map", flat(), EXIT_INPUT, needles, args), tmp_path)
