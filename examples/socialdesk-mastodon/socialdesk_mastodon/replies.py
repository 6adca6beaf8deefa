"""Answering on Mastodon: a status in reply to the customer's, public or as a direct message.

Mastodon shows a reply to the people it mentions, so the answer starts with the customer's `@acct`
(for a direct message that mention is what makes it reach them at all). A private answer is a status
with `visibility: direct`; an answer to a direct message is always direct, so a conversation that
started privately never becomes public. Each request carries socialdesk's idempotency key as
`Idempotency-Key`, so Mastodon posts one status even when an answer is sent again after a timeout.
"""

from __future__ import annotations

from datetime import datetime

import httpx

from socialdesk.plugins import ErrorKind, OutgoingReply, PlatformError, ReplyVisibility, SentReply
from socialdesk_mastodon.api import MastodonApi, error_text, retry_time
from socialdesk_mastodon.text import MAX_STATUS, status_length


def reply_text(reply: OutgoingReply) -> str:
    acct = str(reply.target.extra.get("acct") or "")
    mention = f"@{acct}" if acct else ""
    if not mention or reply.text.casefold().startswith(mention.casefold()):
        return reply.text
    return f"{mention} {reply.text}"


def visibility(reply: OutgoingReply) -> str:
    if reply.visibility is ReplyVisibility.PRIVATE or reply.target.is_private:
        return "direct"
    return "public"


def send(api: MastodonApi, reply: OutgoingReply, *, now: datetime) -> SentReply:
    text = reply_text(reply)
    if status_length(text) > MAX_STATUS:
        raise PlatformError(
            ErrorKind.REJECTED,
            f"With the customer's @mention the reply is {status_length(text)} characters; Mastodon takes "
            f"{MAX_STATUS}. Shorten it and send again.",
        )
    body = {"status": text, "in_reply_to_id": reply.target.external_id, "visibility": visibility(reply)}
    try:
        response = api.post_status(body, idempotency_key=reply.idempotency_key)
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        raise PlatformError(ErrorKind.UNAVAILABLE, "Could not reach Mastodon; nothing was posted.") from exc
    except httpx.HTTPError as exc:
        raise PlatformError(
            ErrorKind.UNAVAILABLE,
            f"The connection to Mastodon failed ({type(exc).__name__}). Sending again is safe: Mastodon "
            "posts one status per request key.",
        ) from exc
    return _answer(response, now)


def _answer(response: httpx.Response, now: datetime) -> SentReply:
    status, reason = response.status_code, error_text(response)
    if status == 200:
        posted = response.json()
        if not isinstance(posted, dict) or not posted.get("id"):
            raise PlatformError(ErrorKind.UNAVAILABLE, "Mastodon accepted the reply but did not say its id.")
        return SentReply(external_id=str(posted["id"]), url=posted.get("url"))
    if status in (401, 403):
        raise PlatformError(
            ErrorKind.AUTH, f"Mastodon refused the access token ({reason}): an admin must set a new one."
        )
    if status == 404:
        raise PlatformError(
            ErrorKind.GONE, "The customer's status was deleted or is no longer visible to us."
        )
    if status == 422:
        raise PlatformError(ErrorKind.REJECTED, f"Mastodon refused the reply: {reason}")
    if status == 429:
        retry_at = retry_time(response.headers, now)
        raise PlatformError(
            ErrorKind.RATE_LIMITED, f"Mastodon asks us to wait until {retry_at:%H:%M} UTC.", retry_at=retry_at
        )
    raise PlatformError(
        ErrorKind.UNAVAILABLE,
        f"Mastodon answered {status} ({reason}). Sending again is safe: it posts one status per request key.",
    )
