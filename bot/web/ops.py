"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.metrics import Metrics
from bot.store.db import ping


def ops_routes(*, engine: Engine, metrics: Metrics, refresh_gauges: Callable[[], object]) -> list[Route]:
    async def healthz(_: Request) -> Response:
        return JSONResponse({"ok": True})

    async def readyz(_: Request) -> Response:
        try:
            await run_in_threadpool(ping, engine)
        except SQLAlchemyError as exc:
            return JSONResponse({"ok": False, "error": f"database unreachable: {type(exc).__name__}"}, 503)
        return JSONResponse({"ok": True, "database": engine.url.get_backend_name()})

    async def metrics_endpoint(_: Request) -> Response:
        await run_in_threadpool(refresh_gauges)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
    ]
