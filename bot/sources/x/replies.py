"""Replies on X through the API v2, with the OAuth 2.0 user token `X_ACCESS_TOKEN` as bearer.

- public: `POST {X_API_URL}tweets` `{"text", "reply": {"in_reply_to_tweet_id": <the customer's post>}}`;
- private: `POST {X_API_URL}dm_conversations/with/{customer id}/messages` `{"text"}`.

A public reply longer than X's 280 weighted characters is refused before any call, so the agent can
shorten it; X would answer 400 anyway. The length is `socialdesk.sources.x.text.weighted_length`, the
same counter the reply preview and the crisis statement checks use. Errors, as X reports them:

    401, 403 with an authentication problem type       AUTH
    403 "deleted or not visible", 404                  GONE
    403 duplicate content, other 400 / 403 / 4xx       REJECTED (X's own detail quoted)
    429                                                RATE_LIMITED, retry_at = x-rate-limit-reset
    5xx, timeout, network                              UNAVAILABLE

The mapping lives in `socialdesk.sources.x.errors`, shared with the brand poster.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx
from pydantic import SecretStr

from socialdesk.domain.enums import MentionKind, ReplyVisibility
from socialdesk.plugins.replies import (
    ErrorKind,
    OutgoingReply,
    PlatformError,
    SentReply,
    post,
    response_json,
)
from socialdesk.sources.x.errors import x_error
from socialdesk.sources.x.text import POST_LIMIT, URL_WEIGHT, weighted_length

__all__ = ["DM_LIMIT", "POST_LIMIT", "URL_WEIGHT", "XReplyConnector", "weighted_length"]

DM_LIMIT = 10_000
PLATFORM = "X"


class XReplyConnector:
    """`client` may be shared; `base_url` is `X_API_URL` (ends with `/2/`)."""

    def __init__(self, client: httpx.Client, *, base_url: str, access_token: SecretStr) -> None:
        self._client = client
        self._base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._token = access_token

    def send(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        url, body = self._request(reply)
        headers = {
            "Authorization": f"Bearer {self._token.get_secret_value()}",
            "Content-Type": "application/json",
        }
        content = json.dumps(body, ensure_ascii=False).encode()
        response = post(self._client, url, content=content, headers=headers, platform=PLATFORM)
        if response.status_code not in (200, 201):
            raise x_error(response, now)
        data = response_json(response)
        data = data.get("data") if isinstance(data, dict) else None
        if not isinstance(data, dict):
            raise _no_id()
        if "reply" in body:
            tweet_id = data.get("id")
            if not isinstance(tweet_id, str) or not tweet_id:
                raise _no_id()
            return SentReply(tweet_id, url=f"https://x.com/i/web/status/{tweet_id}")
        event_id = data.get("dm_event_id")
        if not isinstance(event_id, str) or not event_id:
            raise _no_id()
        return SentReply(event_id)

    def _request(self, reply: OutgoingReply) -> tuple[str, dict[str, Any]]:
        target, text = reply.target, reply.text
        if not text.strip():
            raise PlatformError(ErrorKind.REJECTED, "The reply is empty; write something to send.")
        if reply.visibility is ReplyVisibility.PRIVATE:
            if not target.author_id.isdigit():
                raise PlatformError(
                    ErrorKind.UNSUPPORTED,
                    "This mention has no X user id, so a direct message cannot be sent.",
                )
            if len(text) > DM_LIMIT:
                raise PlatformError(
                    ErrorKind.REJECTED,
                    f"The message is {len(text)} characters; X allows {DM_LIMIT} in a DM. Shorten it.",
                )
            return f"{self._base_url}dm_conversations/with/{target.author_id}/messages", {"text": text}
        if target.is_private or target.kind is MentionKind.DIRECT:
            raise PlatformError(
                ErrorKind.UNSUPPORTED, "A direct message can only be answered privately: send a DM instead."
            )
        if not target.external_id.isdigit():
            raise PlatformError(ErrorKind.UNSUPPORTED, "This mention has no X post id to reply to.")
        length = weighted_length(text)
        if length > POST_LIMIT:
            raise PlatformError(
                ErrorKind.REJECTED,
                f"The reply is {length} characters as X counts them; X allows {POST_LIMIT}. "
                "Shorten it, or answer by DM.",
            )
        return f"{self._base_url}tweets", {
            "text": text,
            "reply": {"in_reply_to_tweet_id": target.external_id},
        }


def _no_id() -> PlatformError:
    return PlatformError(
        ErrorKind.UNAVAILABLE,
        "X accepted the request but its answer had no id. The reply was probably posted: check on X "
        "before sending it again.",
    )
