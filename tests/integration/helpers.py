"""Building and sending realistic signed webhook requests to the live server."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx

from socialdesk.connectors.signing import sign_generic
from socialdesk.sources.meta.verify import sign_meta
from socialdesk.sources.x.verify import sign_x
from tests import support


def generic_mention(
    mid: str,
    text: str,
    *,
    platform: str = "reddit",
    handle: str = "casey",
    created_at: datetime,
    followers: int | None = None,
    in_reply_to: str | None = None,
    kind: str = "post",
) -> dict[str, Any]:
    return {
        "platform": platform,
        "id": mid,
        "kind": kind,
        "text": text,
        "created_at": created_at.isoformat(),
        "author": {
            "id": f"{platform}-{handle}",
            "handle": handle,
            "name": handle.title(),
            "followers": followers,
        },
        "url": f"https://example.com/{platform}/{mid}",
        "in_reply_to": in_reply_to,
    }


def post_generic(
    base: str,
    payload: dict[str, Any] | bytes,
    *,
    secret: str = support.WEBHOOK_SECRET,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    sent = {"Content-Type": "application/json", **sign_generic(body, secret), **(headers or {})}
    return httpx.post(f"{base}/webhooks/generic", content=body, headers=sent, timeout=10)


def post_meta(base: str, payload: dict[str, Any], *, secret: str = support.META_APP_SECRET) -> httpx.Response:
    body = json.dumps(payload).encode()
    return httpx.post(
        f"{base}/webhooks/meta",
        content=body,
        headers={"Content-Type": "application/json", **sign_meta(body, secret)},
        timeout=10,
    )


def post_x(base: str, payload: dict[str, Any], *, secret: str = support.X_CONSUMER_SECRET) -> httpx.Response:
    body = json.dumps(payload).encode()
    return httpx.post(
        f"{base}/webhooks/x",
        content=body,
        headers={"Content-Type": "application/json", **sign_x(body, secret)},
        timeout=10,
    )


def post_slack(
    base: str, body: str, *, content_type: str = "application/x-www-form-urlencoded"
) -> httpx.Response:
    return httpx.post(
        f"{base}/slack/events",
        content=body.encode(),
        headers=support.slack_headers(body, content_type=content_type),
        timeout=10,
    )


def settle(runtime: Any, clock: Any) -> None:
    """Everything pending processed and sent, the manual clock moved along (see Runtime.run_until_idle)."""
    runtime.run_until_idle(clock)
