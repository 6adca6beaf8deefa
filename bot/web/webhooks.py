"""Inbound webhook routes, one per source that takes webhooks: verify, validate, make durable, answer.

`GET /webhooks/<name>` is the source's subscription check (`Source.challenge`); `POST` is checked by
`Source.verify`, then validated by the source's normalizer and stored in the inbox under the source's
name. On a shared route (`meta`) the sources with `shared_route == "meta"` are asked first whether they
`claim` the payload; the route's own source takes the rest.

Outcomes, the same for every source:
  200 accepted (or a redelivery: `duplicate: true`, no second case);
  400 malformed, with the reason, the body kept in the inbox as rejected;
  401 missing or wrong signature, 403 stale timestamp: nothing stored, a counter counts it;
  503 the source is not configured (its secret is missing), so nothing can be verified.

A normalizer that raises anything but `MalformedPayload` switches its plugin off; the authentic body is
still stored (and answered 200), so it waits in the inbox for the source to run again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from socialdesk.clock import Clock
from socialdesk.failpoints import failpoint
from socialdesk.ingest import inbox
from socialdesk.ingest.by_source import InboxReader, SourceUnavailable
from socialdesk.ingest.inbox_writer import InboxWriter
from socialdesk.ingest.normalizers import as_utf8, parse_json
from socialdesk.metrics import Metrics
from socialdesk.plugin_host.registry import PluginSet
from socialdesk.plugins.mentions import MalformedPayload
from socialdesk.plugins.payloads import BrandAccounts
from socialdesk.plugins.source import Source, WebhookAnswer, WebhookRequest
from socialdesk.workers import ForegroundFirst

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000


@dataclass
class WebhookDeps:
    plugins: PluginSet
    engine: Engine
    clock: Clock
    metrics: Metrics
    brand: BrandAccounts
    on_accepted: Callable[[], None]  # wakes the ingest worker
    foreground: ForegroundFirst  # tells background workers a webhook is being accepted
    inbox_writer: InboxWriter  # stores the payloads of concurrent requests in one commit


def _answer(answer: WebhookAnswer) -> Response:
    if isinstance(answer.body, dict):
        return JSONResponse(answer.body, status_code=answer.status)
    return PlainTextResponse(answer.body, status_code=answer.status)


def _claims(source: Source, payload: Any) -> Callable[[], bool]:
    return lambda: source.claims(payload)


class WebhookRoutes:
    def __init__(self, deps: WebhookDeps) -> None:
        self._d = deps
        self._reader = InboxReader(deps.plugins)

    def routes(self) -> list[Route]:
        """A GET and a POST route for each source that takes webhooks, at start (one off for want of
        its settings answers 503 naming them)."""
        found: list[Route] = []
        for source in self._d.plugins.sources():
            if source.accepts_webhooks:
                path = f"/webhooks/{source.name}"
                found.append(Route(path, self._challenge_for(source), methods=["GET"]))
                found.append(Route(path, self._event_for(source), methods=["POST"]))
        return found

    def _challenge_for(self, source: Source) -> Callable[[Request], Any]:
        async def challenge(request: Request) -> Response:
            return await self.challenge(source, request)

        return challenge

    def _event_for(self, source: Source) -> Callable[[Request], Any]:
        async def event(request: Request) -> Response:
            return await self.event(source, request)

        return event

    async def _request(self, request: Request, body: bytes = b"") -> WebhookRequest:
        return WebhookRequest(
            method=request.method,
            path=request.url.path,
            query=dict(request.query_params),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
            now=self._d.clock.now(),
        )

    def _guarded_answer(
        self, source: Source, hook: str, call: Callable[[], WebhookAnswer | None]
    ) -> WebhookAnswer | None:
        """The hook's answer; a hook that raises switches its plugin off and the request gets 503."""
        unavailable: WebhookAnswer | None = WebhookAnswer.refuse(
            503, f"the source {source.name} is switched off"
        )
        return self._d.plugins.guarded(source, hook, call, unavailable)

    # -- GET: the platform's subscription check ---------------------------------------------
    async def challenge(self, source: Source, request: Request) -> Response:
        asked = await self._request(request)
        answer = self._guarded_answer(source, "challenge", lambda: source.challenge(asked))
        assert answer is not None  # a challenge always answers
        if answer.status in (401, 403):
            self._count(source.name, "forged")
        elif not answer.refused:
            self._count(source.name, "challenge")
        return _answer(answer)

    # -- POST: signed events -----------------------------------------------------------------
    async def event(self, source: Source, request: Request) -> Response:
        body = await request.body()
        asked = await self._request(request, body)
        refusal = self._guarded_answer(source, "verify", lambda: source.verify(asked))
        if refusal is not None:
            if refusal.status in (401, 403):
                return self._forged(source.name, refusal)
            return _answer(refusal)
        return await self._store(source, body, request)

    # -- shared tail ------------------------------------------------------------------------
    def _forged(self, name: str, refusal: WebhookAnswer) -> Response:
        self._count(name, "stale" if refusal.status == 403 else "forged")
        log.warning("webhook %s refused: %s", name, refusal.reason)
        return _answer(refusal)

    def _count(self, source: str, outcome: str) -> None:
        self._d.metrics.webhook_requests.labels(source=source, outcome=outcome).inc()

    async def _store(self, source: Source, body: bytes, request: Request) -> Response:
        self._d.foreground.request_started()
        try:
            return await self._store_now(source, body, request)
        finally:
            self._d.foreground.request_finished()

    def _claimant(self, route: Source, payload: Any) -> Source:
        """On a shared route, the source that claims the payload; else the route's own."""
        sharing = [s for s in self._d.plugins.sources() if s is not route and s.shared_route == route.name]
        for other in sharing:
            if self._d.plugins.guarded(other, "claims", _claims(other, payload), False):
                return other
        return route

    def _validate(self, route: Source, body: bytes) -> Source:
        """The source whose row this is, once its normalizer took the body (`MalformedPayload` if not)."""
        payload = parse_json(body)
        source = self._claimant(route, payload)
        try:
            self._reader.read(source, source.normalize, payload, self._d.brand)
        except SourceUnavailable:
            # The normalizer broke (its plugin is now off) or the source went off meanwhile: the
            # delivery is authentic, so it is kept for when the source runs again.
            log.error("webhook %s: stored without validation, the source is off", source.name)
        return source

    async def _store_now(self, route: Source, body: bytes, request: Request) -> Response:
        started = time.perf_counter()
        content_type = request.headers.get("content-type", "")
        if len(body) > MAX_BODY_BYTES:
            return await self._reject(
                route.name, body[:MAX_BODY_BYTES], content_type, "body larger than 1 MB"
            )
        try:
            name = self._validate(route, body).name  # now, so that the sender learns what is wrong
        except MalformedPayload as exc:
            return await self._reject(route.name, body, content_type, str(exc))
        result = await self._d.inbox_writer.accept(
            source=name, body=as_utf8(body), content_type=content_type, now=self._d.clock.now()
        )
        failpoint("webhook.after_inbox_commit")
        self._count(route.name, "duplicate" if result.duplicate else "accepted")
        self._d.metrics.ingest_latency.labels(source=route.name).observe(time.perf_counter() - started)
        if not result.duplicate:
            self._d.on_accepted()
        return JSONResponse({"ok": True, "inbox_id": result.inbox_id, "duplicate": result.duplicate})

    async def _reject(self, source: str, body: bytes, content_type: str, reason: str) -> Response:
        result = await run_in_threadpool(
            inbox.reject,
            self._d.engine,
            source=source,
            body=body,
            content_type=content_type,
            reason=reason,
            now=self._d.clock.now(),
        )
        self._count(source, "malformed")
        log.info("webhook %s malformed (inbox %s): %s", source, result.inbox_id, reason)
        return JSONResponse({"ok": False, "error": reason, "inbox_id": result.inbox_id}, status_code=400)
