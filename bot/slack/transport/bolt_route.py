"""Mounts a sync Bolt app at POST /slack/events on Starlette without blocking the event loop.

Bolt verifies the signature, acks within its own rules and runs lazy work on its thread pool.

Slash commands and block actions are acknowledged as soon as their signature is verified
(`ack_first`), before their listener runs. In Bolt's threaded mode the listener itself calls ack() on
the listener pool, so without this an ack waited for a free pool thread, i.e. behind the work of
every earlier request (claims queueing for SQLite's write lock, queue queries, response_url posts):
under a burst acks took as long as that backlog, and past Slack's 3 seconds Slack shows the user an
error. Every command and block-action listener here acks with no payload, so acking earlier changes
nothing else; their own ack() calls become no-ops. View submissions (which may answer with
`response_action: errors`), options and shortcuts are left to their listeners.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from socialdesk.slack.transport.offload import OffloadSlot
from socialdesk.slack.transport.request_checks import SlackRequestChecks

_ACK_FIRST_INSTALLED = "_socialdesk_ack_first"


def _acks_without_payload(body: dict[str, Any]) -> bool:
    return bool(body.get("command")) or body.get("type") == "block_actions"


def ack_first(app: App) -> None:
    """Ack slash commands and block actions in the request thread, right after Bolt's signature check
    (global middleware runs after it), instead of when the listener gets a pool thread."""
    if getattr(app, _ACK_FIRST_INSTALLED, False):
        return

    def ack_at_once(body: dict[str, Any], ack: Any, next_: Callable[[], BoltResponse]) -> BoltResponse:
        if _acks_without_payload(body):
            ack()
        return next_()

    app.middleware(ack_at_once)
    setattr(app, _ACK_FIRST_INSTALLED, True)


def bolt_route(
    app: App,
    path: str = "/slack/events",
    *,
    offload: OffloadSlot | None = None,
    checks: SlackRequestChecks | None = None,
) -> Route:
    ack_first(app)

    async def endpoint(request: Request) -> Response:
        raw = await request.body()
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            return JSONResponse({"ok": False, "error": "body is not UTF-8"}, status_code=400)
        headers: dict[str, str | Sequence[str]] = {}
        for key, value in request.headers.items():
            existing = headers.get(key.lower())
            headers[key.lower()] = [*existing, value] if isinstance(existing, list) else [value]
        if checks is not None:
            # Before a listener process can take it: replays are remembered here, in one process. The
            # first request may ask Slack who we are (auth.test): off the event loop.
            if checks.workspace.known:
                refused = checks.refusal(body, headers)
            else:
                refused = await run_in_threadpool(checks.refusal, body, headers)
            if refused is not None and refused.status == 200:
                return Response(status_code=200)  # a retry of an event already worked: ack, don't redo
            if refused is not None:
                return JSONResponse({"ok": False, "error": refused.reason}, refused.status)
        if offload is not None and offload.take(body, headers):
            return Response(status_code=200)  # verified and handed to a listener process
        try:
            bolt_request = BoltRequest(body=body, query=str(request.query_params), headers=headers)
        except ValueError:  # Bolt parses the body before it checks the signature: not JSON, say so
            return JSONResponse({"ok": False, "error": "body cannot be parsed"}, status_code=400)
        bolt_response = await run_in_threadpool(app.dispatch, bolt_request)
        response_headers = {k: v[0] for k, v in bolt_response.headers.items() if v}
        return Response(
            content=bolt_response.body, status_code=bolt_response.status, headers=response_headers
        )

    return Route(path, endpoint, methods=["POST"])
