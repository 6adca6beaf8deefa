"""Inbound webhook routes: verify, validate, make durable, then answer.

Outcomes, the same for every source:
  200 accepted (or a redelivery: `duplicate: true`, no second case);
  400 malformed, with the reason, the body kept in the inbox as rejected;
  401 missing or wrong signature, 403 stale timestamp: nothing stored, a counter counts it;
  503 the source is not configured (its secret is missing), so nothing can be verified.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import SecretStr
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from socialdesk.clock import Clock
from socialdesk.connectors import verify
from socialdesk.failpoints import failpoint
from socialdesk.ingest import inbox
from socialdesk.ingest.inbox_writer import InboxWriter
from socialdesk.ingest.normalizers import as_utf8, normalize
from socialdesk.plugins.payloads import BrandAccounts
from socialdesk.plugins.mentions import MalformedPayload
from socialdesk.metrics import Metrics
from socialdesk.settings import Settings
from socialdesk.workers import ForegroundFirst

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000


@dataclass
class WebhookDeps:
    settings: Settings
    engine: Engine
    clock: Clock
    metrics: Metrics
    brand: BrandAccounts
    on_accepted: Callable[[], None]  # wakes the ingest worker
    foreground: ForegroundFirst  # tells background workers a webhook is being accepted
    inbox_writer: InboxWriter  # stores the payloads of concurrent requests in one commit


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def _error(status: int, reason: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error": reason}, status_code=status)


class WebhookRoutes:
    def __init__(self, deps: WebhookDeps) -> None:
        self._d = deps

    def routes(self) -> list[Route]:
        return [
            Route("/webhooks/meta", self.meta_challenge, methods=["GET"]),
            Route("/webhooks/meta", self.meta_event, methods=["POST"]),
            Route("/webhooks/x", self.x_crc, methods=["GET"]),
            Route("/webhooks/x", self.x_event, methods=["POST"]),
            Route("/webhooks/generic", self.generic_event, methods=["POST"]),
        ]

    # -- verification challenges ------------------------------------------------------------
    async def meta_challenge(self, request: Request) -> Response:
        token = _secret(self._d.settings.meta_verify_token)
        if token is None:
            return _error(503, "META_VERIFY_TOKEN is not configured")
        challenge = verify.meta_challenge(request.query_params, token)
        self._count("meta", "challenge" if challenge is not None else "forged")
        if challenge is None:
            return _error(403, "hub.verify_token does not match")
        return PlainTextResponse(challenge)

    async def x_crc(self, request: Request) -> Response:
        secret = _secret(self._d.settings.x_consumer_secret)
        if secret is None:
            return _error(503, "X_CONSUMER_SECRET is not configured")
        crc_token = request.query_params.get("crc_token")
        if not crc_token:
            return _error(400, "crc_token query parameter is missing")
        self._count("x", "challenge")
        return JSONResponse(verify.x_crc_response(crc_token, secret))

    # -- signed events ----------------------------------------------------------------------
    async def meta_event(self, request: Request) -> Response:
        secret = _secret(self._d.settings.meta_app_secret)
        if secret is None:
            return _error(503, "META_APP_SECRET is not configured")
        body = await request.body()
        header = request.headers.get("x-hub-signature-256")
        if not header:
            return self._forged("meta", 401, "X-Hub-Signature-256 header is missing")
        if not verify.verify_meta_signature(body, header, secret):
            return self._forged("meta", 401, "X-Hub-Signature-256 does not match the body")
        return await self._store("meta", body, request)

    async def x_event(self, request: Request) -> Response:
        secret = _secret(self._d.settings.x_consumer_secret)
        if secret is None:
            return _error(503, "X_CONSUMER_SECRET is not configured")
        body = await request.body()
        header = request.headers.get("x-twitter-webhooks-signature")
        if not header:
            return self._forged("x", 401, "x-twitter-webhooks-signature header is missing")
        if not verify.verify_x_signature(body, header, secret):
            return self._forged("x", 401, "x-twitter-webhooks-signature does not match the body")
        return await self._store("x", body, request)

    async def generic_event(self, request: Request) -> Response:
        secret = _secret(self._d.settings.webhook_secret)
        if secret is None:
            return _error(503, "WEBHOOK_SECRET is not configured")
        body = await request.body()
        check = verify.check_generic_request(
            body,
            signature=request.headers.get("x-socialdesk-signature"),
            timestamp=request.headers.get("x-socialdesk-timestamp"),
            secret=secret,
            now=self._d.clock.now(),
        )
        if check.failure is not None:
            return self._forged(
                "generic", check.failure.http_status, f"X-Socialdesk-Signature: {check.reason}"
            )
        return await self._store("generic", body, request)

    # -- shared tail ------------------------------------------------------------------------
    def _forged(self, source: str, status: int, reason: str) -> Response:
        self._count(source, "stale" if status == 403 else "forged")
        log.warning("webhook %s refused: %s", source, reason)
        return _error(status, reason)

    def _count(self, source: str, outcome: str) -> None:
        self._d.metrics.webhook_requests.labels(source=source, outcome=outcome).inc()

    async def _store(self, source: str, body: bytes, request: Request) -> Response:
        self._d.foreground.request_started()
        try:
            return await self._store_now(source, body, request)
        finally:
            self._d.foreground.request_finished()

    async def _store_now(self, source: str, body: bytes, request: Request) -> Response:
        started = time.perf_counter()
        content_type = request.headers.get("content-type", "")
        if len(body) > MAX_BODY_BYTES:
            return await self._reject(source, body[:MAX_BODY_BYTES], content_type, "body larger than 1 MB")
        try:
            normalize(source, body, self._d.brand)  # validate now so the sender learns what is wrong
        except MalformedPayload as exc:
            return await self._reject(source, body, content_type, str(exc))
        result = await self._d.inbox_writer.accept(
            source=source, body=as_utf8(body), content_type=content_type, now=self._d.clock.now()
        )
        failpoint("webhook.after_inbox_commit")
        self._count(source, "duplicate" if result.duplicate else "accepted")
        self._d.metrics.ingest_latency.labels(source=source).observe(time.perf_counter() - started)
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
