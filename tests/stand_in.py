"""A stand-in of the DemandFlow records API on 127.0.0.1, with scripted faults (no tests here)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.helpers import QuietServer, serving

TOKEN = "dfpat_S3cr3t-T0ken.value_42"


@dataclass
class Reply:
    """One scripted answer; a body that is not bytes is sent as JSON."""

    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Declare this many bytes more than are sent, then close: a body cut off.
    short_by: int = 0

    def payload(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode("utf-8")


@dataclass
class Seen:
    """A request as the stand-in received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


class StandIn:
    """Records by entity code, pages of `page_size`, and replies scripted per (method, path)."""

    def __init__(self, page_size: int = 2) -> None:
        self.page_size = page_size
        self.records: dict[str, list[dict[str, Any]]] = {}
        self.scripts: dict[tuple[str, str], list[Reply]] = {}
        self.requests: list[Seen] = []
        self.lock = threading.Lock()
        self.httpd = QuietServer(("127.0.0.1", 0), _handler(self))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def script(self, method: str, path: str, *replies: Reply) -> None:
        """Answer the next requests to path with these replies, in turn, then as the API would."""
        self.scripts[(method, path)] = list(replies)

    def seen(self, method: str, path: str | None = None) -> list[Seen]:
        return [s for s in self.requests if s.method == method and (path is None or s.path == path)]

    def answer(self, method: str, path: str, headers: dict[str, str], body: Any) -> Reply:
        with self.lock:
            self.requests.append(Seen(method, path, headers, body))
            queued = self.scripts.get((method, path))
            if queued:
                return queued.pop(0)
            if headers.get("authorization") != f"Bearer {TOKEN}":
                return Reply(401, {"message": "invalid or missing token"})
            return self._api(method, path, body)

    def _api(self, method: str, path: str, body: Any) -> Reply:
        parts = urlsplit(path)
        segments = parts.path.strip("/").split("/")
        if method == "POST" and segments == ["v1", "objects"]:
            if not isinstance(body, dict) or not str(body.get("comboKey", "")).startswith("SUB:"):
                return Reply(400, {"message": "comboKey is required", "field": "comboKey"})
            code = body["entity"]
            record = {**body, "id": str(sum(len(r) for r in self.records.values()) + 1)}
            self.records.setdefault(code, []).append(record)
            return Reply(201, record)
        if method == "GET" and len(segments) == 4 and segments[:2] == ["v1", "objects"]:
            found = [r for r in self.records.get(segments[2], []) if r["id"] == segments[3]]
            return Reply(200, found[0]) if found else Reply(404, {"message": "no such object"})
        if method == "GET" and len(segments) == 4 and segments[:2] == ["v1", "entities"] and segments[3] == "SUB":
            page = int(parse_qs(parts.query).get("page", ["0"])[0])
            records = self.records.get(segments[2], [])
            start = page * self.page_size
            more = start + self.page_size < len(records)
            following = f"{self.url}{parts.path}?page={page + 1}" if more else None
            return Reply(200, {"items": records[start : start + self.page_size], "next": following})
        return Reply(404, {"message": f"no route {method} {parts.path}"})


def _handler(stand_in: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._serve(None)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw
            self._serve(body)

        def _serve(self, body: Any) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply = stand_in.answer(self.command, self.path, headers, body)
            payload = reply.payload()
            try:
                self.send_response_only(reply.status)
                # One Date: a scripted one replaces the server's own.
                headers = {"Date": self.date_time_string(), "Content-Type": "application/json", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload) + reply.short_by))
                self.end_headers()
                self.wfile.write(payload)
                if reply.short_by:
                    self.close_connection = True
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


@contextmanager
def running(page_size: int = 2) -> Iterator[StandIn]:
    """A stand-in on a free port of 127.0.0.1, stopped afterwards."""
    stand_in = StandIn(page_size)
    with serving(stand_in.httpd):
        yield stand_in
