"""Request body size limits for every HTTP route, enforced before a route reads its body.

A route that calls `await request.body()` buffers whatever the client sends; a client that sends a
gigabyte (or a chunked body that never ends) would be buffered to the last byte before any route
check could look at its length. This ASGI middleware stops that earlier:

- a `Content-Length` above the route's limit is refused with 413 before a byte is read;
- otherwise the bytes actually received are counted (chunked bodies and lying `Content-Length`
  headers too), and the request is refused with 413 as soon as the count passes the limit, so at
  most one chunk beyond the limit is ever held in memory.

Refusals are counted in `socialdesk_requests_refused_total{reason="too_large"}` and logged with the
route and the size, never the body (it may hold personal data, and it was not verified).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from socialdesk.metrics import Metrics

log = logging.getLogger(__name__)

KB: Final = 1024
MB: Final = 1024 * 1024

# Slack's own payloads (a view submission with long inputs) are tens of kB; Meta and X batch several
# events per delivery. The generic route takes a batch of up to 500 mentions; a survey answer is a line.
ROUTE_LIMITS: Final[Mapping[tuple[str, str], int]] = {
    ("POST", "/slack/events"): 1 * MB,
    ("POST", "/webhooks/meta"): 1 * MB,
    ("POST", "/webhooks/x"): 1 * MB,
    ("POST", "/webhooks/generic"): 1 * MB,  # a full batch of 500 mentions is about 250 KB
    ("POST", "/webhooks/survey"): 64 * KB,
}
# A source plugin's webhook (`/webhooks/<name>`, one path segment): what the built-in sources take.
SOURCE_WEBHOOK_LIMIT: Final = 1 * MB
_SOURCE_WEBHOOK = re.compile(r"/webhooks/[a-z][a-z0-9_]{0,31}")
# Every other method and path (health, metrics, verification challenges, unknown routes) takes no body.
NO_BODY: Final = 0
# Metric labels name only these paths: a label per path an attacker makes up would grow without end.
_LABELLED_PATHS: Final = frozenset({path for _, path in ROUTE_LIMITS} | {"/healthz", "/readyz", "/metrics"})


def limit_for(method: str, path: str) -> int:
    key = (method.upper(), path.rstrip("/") or "/")
    if key not in ROUTE_LIMITS and key[0] == "POST" and _SOURCE_WEBHOOK.fullmatch(key[1]):
        return SOURCE_WEBHOOK_LIMIT
    return ROUTE_LIMITS.get(key, NO_BODY)


class _TooLarge(Exception):
    """Raised from `receive` when the streamed body passes the limit; caught by the middleware."""


def _declared_length(scope: Scope) -> int | None:
    """The Content-Length header as a number; None when absent; -1 when it is not a number."""
    for name, value in scope.get("headers") or []:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else -1
    return None


class BodyLimit:
    """ASGI middleware: refuse request bodies larger than their route's limit with 413."""

    def __init__(self, app: ASGIApp, *, on_refused: Callable[[str], None] | None = None) -> None:
        self.app = app
        self._on_refused = on_refused

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        limit = limit_for(str(scope.get("method", "GET")), path)
        declared = _declared_length(scope)
        if declared == -1:
            await _answer(send, 400, "Content-Length is not a number")
            return
        if declared is not None and declared > limit:
            await self._refuse(send, path, limit, f"declared {declared} bytes")
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except _TooLarge:
            if started:  # a route answered before reading all of its body; nothing more to say
                return
            await self._refuse(send, path, limit, f"more than {limit} bytes received")

    async def _refuse(self, send: Send, path: str, limit: int, detail: str) -> None:
        log.warning("request to %s refused: body too large (%s; the limit is %d bytes)", path, detail, limit)
        if self._on_refused is not None:
            self._on_refused(path)
        reason = f"body too large: at most {limit} bytes" if limit else "this route takes no request body"
        await _answer(send, 413, reason)


async def _answer(send: Send, status: int, reason: str) -> None:
    body = json.dumps({"ok": False, "error": reason}).encode()
    headers: list[Any] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),  # the rest of the body is not read: don't reuse this connection
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def body_limits(metrics: Metrics) -> Middleware:
    """The middleware entry for `Starlette(middleware=[...])`, counting refusals in `metrics`."""

    def count(path: str) -> None:
        route = path if path in _LABELLED_PATHS else "other"
        metrics.requests_refused.labels(route=route, reason="too_large").inc()

    return Middleware(BodyLimit, on_refused=count)
