"""``convert --on-error skip``: convert what reads, report each unit left out and why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.hostile.harness import invoke, write
from tests.hostile.test_ango_hostile import BOX
from tests.hostile.test_export_hostile import v3
from tests.hostile.test_voc_hostile import doc, obj
from tests.hostile.test_yolo_hostile import LABEL, dataset
from tests.imagebytes import png


def skip_convert(tmp_path: Path, source: Path, to: str, *args: str) -> tuple[Any, str]:
    """Run with ``--on-error skip``; returns the JSON report and the summary line."""
    target = tmp_path / ("out" if to in ("voc", "yolo") else "out.json")
    report = tmp_path / "report.json"
    result = invoke(
        [
            *("convert", str(source), "--to", to, "-o", str(target)),
            *("--on-error", "skip", "--report", str(report), *args),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return json.loads(report.read_text()), result.stderr.splitlines()[-1]


def places(report: Any) -> list[tuple[str, str]]:
    return [(Path(e["file"]).name, e["place"]) for e in report["skipped_input"]]


def test_coco(tmp_path: Path) -> None:
    document = {
        "info": {"note": "kept"},
        "images": [
            {"id": 1, "file_name": "a.jpg", "width": 64, "height": 48},
            {"id": 2, "file_name": "b.jpg", "width": 0, "height": 48},
        ],
        "categories": [{"id": 1, "name": "cat"}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]},
            {"id": 2, "image_id": 1, "category_id": 9, "bbox": [1, 2, 3, 4]},
            {"id": 3, "image_id": 2, "category_id": 1, "bbox": [1, 2, 3, 4]},
        ],
    }
    source = write(tmp_path, "in.json", json.dumps(document))
    report, summary = skip_convert(tmp_path, source, "coco")
    assert places(report) == [
        ("in.json", "$.images[1].width"),
        ("in.json", "$.annotations[1].category_id"),
        ("in.json", "$.annotations[2].image_id"),
    ]
    assert "category id 9 is not in $.categories" in report["skipped_input"][1]["reason"]
    assert "left out 3 unreadable input part(s)" in summary
    written = json.loads((tmp_path / "out.json").read_text())
    assert [a["id"] for a in written["annotations"]] == [1]
    assert written["info"] == {"note": "kept"}  # the notes never reach the output


def test_voc(tmp_path: Path) -> None:
    write(tmp_path, "in/Annotations/good.xml", doc(obj()))
    write(tmp_path, "in/Annotations/bad.xml", doc(obj((1, 2, "x", 4))))
    report, _ = skip_convert(tmp_path, tmp_path / "in", "coco", "--from", "voc")
    assert places(report) == [("bad.xml", "line 6")]
    written = json.loads((tmp_path / "out.json").read_text())
    assert [i["file_name"] for i in written["images"]] == ["a.jpg"]


def test_yolo(tmp_path: Path) -> None:
    root = dataset(label=LABEL + "7 0.5 0.5 0.1 0.1\n1 0.5 0.5 -1 1\n")(tmp_path / "in")
    write(root, "images/train/broken.png", b"not an image")
    write(root, "images/train/c.png", png(64, 48))
    report, _ = skip_convert(tmp_path, root, "coco")
    assert places(report) == [("a.txt", "line 3"), ("a.txt", "line 4"), ("broken.png", "")]
    written = json.loads((tmp_path / "out.json").read_text())
    assert len(written["images"]) == 2
    assert len(written["annotations"]) == 2


def test_ango_payload(tmp_path: Path) -> None:
    records: list[dict[str, Any]] = [
        {"externalId": "a.jpg", "objects": [BOX]},
        {"externalId": "b.jpg", "objects": {"not": "a list"}},
        {"externalId": "a.jpg", "objects": [BOX]},
        {"externalId": "c.jpg", "objects": [{"schemaId": "s", "title": "t", "hologram": {}}]},
        {"externalId": "d.jpg", "objects": [BOX]},
    ]
    source = write(tmp_path, "payload.json", json.dumps(records))
    report, _ = skip_convert(tmp_path, source, "ango-flat", "--from", "ango-flat")
    assert [place for _, place in places(report)] == [
        "$[1].objects",
        "$[3].objects[0]",
        "record 2 (externalId 'a.jpg')",
    ]
    written = json.loads((tmp_path / "out.json").read_text())
    assert [r["externalId"] for r in written] == ["a.jpg", "d.jpg"]


def test_ango_payload_unvalidated(tmp_path: Path) -> None:
    records: list[Any] = [
        "not a record",
        {"externalId": "b.jpg", "objects": [{"schemaId": "s", "title": "t", "hologram": {}}]},
        {"externalId": "d.jpg", "objects": [BOX]},
    ]
    source = write(tmp_path, "payload.json", json.dumps(records))
    args = ("--from", "ango-flat", "-R", "validate=false")
    report, _ = skip_convert(tmp_path, source, "ango-flat", *args)
    assert [place for _, place in places(report)] == ["$[0]", "record 1 (externalId 'b.jpg')"]


def test_export(tmp_path: Path) -> None:
    """Records that break leave the export's items; more cases in test_ango_export_skip."""
    records: list[Any] = [v3(n) for n in range(3)]
    records[1]["metadata"]["width"] = 0
    source = write(tmp_path, "export.json", json.dumps(records))
    report, summary = skip_convert(tmp_path, source, "coco", "--from", "ango-v3")
    assert places(report) == [("export.json", "$[1] (line 1) (externalId 'img1.jpg')")]
    assert "left out 1 unreadable input part(s)" in summary
    written = json.loads((tmp_path / "out.json").read_text())
    assert [i["file_name"] for i in written["images"]] == ["img0.jpg", "img2.jpg"]
