"""A scriptable DemandFlow API on 127.0.0.1 for the fetch tests (helpers only; no tests here)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.helpers import QuietServer, serving

TOKEN = "dfpat_S3cr3t-T0ken.value_42"


@dataclass
class Reply:
    """One scripted answer. `body` that is not bytes or str is sent as JSON."""

    status: int = 200
    body: Any = b""
    content_type: str | None = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    # Faults: wait before answering; send the body a byte at a time; declare more bytes than sent.
    stall: bool = False
    drip: float = 0.0
    short_by: int = 0
    # No Content-Length: the body runs until the server closes the connection.
    sized: bool = True
    # Send the status line and headers a byte at a time, this many seconds apart.
    drip_head: float = 0.0

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")


@dataclass
class Seen:
    """A request as the server received it."""

    path: str
    headers: dict[str, str]


class Server:
    """Routes map a path (with query) to replies, used in turn; the last one repeats."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.requests: list[Seen] = []
        self.release = threading.Event()
        self.lock = threading.Lock()
        # Of the last head sent a byte at a time: its size, and how much of it went out.
        self.head_size = 0
        self.head_sent = 0
        self.httpd = QuietServer(("127.0.0.1", 0), _handler(self))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def route(self, path: str, *replies: Reply) -> None:
        self.routes[path] = list(replies)

    def hits(self, path: str) -> int:
        return sum(1 for seen in self.requests if seen.path == path)

    def next_reply(self, path: str) -> Reply:
        with self.lock:
            replies = self.routes.get(path)
            if not replies:
                return Reply(404, {"error": "not found"})
            return replies.pop(0) if len(replies) > 1 else replies[0]


def _handler(server: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            with server.lock:
                server.requests.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
            reply = server.next_reply(self.path)
            if reply.stall:
                server.release.wait(10)
                return
            payload = reply.payload()
            if reply.drip_head:
                self._drip_head(reply, payload)
                return
            try:
                self.send_response(reply.status)
                if reply.content_type:
                    self.send_header("Content-Type", reply.content_type)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.sized:
                    self.send_header("Content-Length", str(len(payload) + reply.short_by))
                else:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                if reply.drip:
                    for byte in payload:
                        if server.release.wait(reply.drip):
                            return
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                else:
                    self.wfile.write(payload)
                if reply.short_by:
                    self.close_connection = True
            except (BrokenPipeError, ConnectionResetError):
                pass

        def _drip_head(self, reply: Reply, payload: bytes) -> None:
            lines = [f"HTTP/1.1 {reply.status} {self.responses[reply.status][0]}"]
            headers = {**reply.headers, "Content-Type": reply.content_type or "", "Content-Length": str(len(payload))}
            lines += [f"{name}: {value}" for name, value in headers.items()] + ["", ""]
            head = "\r\n".join(lines).encode("latin-1")
            server.head_size, server.head_sent = len(head), 0
            try:
                for byte in head:
                    if server.release.wait(reply.drip_head):
                        return
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    server.head_sent += 1
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True

    return Handler


@contextmanager
def running() -> Iterator[Server]:
    """A server on a free port of 127.0.0.1, stopped (stalled answers released) afterwards."""
    server = Server()
    with serving(server.httpd):
        try:
            yield server
        finally:
            # Stalled answers first, or stopping the server would wait for them.
            server.release.set()


@contextmanager
def unanswered_port() -> Iterator[str]:
    """A URL whose listener never accepts and whose backlog is full, so connecting times out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        try:
            filler.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(filler)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


def closed_port() -> str:
    """A URL where nothing listens: connections are refused."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return f"http://127.0.0.1:{port}"
