"""Hostile Pascal VOC input: malformed, hostile or out-of-range XML fails with exit 3."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from ango_convert.errors import EXIT_INPUT
from tests.hostile.harness import SECRET, Case, convert_ok, run_case, write

SIZE = "<size><width>64</width><height>48</height><depth>3</depth></size>"


def doc(body: str = "", *, size: str = SIZE, head: str = "") -> str:
    return f"{head}<annotation>\n<filename>a.jpg</filename>\n{size}\n{body}\n</annotation>\n"


def obj(box: tuple[object, ...] = (1, 2, 11, 22), name: str = "cat") -> str:
    corners = "".join(
        f"<{tag}>{value}</{tag}>"
        for tag, value in zip(("xmin", "ymin", "xmax", "ymax"), box, strict=True)
    )
    return f"<object>\n<name>{name}</name>\n<bndbox>{corners}</bndbox>\n</object>"


def xml(text: str | bytes) -> Callable[[Path], Path]:
    return lambda folder: write(folder, "Annotations/bad.xml", text)


def secret_url(folder: Path) -> str:
    return (folder.parent / "secret.txt").as_uri()


def xxe(folder: Path) -> Path:
    head = f'<!DOCTYPE annotation [<!ENTITY leak SYSTEM "{secret_url(folder)}">]>\n'
    return write(folder, "Annotations/bad.xml", doc(obj(name="&leak;"), head=head))


def parameter_entity(folder: Path) -> Path:
    head = f'<!DOCTYPE annotation [<!ENTITY % leak SYSTEM "{secret_url(folder)}"> %leak;]>\n'
    return write(folder, "Annotations/bad.xml", doc(obj(), head=head))


def billion_laughs(folder: Path) -> Path:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    ]
    head = f"<!DOCTYPE annotation [{''.join(entities)}]>\n"
    return write(folder, "Annotations/bad.xml", doc(obj(name="&lol9;"), head=head))


GARBAGE = random.Random(11).randbytes(500)

CASES = [
    Case("truncated", xml(doc(obj())[:70]), EXIT_INPUT, ("bad.xml", "line", "invalid XML")),
    Case("empty", xml(""), EXIT_INPUT, ("bad.xml", "invalid XML")),
    Case("binary-garbage", xml(GARBAGE), EXIT_INPUT, ("bad.xml", "invalid XML")),
    Case("xxe-file", xxe, EXIT_INPUT, ("bad.xml", "DOCTYPE declares entities")),
    Case("xxe-parameter", parameter_entity, EXIT_INPUT, ("bad.xml", "entities")),
    Case("billion-laughs", billion_laughs, EXIT_INPUT, ("bad.xml", "entities")),
    Case("wrong-root", xml("<foo/>"), EXIT_INPUT, ("bad.xml", "line 1", "<foo>")),
    Case("no-name", xml(doc(obj(name=""))), EXIT_INPUT, ("bad.xml", "line 4", "<name>")),
    Case(
        "xmax-below-xmin",
        xml(doc(obj((20, 2, 10, 22)))),
        EXIT_INPUT,
        ("bad.xml", "line 6", "below"),
    ),
    Case("not-a-number", xml(doc(obj((1, "two", 11, 22)))), EXIT_INPUT, ("line 6", "<ymin>")),
    Case("nan", xml(doc(obj(("nan", 2, 11, 22)))), EXIT_INPUT, ("bad.xml", "line 6", "finite")),
    Case("inf", xml(doc(obj((1, 2, "inf", 22)))), EXIT_INPUT, ("line 6", "finite")),
    Case("float-1e400", xml(doc(obj((1, 2, "1e400", 22)))), EXIT_INPUT, ("line 6", "finite")),
    Case(
        "int-10e400", xml(doc(obj((1, 2, "1" + "0" * 400, 22)))), EXIT_INPUT, ("line 6", "finite")
    ),
    Case(
        "size-inf",
        xml(doc(size="<size><width>inf</width><height>48</height></size>")),
        EXIT_INPUT,
        ("bad.xml", "line 3", "<width>"),
    ),
    Case(
        "size-nan",
        xml(doc(size="<size><width>64</width><height>nan</height></size>")),
        EXIT_INPUT,
        ("line 3", "<height>"),
    ),
    Case(
        "size-negative",
        xml(doc(size="<size><width>-64</width><height>48</height></size>")),
        EXIT_INPUT,
        ("line 3", "<width>"),
    ),
    Case(
        "box-outside-image",
        xml(doc(obj((100, 100, 120, 130)))),
        EXIT_INPUT,
        ("bad.xml", "line 4", "outside the image"),
    ),
    Case(
        "bad-flag",
        xml(doc(obj().replace("<bndbox>", "<difficult>maybe</difficult><bndbox>"))),
        EXIT_INPUT,
        ("line 4", "<difficult>"),
    ),
    Case(
        "text-over-limit",
        xml(doc(obj(name="n" * 20_000_000))),
        EXIT_INPUT,
        ("bad.xml", "line 5", "too large to read safely"),
    ),
    Case(
        "text-over-limit-beside-comment",
        xml(doc("<!-- note -->" + obj(name="n" * 20_000_000))),
        EXIT_INPUT,
        ("bad.xml", "line 5", "too large to read safely"),
    ),
    Case("missing-file", lambda folder: folder / "nothere.xml", EXIT_INPUT, ("nothere.xml",)),
    Case("no-xml-in-folder", lambda folder: folder, EXIT_INPUT, ("no .xml",)),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile_voc(case: Case, tmp_path: Path) -> None:
    run_case(Case(**{**case.__dict__, "args": ("--from", "voc", *case.args)}), tmp_path)


def test_external_dtd_is_never_fetched(tmp_path: Path) -> None:
    """A DOCTYPE naming an external DTD but declaring no entity is harmless: the DTD is not
    loaded, so the file reads and nothing of the secret file shows up."""
    (tmp_path / "secret.txt").write_text(SECRET)
    head = f'<!DOCTYPE annotation SYSTEM "{(tmp_path / "secret.txt").as_uri()}">\n'
    source = write(tmp_path, "in/a.xml", doc(obj(), head=head))
    result = convert_ok(source, tmp_path / "out.json", "coco")
    assert SECRET not in result.output
    assert SECRET not in (tmp_path / "out.json").read_text()


def test_bom_is_accepted(tmp_path: Path) -> None:
    plain = write(tmp_path, "plain/a.xml", doc(obj()))
    write(tmp_path, "bom/a.xml", b"\xef\xbb\xbf" + plain.read_bytes())
    convert_ok(tmp_path / "plain", tmp_path / "plain.json", "coco", "--from", "voc")
    convert_ok(tmp_path / "bom", tmp_path / "bom.json", "coco", "--from", "voc")
    assert (tmp_path / "bom.json").read_bytes() == (tmp_path / "plain.json").read_bytes()


def test_crlf_is_accepted(tmp_path: Path) -> None:
    text = doc(obj() + obj((3, 4, 5, 6), "dog"))
    write(tmp_path, "lf/a.xml", text)
    write(tmp_path, "crlf/a.xml", text.replace("\n", "\r\n"))
    convert_ok(tmp_path / "lf", tmp_path / "lf.json", "coco", "--from", "voc")
    convert_ok(tmp_path / "crlf", tmp_path / "crlf.json", "coco", "--from", "voc")
    assert (tmp_path / "crlf.json").read_bytes() == (tmp_path / "lf.json").read_bytes()


def test_class_names_differing_by_spaces_stay_distinct(tmp_path: Path) -> None:
    """``" x"`` and ``"x"`` are two classes (only a pretty-printed name's indentation,
    which holds a line break, is stripped)."""
    body = "\n".join([obj(name=" x"), obj(name="x"), obj(name="\n    cat\n  ")])
    source = write(tmp_path / "in", "Annotations/a.xml", doc(body))
    convert_ok(source.parent.parent, tmp_path / "out.json", "coco", "--from", "voc")
    document = json.loads((tmp_path / "out.json").read_text())
    assert sorted(c["name"] for c in document["categories"]) == [" x", "cat", "x"]


def test_nested_dataset_inside_annotations_is_not_read_again(tmp_path: Path) -> None:
    """An earlier output written inside ``Annotations/`` (its own ``Annotations/``) and
    a hidden temp folder are left out, with a warning; plain sub-folders are read."""
    root = tmp_path / "in"
    write(root, "Annotations/a.xml", doc(obj()))
    write(root, "Annotations/sub/b.xml", doc(obj()))
    write(root, "Annotations/out/Annotations/a.xml", doc(obj(name="copy")))
    write(root, "Annotations/.out.x1.tmp/Annotations/a.xml", doc(obj(name="temp")))
    result = convert_ok(root, tmp_path / "out.json", "coco", "--from", "voc")
    document = json.loads((tmp_path / "out.json").read_text())
    assert [c["name"] for c in document["categories"]] == ["cat"]
    assert len(document["images"]) == 2
    assert "2 XML file(s) in nested Annotations/ or hidden folders left out" in result.stderr
