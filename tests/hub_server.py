"""A loopback stand-in for Ango Hub's four seed endpoints, on real sockets.

``HubServer`` runs ``ThreadingHTTPServer`` on 127.0.0.1, port 0, in a daemon thread. It:

* checks the ``apikey`` header (401 ``{"status":"fail","message":"Invalid API KEY"}``);
* answers 400 with a message for a bad body (unknown project, labels not a list, a
  record without externalId/assetId...);
* takes planned faults, one per request, from a queue: ``429`` (with Retry-After), ``500``,
  ``drop`` (closes the socket before reading the body), ``drop-after`` (processes the
  batch, then closes without answering), ``hang`` (waits until released, then drops);
* rate-limit mode: more than N requests in a window get 429;
* serves export files at the signed-looking ``exportPath`` it hands out;
* hands out signed upload URLs (``GET /v2/getUploadUrl``) and takes PUTs to them only
  without an ``apikey`` header (the key must never reach storage), serving them back;
* records every label and attachment it accepted, so tests can assert exactly-once;
* knows the project's assets when ``state.assets`` is set (None: every key matches), and
  then answers an import as Hub does, ``"N / M tasks are labeled."`` with N the records
  whose externalId, assetId or data matches an asset; it lists them at
  ``GET /v2/project/{id}/assets`` (page, limit and a JSON ``filters`` of externalId/_id),
  serves the project (``GET /v2/project/{id}``, with ``state.category_schema``) and
  creates assets (``POST /v2/project/{id}/cloud``);
* keeps every request in ``calls`` (method, path, query, JSON body, apikey) for
  contract tests.

Everything is bounded: bodies up to 64 MB, socket timeouts of 10 s, waits of 10 s, and
the server shuts itself down after ``lifetime`` seconds.
"""

from __future__ import annotations

import collections
import contextlib
import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

API_KEY = "test-KEY-5f3a9c2e71d04b8f"
PROJECT = "507f1f77bcf86cd799439011"
MAX_BODY = 64 * 1024 * 1024


@dataclass
class Fault:
    """One planned misbehaviour, for the next request whose path starts with ``path``."""

    kind: str  # an HTTP status ("429", "500"...), "ok", "drop", "drop-after", "hang",
    # "redirect", "trickle" (200, then one byte every 0.1 s for up to 10 s), or for files
    # "truncate"
    retry_after: str | None = None
    path: str = "/v2/"


