"""The floor: a bare Starlette endpoint doing the same HMAC check and one SQLite insert per request.

Run by benchmarks/ingest.py as `uvicorn benchmarks.floor_app:app` with FLOOR_DB and FLOOR_SECRET set.

`bolt_floor_app` is the floor for Slack acknowledgements (benchmarks/ack_latency.py): a bare Bolt app.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Any

from sqlalchemy import Column, Integer, MetaData, Table, Text, insert
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from socialdesk.store.db import make_engine

SECRET = os.environ.get("FLOOR_SECRET", "floor").encode()
engine = make_engine(f"sqlite:///{os.environ.get('FLOOR_DB', '/tmp/floor.db')}")
metadata = MetaData()
raw = Table("raw", metadata, Column("id", Integer, primary_key=True), Column("body", Text, nullable=False))
metadata.create_all(engine)


def _insert(body: bytes) -> int:
    with engine.begin() as conn:
        return int(conn.execute(insert(raw).values(body=body.decode())).inserted_primary_key[0])


async def receive(request: Request) -> JSONResponse:
    body = await request.body()
    expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, request.headers.get("x-socialdesk-signature", "")):
        return JSONResponse({"ok": False}, status_code=401)
    row = await run_in_threadpool(_insert, body)
    return JSONResponse({"ok": True, "id": row})


app = Starlette(routes=[Route("/webhooks/generic", receive, methods=["POST"])])


def bolt_floor_app(*, signing_secret: str, token: str, slack_api_url: str) -> Starlette:
    """The floor for Slack acks (benchmarks/ack_latency.py): a bare Bolt app with the same signing
    secret, Bolt settings and server stack (Starlette + `bolt_route` + uvicorn) as socialdesk, whose
    listeners only call ack(). Imported lazily so that the webhook floor above keeps its imports."""
    import re

    from slack_bolt import App
    from slack_sdk import WebClient

    from socialdesk.slack.transport.bolt_route import bolt_route

    client = WebClient(token=token, base_url=slack_api_url, timeout=10, retry_handlers=[])
    bolt = App(
        client=client,
        signing_secret=signing_secret,
        token_verification_enabled=False,
        process_before_response=False,
        raise_error_for_unhandled_request=False,
    )

    def only_ack(ack: Any) -> None:
        ack()

    bolt.command(re.compile(r"^/.*"))(only_ack)
    bolt.action(re.compile(r".*"))(only_ack)
    bolt.view(re.compile(r".*"))(only_ack)
    return Starlette(routes=[bolt_route(bolt)])
