"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from socialdesk.metrics import Metrics
from socialdesk.store.db import ping


def ops_routes(
    *,
    engine: Engine,
    metrics: Metrics,
    refresh_gauges: Callable[[], object],
    slack_status: Callable[[], dict[str, Any]] | None = None,
    plugin_status: Callable[[], dict[str, Any]] | None = None,
) -> list[Route]:
    """`slack_status` (bot/slack/transport/slack_health.py `SlackStatus.snapshot`) adds Slack's state and the
    outbox backlog to the readiness body; `plugin_status` each plugin's status and problems (a failed
    plugin is reported there, never a 503: socialdesk serves without it)."""

    async def healthz(_: Request) -> Response:
        return JSONResponse({"ok": True})

    async def readyz(_: Request) -> Response:
        try:
            await run_in_threadpool(ping, engine)
            slack = await run_in_threadpool(slack_status) if slack_status is not None else {}
        except SQLAlchemyError as exc:
            body = {"ok": False, "database": "unreachable", "error": f"{type(exc).__name__}"}
            return JSONResponse(body, 503)
        # Slack being degraded is reported, never a 503: webhooks are still accepted and stored (the
        # outbox catches up later), and a load balancer would otherwise take every replica out at once.
        backend = engine.url.get_backend_name()
        plugins = plugin_status() if plugin_status is not None else {}
        return JSONResponse({"ok": True, "database": "ok", "database_backend": backend, **slack, **plugins})

    async def metrics_endpoint(_: Request) -> Response:
        await run_in_threadpool(refresh_gauges)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
    ]
