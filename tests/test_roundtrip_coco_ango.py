"""COCO -> Ango payload -> COCO on the bundled sample, and the README's payload as golden."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pycocotools import mask as mask_utils

from ango_convert import validation
from ango_convert.cli.main import cli
from tests.conftest import GOLDEN, SAMPLES

COCO = SAMPLES / "coco" / "annotations.json"
SCHEMA_MAP = SAMPLES / "coco" / "schema_map.json"
PROJECT = "507f1f77bcf86cd799439011"
GOLDEN_PAYLOAD = GOLDEN / "coco" / "annotations.ango.json"


def _run(runner: CliRunner, *args: str) -> None:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.stderr


@pytest.fixture
def payload(runner: CliRunner, tmp_path: Path) -> Path:
    out = tmp_path / "payload.json"
    _run(
        runner,
        "convert",
        str(COCO),
        "--to",
        "ango",
        "--project",
        PROJECT,
        "--schema-map",
        str(SCHEMA_MAP),
        "-o",
        str(out),
    )
    return out


@pytest.fixture
def back(runner: CliRunner, payload: Path, tmp_path: Path) -> dict[str, Any]:
    out = tmp_path / "back.json"
    _run(
        runner,
        "convert",
        str(payload),
        "--to",
        "coco",
        "-R",
        f"reference={COCO}",
        "--schema-map",
        str(SCHEMA_MAP),
        "-o",
        str(out),
    )
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def _original() -> dict[str, Any]:
    result: dict[str, Any] = json.loads(COCO.read_text())
    return result


def _by_key(coco: dict[str, Any]) -> dict[tuple[int, int, tuple[float, ...]], dict[str, Any]]:
    return {(a["image_id"], a["category_id"], tuple(a["bbox"])): a for a in coco["annotations"]}


def _pixels(annotation: dict[str, Any], height: int, width: int) -> Any:
    segmentation = annotation["segmentation"]
    if isinstance(segmentation, list):
        rles = mask_utils.frPyObjects(segmentation, height, width)
        return mask_utils.decode(mask_utils.merge(rles))
    if isinstance(segmentation["counts"], list):
        segmentation = mask_utils.frPyObjects(segmentation, height, width)
    return mask_utils.decode(segmentation)


class TestCocoAngoCoco:
    def test_payload__matches_golden_and_validates(
        self, payload: Path, update_golden: bool
    ) -> None:
        document = json.loads(payload.read_text())
        assert validation.validate(document) == "ango-import"
        if update_golden:
            GOLDEN_PAYLOAD.write_text(payload.read_text())
        assert document == json.loads(GOLDEN_PAYLOAD.read_text())

    def test_roundtrip__categories_and_images_kept(self, back: dict[str, Any]) -> None:
        original = _original()
        assert back["categories"] == original["categories"]
        assert back["images"] == original["images"]

    def test_roundtrip__every_box_exact(self, back: dict[str, Any]) -> None:
        assert set(_by_key(back)) == set(_by_key(_original()))

    def test_roundtrip__polygons_keypoints_iscrowd(self, back: dict[str, Any]) -> None:
        returned = _by_key(back)
        for key, original in _by_key(_original()).items():
            copy = returned[key]
            assert copy["iscrowd"] == original.get("iscrowd", 0), key
            assert copy.get("keypoints") == original.get("keypoints"), key
            if isinstance(original["segmentation"], list):
                assert copy["segmentation"] == original["segmentation"], key

    # pycocotools' C extension trips numpy 2's copy-keyword deprecation.
    @pytest.mark.filterwarnings("ignore::DeprecationWarning")
    def test_roundtrip__masks_pixel_exact(self, back: dict[str, Any]) -> None:
        sizes = {image["id"]: (image["height"], image["width"]) for image in back["images"]}
        returned = _by_key(back)
        masks = 0
        for key, original in _by_key(_original()).items():
            if isinstance(original["segmentation"], dict):
                masks += 1
                height, width = sizes[key[0]]
                expected = _pixels(original, height, width)
                assert (_pixels(returned[key], height, width) == expected).all(), key
        assert masks >= 1
