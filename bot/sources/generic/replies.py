"""Replies to mentions that came in through the generic webhook (reddit, review sites, anything else).

socialdesk cannot post on those sites itself, so it hands the reply to the integrator's receiver at
`GENERIC_REPLY_URL`, the mirror image of the generic webhook:

    POST GENERIC_REPLY_URL
    Content-Type: application/json
    Idempotency-Key: <stable for one click or command; a receiver must not post twice for one key>
    X-Socialdesk-Signature: sha256=<hex HMAC-SHA256 of the raw body with WEBHOOK_SECRET>

    {"idempotency_key", "platform", "in_reply_to": <the mention's id>, "conversation_key", "author_id",
     "visibility": "public" | "private", "text", "extra": <the mention's extra, ids a reply needs>}

The receiver answers 2xx, optionally with JSON `{"id", "url"}` naming what it posted (without an id the
idempotency key stands in). A refusal may say why as `{"error": <kind>, "message"}`, where kind is one of
`socialdesk.plugins.replies.ErrorKind` (auth, gone, window_closed, rate_limited, rejected,
unsupported,
unavailable) and the message is shown to the agent. Without one, the status decides: 401/403 AUTH,
404/410 GONE, 429 RATE_LIMITED (`Retry-After`), 5xx UNAVAILABLE, other 4xx REJECTED.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import httpx
from pydantic import SecretStr

from socialdesk.connectors.signing import GENERIC_SIGNATURE_HEADER, sign_generic
from socialdesk.plugins.replies import (
    ErrorKind,
    OutgoingReply,
    PlatformError,
    SentReply,
    post,
    quote,
    response_json,
    retry_after,
)

RATE_LIMIT_FALLBACK = timedelta(seconds=60)
RECEIVER = "The reply receiver (GENERIC_REPLY_URL)"


class GenericReplyConnector:
    def __init__(self, client: httpx.Client, *, url: str, secret: SecretStr) -> None:
        self._client = client
        self._url = url
        self._secret = secret

    def send(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        target = reply.target
        if not reply.text.strip():
            raise PlatformError(ErrorKind.REJECTED, "The reply is empty; write something to send.")
        payload = {
            "idempotency_key": reply.idempotency_key,
            "platform": target.platform.value,
            "in_reply_to": target.external_id,
            "conversation_key": target.conversation_key,
            "author_id": target.author_id,
            "visibility": reply.visibility.value,
            "text": reply.text,
            "extra": target.extra,
        }
        content = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        signature = sign_generic(content, self._secret.get_secret_value())[GENERIC_SIGNATURE_HEADER]
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": reply.idempotency_key,
            GENERIC_SIGNATURE_HEADER: signature,
        }
        response = post(self._client, self._url, content=content, headers=headers, platform=RECEIVER)
        if not 200 <= response.status_code < 300:
            raise _error(response, now)
        body = response_json(response)
        body = body if isinstance(body, dict) else {}
        new_id = body.get("id")
        url = body.get("url")
        return SentReply(
            external_id=str(new_id)
            if isinstance(new_id, str | int) and str(new_id)
            else reply.idempotency_key,
            url=url if isinstance(url, str) and url.startswith(("https://", "http://")) else None,
        )


def _error(response: httpx.Response, now: datetime) -> PlatformError:
    status = response.status_code
    body = response_json(response)
    body = body if isinstance(body, dict) else {}
    said = quote(body.get("message")) if body.get("message") else ""
    try:
        kind = ErrorKind(str(body.get("error")))
    except ValueError:
        kind = _kind_for(status)
    if kind is ErrorKind.RATE_LIMITED:
        when = retry_after(response.headers, now) or now + RATE_LIMIT_FALLBACK
        return PlatformError(
            kind, f"{RECEIVER} asks to slow down (HTTP {status}). {said}".strip(), retry_at=when
        )
    defaults = {
        ErrorKind.AUTH: "refused socialdesk's signature: WEBHOOK_SECRET must match on both sides",
        ErrorKind.GONE: "says the item was deleted or is no longer visible",
        ErrorKind.UNAVAILABLE: "failed; the reply may or may not have been posted: check before resending",
    }
    explanation = said or defaults.get(kind, "refused the reply")
    return PlatformError(kind, f"{RECEIVER} answered {status}: {explanation}")


def _kind_for(status: int) -> ErrorKind:
    if status in (401, 403):
        return ErrorKind.AUTH
    if status in (404, 410):
        return ErrorKind.GONE
    if status == 429:
        return ErrorKind.RATE_LIMITED
    if 400 <= status < 500:
        return ErrorKind.REJECTED
    return ErrorKind.UNAVAILABLE
