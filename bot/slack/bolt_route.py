"""Mounts a sync Bolt app at POST /slack/events on Starlette without blocking the event loop.

Bolt verifies the signature, acks within its own rules and runs lazy work on its thread pool.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_bolt import App, BoltRequest
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def bolt_route(app: App, path: str = "/slack/events") -> Route:
    async def endpoint(request: Request) -> Response:
        body = (await request.body()).decode("utf-8")
        headers: dict[str, str | Sequence[str]] = {}
        for key, value in request.headers.items():
            existing = headers.get(key.lower())
            headers[key.lower()] = [*existing, value] if isinstance(existing, list) else [value]
        bolt_request = BoltRequest(body=body, query=str(request.query_params), headers=headers)
        bolt_response = await run_in_threadpool(app.dispatch, bolt_request)
        response_headers = {k: v[0] for k, v in bolt_response.headers.items() if v}
        return Response(
            content=bolt_response.body, status_code=bolt_response.status, headers=response_headers
        )

    return Route(path, endpoint, methods=["POST"])