@dataclass
class HubState:
    """What the server knows and remembers; tests read and arrange it."""

    api_key: str = API_KEY
    project: str = PROJECT
    faults: collections.deque[Fault] = field(default_factory=collections.deque)
    labels: collections.Counter[str] = field(default_factory=collections.Counter)
    label_bodies: list[dict[str, Any]] = field(default_factory=list)
    attachment_bodies: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, bool]] = field(default_factory=list)  # method, path, had key
    export_queries: list[dict[str, str]] = field(default_factory=list)
    export_file: bytes = b"[]"
    assets: list[dict[str, Any]] | None = None
    category_schema: dict[str, Any] = field(default_factory=dict)
    batches: list[dict[str, str]] = field(default_factory=list)  # [{_id, name}]
    calls: list[dict[str, Any]] = field(default_factory=list)
    export_name: str = "export.json"
    stored: dict[str, bytes] = field(default_factory=dict)  # storage path -> bytes PUT
    upload_queries: list[dict[str, str]] = field(default_factory=list)
    rate_limit: tuple[int, float] | None = None  # (requests, window seconds)
    hit_times: list[float] = field(default_factory=list)
    hung: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def plan(self, *faults: Fault) -> None:
        """Queue faults, served in order to matching requests."""
        with self.lock:
            self.faults.extend(faults)

    def add_assets(self, *external_ids: str) -> None:
        """Make the project know assets with these externalIds."""
        with self.lock:
            if self.assets is None:
                self.assets = []
            for name in external_ids:
                number = len(self.assets)
                self.assets.append(
                    {
                        "_id": f"a{number:023x}",
                        "externalId": name,
                        "data": f"https://assets.example/{name}",
                    }
                )

    def matches(self, record: dict[str, Any]) -> bool:
        """Whether an import record's externalId, assetId or data names a known asset."""
        if self.assets is None:
            return True
        pairs = (("externalId", "externalId"), ("assetId", "_id"), ("data", "data"))
        return any(
            record.get(mine) and any(asset.get(theirs) == record[mine] for asset in self.assets)
            for mine, theirs in pairs
        )

    def take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if path.startswith(fault.path):
                    self.faults.remove(fault)
                    return fault
        return None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 10

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def finish(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            super().finish()

    # --- routing -----------------------------------------------------------------------

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PUT(self) -> None:
        self._route("PUT")

    def _route(self, method: str) -> None:
        state = self.server.state
        url = urlsplit(self.path)
        with state.lock:
            state.requests.append((method, url.path, "apikey" in self.headers))
        if url.path.startswith("/files/"):
            self._send_file(url.path[len("/files/") :])
            return
        if url.path.startswith("/storage/"):
            self._storage(method, url.path, url.query)
            return
        if self._fault_or_limit(url.path):
            return
        self._body_cache: bytes | None = None
        if method == "POST":
            self._body_cache = self._read_body()
        with state.lock:
            state.calls.append(
                {
                    "method": method,
                    "path": url.path,
                    "query": {k: v[-1] for k, v in parse_qs(url.query).items()},
                    "body": _loads_or_none(self._body_cache),
                    "apikey": self.headers.get("apikey"),
                }
            )
        if self.headers.get("apikey") != state.api_key:
            self._reply(401, {"status": "fail", "message": "Invalid API KEY"})
            return
        routes = {
            ("POST", "/v2/import/labels"): self._import_labels,
            ("POST", "/v2/attachments"): self._attachments,
            ("GET", "/v2/export"): self._export,
            ("GET", "/v2/exportV3"): self._export,
            ("GET", "/v2/getUploadUrl"): self._upload_url,
        }
        handler = routes.get((method, url.path)) or self._project_route(method, url.path)
        if handler is None:
            self._reply(404, {"status": "fail", "message": f"Cannot {method} {url.path}"})
            return
        handler(url.query)

    def _project_route(self, method: str, path: str) -> Any:
        parts = path.split("/")  # "", "v2", "project", id, [assets|cloud]
        if len(parts) < 4 or parts[:3] != ["", "v2", "project"]:
            return None
        if parts[3] != self.server.state.project:
            return lambda _query: self._reply(
                400, {"status": "fail", "message": f"Invalid project: {parts[3]}."}
            )
        tail = tuple(parts[4:])
        routes = {
            ("GET", ()): self._project,
            ("GET", ("assets",)): self._assets,
            ("POST", ("cloud",)): self._cloud,
        }
        return routes.get((method, tail))

    def _fault_or_limit(self, path: str) -> bool:
        state = self.server.state
        if state.rate_limit is not None and self._over_limit(*state.rate_limit):
            self._reply(
                429, {"status": "fail", "message": "Too many requests"}, {"Retry-After": "1"}
            )
            return True
        fault = state.take_fault(path)
        if fault is None:
            return False
        if fault.kind == "ok":
            return False
        if fault.kind == "redirect":
            self._reply(302, {}, {"Location": "http://192.0.2.1/elsewhere?token=x"})
        elif fault.kind.isdigit():
            self._read_body()
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            self._reply(int(fault.kind), {"status": "error", "message": "planned fault"}, headers)
        elif fault.kind == "drop":
            self._drop()
        elif fault.kind == "hang":
            state.hung.set()
            state.release.wait(60)  # until the test releases it (the fixture does on exit)
            self._drop()
        elif fault.kind == "trickle":
            self._read_body()
            self._trickle()
        else:  # drop-after: the handler processes, then drops instead of answering
            self._drop_after = True
            return False
        return True

    def _over_limit(self, count: int, window: float) -> bool:
        state = self.server.state
        now = time.monotonic()
        with state.lock:
            state.hit_times[:] = [t for t in state.hit_times if now - t < window]
            if len(state.hit_times) >= count:
                return True
            state.hit_times.append(now)
        return False

    # --- endpoints ---------------------------------------------------------------------

    def _import_labels(self, query: str) -> None:
        body = self._json_body()
        if body is None:
            return
        records = body.get("labels", body.get("jsonContent"))
        problem = self._check_project(body) or _check_records(records, ("externalId", "assetId"))
        if problem:
            self._reply(400, {"status": "fail", "message": problem})
            return
        state = self.server.state
        assert isinstance(records, list)
        with state.lock:
            state.label_bodies.append(body)
            matched = 0
            for record in records:
                key = record.get("externalId") or record.get("assetId") or record.get("data")
                state.labels[key] += 1
                matched += state.matches(record)
        self._answer({"project": f"{matched} / {len(records)} tasks are labeled."})

    def _project(self, query: str) -> None:
        state = self.server.state
        project = {
            "_id": state.project,
            "name": "loopback project",
            "categorySchema": state.category_schema,
            "batches": state.batches,
        }
        self._answer({"project": project})

    def _assets(self, query: str) -> None:
        params = {key: values[-1] for key, values in parse_qs(query).items()}
        try:
            page = int(params.get("page", "1"))
            limit = int(params.get("limit", "10"))
            filters = json.loads(params.get("filters", "{}"))
        except ValueError:
            self._reply(400, {"status": "fail", "message": "Invalid query"})
            return
        if page < 1 or not 1 <= limit <= 1000 or not isinstance(filters, dict):
            self._reply(400, {"status": "fail", "message": "Invalid query"})
            return
        state = self.server.state
        with state.lock:
            found = [
                asset
                for asset in state.assets or []
                if all(asset.get(key) == value for key, value in filters.items())
            ]
        chunk = found[(page - 1) * limit : page * limit]
        self._answer({"assets": chunk, "total": len(found)})

    def _cloud(self, query: str) -> None:
        body = self._json_body()
        if body is None:
            return
        items = body.get("assets")
        if not isinstance(items, list) or not all(
            isinstance(item, dict) and isinstance(item.get("data"), str) for item in items
        ):
            self._reply(400, {"status": "fail", "message": "assets must be a list with data"})
            return
        state = self.server.state
        with state.lock:
            if state.assets is None:
                state.assets = []
            for item in items:
                number = len(state.assets)
                state.assets.append({"_id": f"a{number:023x}", **item})
        self._answer({"assets": len(items)})

    def _attachments(self, query: str) -> None:
        body = self._json_body()
        if body is None:
            return
        problem = self._check_project(body) or _check_attachments(body.get("attachments"))
        if problem:
            self._reply(400, {"status": "fail", "message": problem})
            return
        with self.server.state.lock:
            self.server.state.attachment_bodies.append(body)
        count = len(body["attachments"])
        self._answer({"project": {"attachmentsImported": count, "assetsUpdated": count}})

    def _export(self, query: str) -> None:
        params = {key: values[-1] for key, values in parse_qs(query).items()}
        state = self.server.state
        if params.get("project") != state.project:
            self._reply(
                400, {"status": "fail", "message": f"Invalid project: {params.get('project')}."}
            )
            return
        with state.lock:
            state.export_queries.append(params)
        url = f"http://127.0.0.1:{self.server.server_port}/files/{state.export_name}?X-Amz-Signature=s3cr3tsig&X-Amz-Expires=600"
        self._reply(200, {"status": "success", "data": {"exportPath": url}})

    def _upload_url(self, query: str) -> None:
        params = {key: values[-1] for key, values in parse_qs(query).items()}
        state = self.server.state
        if params.get("project") != state.project:
            self._reply(
                400, {"status": "fail", "message": f"Invalid project: {params.get('project')}."}
            )
            return
        name, kind = params.get("name", ""), params.get("type", "")
        if not name or "/" in name or kind not in ("brushes", "medicalBrushes", "assets"):
            self._reply(400, {"status": "fail", "message": "name and type are required"})
            return
        with state.lock:
            state.upload_queries.append(params)
        path = f"/storage/{kind}/{state.project}/{name}"
        url = f"http://127.0.0.1:{self.server.server_port}{path}?X-Amz-Signature=upl0adsig"
        self._answer({"uploadUrl": url})

    def _storage(self, method: str, path: str, query: str) -> None:
        """The signed-URL bucket: PUT stores (refused with an apikey), GET serves."""
        state = self.server.state
        if "X-Amz-Signature=" not in query:
            self._reply(403, {"message": "AccessDenied: no signature"})
            return
        if method == "PUT":
            body = self._read_body()
            if "apikey" in self.headers:
                self._reply(400, {"message": "InvalidArgument: unexpected apikey header"})
                return
            with state.lock:
                state.stored[path] = body
            self._reply(200, {})
            return
        data = state.stored.get(path)
        if method != "GET" or data is None:
            self._reply(404, {"message": "NoSuchKey"})
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_file(self, name: str) -> None:
        state = self.server.state
        fault = state.take_fault("/files/")
        if fault is not None and fault.kind == "drop":
            self._drop()
            return
        if fault is not None and fault.kind.isdigit():
            self._reply(int(fault.kind), {"status": "error", "message": "planned fault"})
            return
        if fault is not None and fault.kind == "trickle":
            self._trickle()
            return
        if name != state.export_name:
            self._reply(404, {"message": "NoSuchKey"})
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(state.export_file)))
        self.end_headers()
        if fault is not None and fault.kind == "truncate":
            self.wfile.write(state.export_file[: len(state.export_file) // 2])
            self.wfile.flush()
            self._drop()
            return
        self.wfile.write(state.export_file)

    # --- helpers -----------------------------------------------------------------------

    def _check_project(self, body: dict[str, Any]) -> str | None:
        project = body.get("project")
        if project != self.server.state.project:
            return f"Invalid project: {project}."
        return None

    def _read_body(self) -> bytes:
        cached: bytes | None = getattr(self, "_body_cache", None)
        if cached is not None:
            return cached
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(length)

    def _json_body(self) -> dict[str, Any] | None:
        try:
            body = json.loads(self._read_body())
        except ValueError:
            self._reply(400, {"status": "fail", "message": "Body is not valid JSON"})
            return None
        if not isinstance(body, dict):
            self._reply(400, {"status": "fail", "message": "Body must be an object"})
            return None
        return body

    def _answer(self, data: Any) -> None:
        if getattr(self, "_drop_after", False):
            self._drop()
            return
        self._reply(200, {"status": "success", "data": data})

    def _reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _trickle(self) -> None:
        """Answer 200, then a byte every 0.1 s: every socket read succeeds, the answer
        never ends (within the server's 10 s bound)."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        with contextlib.suppress(OSError):
            for _ in range(100):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.1)
        self._drop()

    def _drop(self) -> None:
        # SO_LINGER 0 turns close() into a reset: the client sees the connection die.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True


def _loads_or_none(data: bytes | None) -> Any:
    if not data:
        return None
    try:
        return json.loads(data)
    except ValueError:
        return None


def _check_records(records: Any, keys: tuple[str, ...]) -> str | None:
    if not isinstance(records, list):
        return "labels must be an array"
    for index, record in enumerate(records):
        if not isinstance(record, dict) or not any(record.get(k) for k in (*keys, "data")):
            return f"labels[{index}] needs externalId or assetId"
    return None


def _check_attachments(items: Any) -> str | None:
    if not isinstance(items, list):
        return "attachments must be an array"
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            return f"attachments[{index}] must be an object"
        seed = "attachmentUrl" in item and "attachmentType" in item
        sdk = isinstance(item.get("attachments"), list)
        keys = [key for key in ("externalId", "assetId", "data") if item.get(key)]
        if len(keys) != 1 or not (seed or sdk):
            return f"attachments[{index}] is missing a field"
    return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: HubState

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # dropped connections are planned; do not print tracebacks


class HubServer:
    """The loopback server; use as a context manager (or through a fixture)."""

    def __init__(self, lifetime: float = 120.0) -> None:
        self.state = HubState()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = self.state
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}
        )
        self._thread.daemon = True
        self._timer = threading.Timer(lifetime, self._server.shutdown)
        self._timer.daemon = True

    @property
    def url(self) -> str:
        """Base URL, such as ``http://127.0.0.1:54321``."""
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> HubServer:
        self._thread.start()
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.state.release.set()
        self._timer.cancel()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


@contextlib.contextmanager
def running() -> Iterator[HubServer]:
    """A started server, stopped on exit."""
    with HubServer() as server:
        yield server
