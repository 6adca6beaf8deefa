"""The shared base of the platform stand-ins: a real HTTP server on 127.0.0.1 that records every request.

Clients under test talk real HTTP over loopback (the same code path as production, httpx included);
tests then assert on `server.requests`. Subclasses implement `handle(request) -> Reply` only.

Scripted failures (`Failure`, queued with `script()` and taken by a subclass with `take_failure()`) let a
test force one answer on the next calls of one route: a status with a body and headers, a dropped
connection, or an answer held back by `delay` seconds. A held-back answer waits on an event that `stop()`
sets, so a client that gave up (a timeout test) never keeps the server, or the test, waiting.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field, replace
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
    delay: float | None = None  # hold the answer back this long (seconds; cut short by stop())


@dataclass(slots=True)
class Failure:
    """A scripted answer for the next call of `route` (None: any route) once `after` calls went through.

    `status` None answers normally, only `delay`ed; `body` None lets the stand-in pick its platform's
    usual error body for `status`; `headers` are added to (and override) the stand-in's own.
    """

    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float | None = None
    disconnect: bool = False
    route: str | None = None
    after: int = 0


class StandInServer:
    """Start with `with Server(...) as s:` or `start()`/`stop()`; `url` is the origin, no trailing slash."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._lock = threading.RLock()  # handler threads and the test thread share the state
        self._failures: list[Failure] = []
        self._released = threading.Event()
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
        self._released.clear()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=type(self).__name__, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
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

    def script(self, failure: Failure, *, times: int = 1) -> None:
        """Queue `failure` for the next `times` matching calls; `after` delays only the first of them."""
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._failures.append(failure)
            self._failures.extend(replace(failure, after=0) for _ in range(times - 1))

    def pending_failures(self) -> list[Failure]:
        with self._lock:
            return list(self._failures)

    def take_failure(self, route: str) -> Failure | None:
        """The scripted failure for this call of `route`, if one is due (called from `handle`)."""
        with self._lock:
            for failure in self._failures:
                if failure.route is not None and failure.route != route:
                    continue
                if failure.after > 0:
                    failure.after -= 1
                    return None
                self._failures.remove(failure)
                return failure
            return None

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
            if reply.delay:
                # Outside the lock, so other calls are served meanwhile; stop() ends the wait at once.
                owner._released.wait(reply.delay)
            if reply.disconnect:
                self.close_connection = True
                return
            payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
            headers = {"content-type": "application/json; charset=utf-8", **reply.headers}
            try:
                self.send_response(reply.status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:  # the client gave up first (a timeout test): nobody is left to answer
                self.close_connection = True

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            return

    return Handler
