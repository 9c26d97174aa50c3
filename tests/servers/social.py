"""What the stand-in social networks share: a threaded HTTP server on 127.0.0.1, a fault script
and a log of requests. Each network's server (``linkedin_server``, ``mastodon_server``,
``bluesky_server``) subclasses ``Service`` with its routes.

Faults are queued per *kind of request* (``server.fail("post", 429, 500)``): the next matching
requests are answered with those statuses, one each, then normally again. The fault "hang"
records the post as made and then never answers (until the server stops): the client is killed
while it waits, as a crash between sending and recording would.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False


class Service:
    """A network: ``route(request) -> Reply`` and ``kind(request)`` (for faults) per subclass."""

    def __init__(self) -> None:
        self.port = 0
        self.requests: list[Request] = []
        self.faults: dict[str, list[int | str]] = {}
        self.lock = threading.Lock()
        self.release = threading.Event()
        #: Set when a "hang" fault has made its post and holds the answer back.
        self.hanging = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail(self, kind: str, *faults: int | str) -> None:
        with self.lock:
            self.faults.setdefault(kind, []).extend(faults)

    def seen(self, kind: str) -> list[Request]:
        return [r for r in self.requests if self.kind(r) == kind]

    def kind(self, request: Request) -> str:
        raise NotImplementedError

    def route(self, request: Request) -> Reply:
        raise NotImplementedError

    def error(self, status: int) -> Reply:
        """The network's answer for a status (subclasses shape the body)."""
        return Reply(status, {"status": status, "message": f"fault {status}"})

    def handle(self, request: Request) -> Reply:
        with self.lock:
            self.requests.append(request)
            queue = self.faults.get(self.kind(request), [])
            fault = queue.pop(0) if queue else None
        if fault == "hang":
            reply = self.route(request)  # the post is made…
            return Reply(reply.status, reply.body, reply.headers, hang=True)  # …no answer
        if isinstance(fault, int):
            return self.error(fault)
        return self.route(request)


def _handler(service: Service) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            request = Request(
                self.command,
                parts.path,
                parse_qs(parts.query),
                {k.lower(): v for k, v in self.headers.items()},
                body,
            )
            reply = service.handle(request)
            if reply.hang:
                service.hanging.set()
                service.release.wait(30)
                self.close_connection = True
                return
            data = b"" if reply.body is None else json.dumps(reply.body).encode()
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if data:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

    return Handler


@contextmanager
def running(service: Service) -> Iterator[Service]:
    """Serve ``service`` on a free port of 127.0.0.1 until the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(service))
    server.daemon_threads = True
    service.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield service
    finally:
        service.release.set()
        server.shutdown()
        server.server_close()
