"""The shared base of the stand-ins: a real HTTP server on 127.0.0.1 that records every request.

Clients under test talk real HTTP over loopback (the same code path as production, httpx included);
tests then assert on `server.requests`. Subclasses implement `handle(request) -> Reply` only.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]  # single-valued: the APIs we stand in for never repeat a parameter
    headers: dict[str, str]  # names lower-cased
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass(slots=True)
class Reply:
    status: int
    body: Any = None  # bytes are sent as-is; anything else is JSON-encoded
    headers: dict[str, str] = field(default_factory=dict)
    disconnect: bool = False  # close the socket without answering (a network failure seen by the client)


class StandInServer:
    """Start with `with Server(...) as s:` or `start()`/`stop()`; `url` is the origin, no trailing slash."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._lock = threading.RLock()  # handler threads and the test thread share the state
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- subclass API -------------------------------------------------------------------------------
    def handle(self, request: RecordedRequest) -> Reply:
        raise NotImplementedError

    # -- lifecycle ----------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("stand-in not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        server.daemon_threads = True  # idle keep-alive connections must not hold up stop()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=type(self).__name__, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- helpers for tests --------------------------------------------------------------------------
    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == method and r.path == path]

    def _dispatch(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            return self.handle(request)


def _make_handler(owner: StandInServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the real APIs; every reply sets Content-Length
        timeout = 10  # an idle keep-alive connection is dropped instead of pinning a thread forever

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            request = RecordedRequest(
                method=self.command,
                path=parts.path,
                query=query,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            try:
                reply = owner._dispatch(request)
            except Exception as exc:  # a bug in the stand-in must show up as a 500, not a hung client
                reply = Reply(500, {"title": "Stand-in error", "detail": repr(exc), "status": 500})
            if reply.disconnect:
                self.close_connection = True
                return
            payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
            self.send_response(reply.status)
            headers = {"content-type": "application/json; charset=utf-8", **reply.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            return

    return Handler
