"""Asset images over HTTP (loopback only): header-only size probes and resumable downloads."""

from __future__ import annotations

import ast
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import ango_convert
from ango_convert.cli.main import cli
from ango_convert.errors import ConversionError
from ango_convert.formats.ango_export.read import read_v3
from ango_convert.hub.images import (
    HttpFetcher,
    default_images_dir,
    download_images,
    part_path,
    probe_remote_size,
)
from ango_convert.io.remote import FetchError
from tests.imagebytes import jpeg, png

FILES = {
    "/a.png": png(31, 17),
    "/big.jpg": jpeg(1920, 1080, exif_bytes=4000) + b"\x00" * 200_000,
    "/page0.png": png(10, 20),
    "/page1.png": png(11, 21),
}


class _Handler(BaseHTTPRequestHandler):
    """Serves FILES, honouring ``Range: bytes=N-M``; /expired answers 403."""

    ranges: list[str | None]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        self.server.ranges.append(self.headers.get("Range"))  # type: ignore[attr-defined]
        body = FILES.get(path)
        if body is None:
            self.send_response(403 if path == "/expired" else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        start, end = 0, len(body) - 1
        wanted = self.headers.get("Range")
        if wanted:
            first, _, last = wanted.removeprefix("bytes=").partition("-")
            start, end = int(first), min(int(last), end) if last else end
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{end}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        self.wfile.write(body[start : end + 1])


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.ranges = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


def _base(httpd: ThreadingHTTPServer) -> str:
    host, port = httpd.server_address[:2]
    return f"http://{host!s}:{port}"


def _export(tmp_path: Path, base: str) -> Path:
    records = [
        {"asset": f"{base}/a.png?X-Amz-Signature=s", "externalId": "a.png", "task": {"tools": []}},
        {"asset": f"{base}/big.jpg", "externalId": "dir/big photo.jpg", "task": {"tools": []}},
        {
            "asset": f"{base}/doc",
            "externalId": "doc",
            "dataset": [f"{base}/page0.png", f"{base}/page1.png"],
            "task": {"tools": []},
        },
    ]
    path = tmp_path / "export.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_probe__reads_only_the_header(server: ThreadingHTTPServer) -> None:
    assert probe_remote_size(f"{_base(server)}/big.jpg") == (1920, 1080)
    assert server.ranges == ["bytes=0-65535"]  # type: ignore[attr-defined]
    assert probe_remote_size(f"{_base(server)}/expired") is None
    assert probe_remote_size("http://127.0.0.1:9/refused.png", timeout=2) is None


def test_read__fetch_sizes(tmp_path: Path, server: ThreadingHTTPServer) -> None:
    export = _export(tmp_path, _base(server))
    dataset = ango_convert.read_ango_v3(export, fetch_sizes=True, validate=False)
    items = {item.id: item for item in dataset.items}
    assert (items["a.png"].width, items["a.png"].height) == (31, 17)
    assert (items["dir/big photo.jpg"].width, items["dir/big photo.jpg"].height) == (1920, 1080)
    without = {item.id: item for item in read_v3(export, validate=False).items}
    assert without["a.png"].width is None


class FakeFetcher:
    """A :class:`~ango_convert.io.remote.Fetcher` that knows some sizes and notes each ask."""

    def __init__(self, sizes: dict[str, tuple[int, int]]) -> None:
        self.sizes = sizes
        self.asked: list[str] = []

    def image_size(self, url: str) -> tuple[int, int] | None:
        self.asked.append(url)
        return self.sizes.get(url)

    def get_bytes(self, url: str, limit: int) -> bytes:
        raise FetchError("not served")


def test_get_bytes__reads_a_small_file_bounded(server: ThreadingHTTPServer) -> None:
    fetcher = HttpFetcher()
    assert fetcher.get_bytes(f"{_base(server)}/a.png?sig=1", 1000) == FILES["/a.png"]
    with pytest.raises(FetchError, match="larger than 10 bytes"):
        fetcher.get_bytes(f"{_base(server)}/a.png", 10)
    with pytest.raises(FetchError, match=r"HTTP 403 \(the signed URL has probably expired"):
        fetcher.get_bytes(f"{_base(server)}/expired?X-Amz-Signature=secret", 1000)


def test_read__fetch_sizes_without_a_fetcher_is_refused(tmp_path: Path) -> None:
    export = _export(tmp_path, "https://assets.invalid")
    with pytest.raises(ConversionError) as caught:
        read_v3(export, fetch_sizes=True)
    message = str(caught.value)
    assert "fetch_sizes needs a fetcher" in message and "\n" not in message


def test_read__fetch_sizes_asks_the_given_fetcher(tmp_path: Path) -> None:
    base = "https://assets.invalid"
    box = {"title": "dot", "bounding-box": {"x": 1, "y": 2, "width": 3, "height": 4}}
    records = [
        {"asset": f"{base}/a.png?sig=1", "externalId": "a.png", "task": {"tools": [box]}},
        {
            "asset": f"{base}/known.png",
            "externalId": "known.png",
            "metadata": {"width": 8, "height": 9},
            "task": {"tools": []},
        },
        {
            "asset": f"{base}/doc",
            "externalId": "doc",
            "dataset": [f"{base}/page0.png", f"{base}/page1.png"],
            "task": {"tools": [{**box, "page": 0}, {**box, "page": 1}, {**box, "page": 1}]},
        },
        {"asset": f"{base}/gone.png", "externalId": "gone.png", "task": {"tools": []}},
    ]
    export = tmp_path / "export.ndjson"
    export.write_text("".join(json.dumps(r) + "\n" for r in records))
    fetcher = FakeFetcher(
        {
            f"{base}/a.png?sig=1": (31, 17),
            f"{base}/page0.png": (10, 20),
            f"{base}/page1.png": (11, 21),
        }
    )
    dataset = read_v3(export, fetch_sizes=True, fetcher=fetcher, validate=False)
    sizes = {item.id: (item.width, item.height) for item in dataset.items}
    assert sizes == {
        "a.png": (31, 17),
        "known.png": (8, 9),  # metadata first: its URL is never asked
        "doc#frame0": (10, 20),
        "doc#frame1": (11, 21),
        "gone.png": (None, None),  # the fetcher did not know it: no size, no error
    }
    assert fetcher.asked == [
        f"{base}/a.png?sig=1",
        f"{base}/page0.png",
        f"{base}/page1.png",
        f"{base}/gone.png",
    ]
    fetcher.asked.clear()
    list(read_v3(export, fetcher=fetcher, validate=False).items)
    assert fetcher.asked == []  # a fetcher alone fetches nothing: fetch_sizes asks for it


def _imported(node: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of each module an import statement reaches (``from a import b`` may
    reach ``a.b``)."""
    if isinstance(node, ast.Import):
        return [(node.lineno, alias.name) for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module:
        names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        return [(node.lineno, name) for name in names]
    return []


def _reaches_network(module: str) -> bool:
    return module.split(".")[0] in {"requests", "urllib3", "http"} or module.startswith(
        ("ango_convert.hub", "urllib.request")
    )


def test_formats__never_reach_the_network() -> None:
    package = Path(ango_convert.__file__).parent
    modules = sorted((package / "formats").rglob("*.py"))
    offenders = [
        f"{path.relative_to(package)}:{line} imports {name}"
        for path in modules
        for node in ast.walk(ast.parse(path.read_text()))
        for line, name in _imported(node)
        if _reaches_network(name)
    ]
    assert len(modules) > 20 and offenders == []
    # The check does see the HTTP stack where it is imported.
    hub = ast.parse((package / "hub" / "images.py").read_text())
    assert any(_reaches_network(name) for node in ast.walk(hub) for _, name in _imported(node))


def test_download__needs_consent(tmp_path: Path) -> None:
    with pytest.raises(ConversionError, match="--download-images"):
        download_images(tmp_path / "x.ndjson", tmp_path / "out", consent=False)
    assert not (tmp_path / "out").exists()


def test_download__parallel_then_skips_then_resumes(
    tmp_path: Path, server: ThreadingHTTPServer
) -> None:
    export = _export(tmp_path, _base(server))
    target = tmp_path / "images"
    report = download_images(export, target, consent=True, workers=3, progress=False)
    assert (report.downloaded, report.skipped, report.failed) == (4, 0, [])
    assert (target / "a.png").read_bytes() == FILES["/a.png"]
    assert (target / "dir" / "big photo.jpg").read_bytes() == FILES["/big.jpg"]
    assert (target / "doc_frame000001.png").read_bytes() == FILES["/page1.png"]
    again = download_images(export, target, consent=True, progress=False)
    assert (again.downloaded, again.skipped) == (0, 4)
    # An interrupted download left half the file as .part: the next run asks for the rest.
    (target / "dir" / "big photo.jpg").unlink()
    half = len(FILES["/big.jpg"]) // 2
    part_path(target / "dir" / "big photo.jpg").write_bytes(FILES["/big.jpg"][:half])
    server.ranges.clear()  # type: ignore[attr-defined]
    resumed = download_images(export, target, consent=True, progress=False)
    assert resumed.downloaded == 1
    assert server.ranges == [f"bytes={half}-"]  # type: ignore[attr-defined]
    assert (target / "dir" / "big photo.jpg").read_bytes() == FILES["/big.jpg"]
    assert not list(target.rglob("*.part"))


def test_download__expired_url_named_and_others_kept(
    tmp_path: Path, server: ThreadingHTTPServer
) -> None:
    export = tmp_path / "e.ndjson"
    rows = [
        {"asset": f"{_base(server)}/expired?sig=1", "externalId": "old.jpg", "task": {}},
        {"asset": f"{_base(server)}/a.png", "externalId": "../../escape.png", "task": {}},
    ]
    export.write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = download_images(export, tmp_path / "out", consent=True, progress=False)
    assert report.downloaded == 1
    assert len(report.failed) == 1 and "old.jpg: HTTP 403" in report.failed[0]
    assert "expired" in report.failed[0] and "sig=1" not in report.failed[0]
    assert (tmp_path / "out" / "escape.png").is_file()  # kept inside the folder


def test_part_path__short_hidden_and_stable(tmp_path: Path) -> None:
    long = tmp_path / ("é" * 127 + ".png")  # 258 bytes: no room for a ".part" suffix
    part = part_path(long)
    assert part.parent == tmp_path and part.name.startswith(".") and part.suffix == ".part"
    assert len(part.name.encode()) < 32
    assert part_path(long) == part and part_path(tmp_path / "other.png") != part


def test_download__twins_once_made_safe_get_numbered_names(
    tmp_path: Path, server: ThreadingHTTPServer
) -> None:
    export = tmp_path / "e.ndjson"
    names = ["d/x.png", "d\\x.png", "D/X.png", "../d/x.png"]
    rows = [{"asset": f"{_base(server)}/a.png", "externalId": name, "task": {}} for name in names]
    export.write_text("".join(json.dumps(r) + "\n" for r in rows))
    target = tmp_path / "out"
    report = download_images(export, target, consent=True, progress=False)
    assert (report.downloaded, report.failed) == (4, [])
    files = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    # Numbered in record order; case-only twins too (case-insensitive file systems).
    assert files == ["D/X_2.png", "d/x.png", "d/x_1.png", "d/x_3.png"]
    again = download_images(export, target, consent=True, progress=False)
    assert (again.downloaded, again.skipped) == (0, 4)  # the same names on a rerun


def test_default_images_dir__beside_the_output(tmp_path: Path) -> None:
    assert default_images_dir(tmp_path / "yolo") == tmp_path / "yolo.images"


def test_cli__download_images_then_convert(
    runner: CliRunner, tmp_path: Path, server: ThreadingHTTPServer
) -> None:
    export = tmp_path / "export.json"
    tools = [{"title": "dot", "bounding-box": {"x": 1, "y": 2, "width": 3, "height": 4}}]
    export.write_text(
        json.dumps(
            [{"asset": f"{_base(server)}/a.png", "externalId": "a.png", "task": {"tools": tools}}]
        )
    )
    out = tmp_path / "yolo"
    args = ["convert", str(export), "--to", "yolo", "-o", str(out)]
    refused = runner.invoke(cli, args)
    assert refused.exit_code == 5 and "a.png" in refused.output  # no size without images
    result = runner.invoke(cli, [*args, "--download-images"])
    assert result.exit_code == 0, result.output
    assert "images: 1 downloaded" in result.output
    assert (tmp_path / "yolo.images" / "a.png").is_file()
    assert (out / "images" / "train" / "a.png").read_bytes() == FILES["/a.png"]
    label = (out / "labels" / "train" / "a.txt").read_text().split()
    assert label[0] == "0" and float(label[1]) == pytest.approx(2.5 / 31)


def test_cli__download_images_only_for_ango_exports(runner: CliRunner, samples: Path) -> None:
    source = samples / "coco" / "annotations.json"
    result = runner.invoke(
        cli, ["convert", str(source), "--to", "yolo", "-o", "unused", "--download-images"]
    )
    assert result.exit_code == 5 and "works on Ango exports" in result.output
