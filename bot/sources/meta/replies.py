"""Replies on Facebook, Instagram and Messenger through the Graph API, with the Page token `META_PAGE_TOKEN`.

The endpoint follows from what ingest stored (bot/ingest/normalizers/meta_changes.py, meta_messaging.py):

    Facebook post / comment, public        POST /{post or comment id}/comments          message
    Facebook reply (comment under comment) POST /{top-level comment id}/comments        (extra parent_id)
    Facebook review, public                POST /{review id}/comments
    Instagram comment, public              POST /{comment id}/replies                   (a reply: its parent)
    Instagram @-mention (caption/comment)  POST /{ig account id}/mentions               media_id, comment_id
    comment or post, private               POST /{page id}/messages  recipient {comment_id | post_id}
    Messenger / Instagram DM               POST /{page id}/messages  recipient {id: extra recipient_id}

The page is the mention's `extra["page_id"]`, else `META_PAGE_ID`, else `me` (a Page token's own Page).
The token travels in the JSON body, never in the URL, so it cannot reach an access log or httpx's request
log; `appsecret_proof` is added when `META_APP_SECRET` is known. A private reply to a comment or post more
than 7 days old is refused before calling, as Meta would refuse it.

Graph errors are mapped by `error.code` / `error_subcode`, then by HTTP status:

    190, 102, 104, 200-299 (token, permissions)       AUTH
    10 + 2018278, "outside of allowed window"         WINDOW_CLOSED
    4, 17, 32, 613, 80001-80014 (rate limits)         RATE_LIMITED, retry_at: Retry-After, usage header, +60 s
    100 + 33, 100 + 2018001, 10, 551                  GONE
    1, 2, is_transient, 5xx, timeout, network         UNAVAILABLE
    other 4xx (100 invalid, 10900 already replied...) REJECTED

The mapping lives in `socialdesk.sources.meta.errors`, shared with the brand poster.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from pydantic import SecretStr

from socialdesk.domain.enums import MentionKind, Platform, ReplyVisibility
from socialdesk.plugins.replies import (
    ErrorKind,
    OutgoingReply,
    PlatformError,
    ReplyTarget,
    SentReply,
    post,
    response_json,
)
from socialdesk.sources.meta.errors import meta_error

PRIVATE_REPLY_WINDOW = timedelta(days=7)
MESSAGE_LIMIT = 2000  # Send API text limit; a longer text is refused by Graph with code 100
_ID = re.compile(r"[0-9A-Za-z_]+")  # ids go into the URL path


@dataclass(frozen=True, slots=True)
class _Call:
    path: str
    params: dict[str, Any]
    id_key: str  # where Graph's answer puts the new object's id


class MetaReplyConnector:
    """`client` may be shared; `graph_url` is `META_GRAPH_URL` (ends with the version and `/`)."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        graph_url: str,
        page_token: SecretStr,
        app_secret: SecretStr | None = None,
        page_id: str | None = None,
    ) -> None:
        self._client = client
        self._graph_url = graph_url if graph_url.endswith("/") else graph_url + "/"
        self._token = page_token
        self._app_secret = app_secret
        self._page_id = page_id

    def send(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        call = self._plan(reply, now)
        token = self._token.get_secret_value()
        body = {**call.params, "access_token": token}
        if self._app_secret is not None:
            secret = self._app_secret.get_secret_value().encode()
            body["appsecret_proof"] = hmac.new(secret, token.encode(), hashlib.sha256).hexdigest()
        content = json.dumps(body, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        response = post(
            self._client, self._graph_url + call.path, content=content, headers=headers, platform="Meta"
        )
        if response.status_code != 200:
            raise meta_error(response, now)
        data = response_json(response)
        new_id = data.get(call.id_key) if isinstance(data, dict) else None
        if not isinstance(new_id, str) or not new_id:
            raise PlatformError(
                ErrorKind.UNAVAILABLE,
                "Meta accepted the request but its answer had no id. The reply was probably posted: check "
                "before sending it again.",
            )
        return SentReply(new_id)

    # -- choosing the endpoint --------------------------------------------------------------------
    def _plan(self, reply: OutgoingReply, now: datetime) -> _Call:
        target, text = reply.target, reply.text
        if not text.strip():
            raise PlatformError(ErrorKind.REJECTED, "The reply is empty; write something to send.")
        private = reply.visibility is ReplyVisibility.PRIVATE
        if target.platform is Platform.MESSENGER or target.kind is MentionKind.DIRECT or target.is_private:
            if not private:
                raise PlatformError(
                    ErrorKind.UNSUPPORTED, "A private message can only be answered privately: send a DM."
                )
            customer = str(target.extra.get("recipient_id") or target.author_id)
            return self._message(target, {"id": _checked(customer, "customer")}, text)
        if target.platform is Platform.INSTAGRAM:
            return self._instagram(target, text, private, now)
        if target.platform is Platform.FACEBOOK:
            return self._facebook(target, text, private, now)
        raise PlatformError(ErrorKind.UNSUPPORTED, f"{target.platform.label} is not answered through Meta.")

    def _facebook(self, target: ReplyTarget, text: str, private: bool, now: datetime) -> _Call:
        if target.kind is MentionKind.REVIEW:
            if private:
                raise PlatformError(
                    ErrorKind.UNSUPPORTED, "Facebook allows no private reply to a review; answer it publicly."
                )
            review = str(target.extra.get("review_id") or target.external_id)
            return _Call(f"{_checked(review, 'review')}/comments", {"message": text}, "id")
        if private:
            _check_window(target, now)
            key = "post_id" if target.kind is MentionKind.POST else "comment_id"
            return self._message(target, {key: _checked(target.external_id, target.kind.value)}, text)
        node = target.external_id
        if target.kind is MentionKind.REPLY and target.extra.get("parent_id"):
            # Facebook threads are two levels deep: an answer to a reply goes under its top-level comment.
            node = str(target.extra["parent_id"])
        return _Call(f"{_checked(node, 'comment')}/comments", {"message": text}, "id")

    def _instagram(self, target: ReplyTarget, text: str, private: bool, now: datetime) -> _Call:
        extra = target.extra
        if extra.get("mentioned") == "true":
            # The media is someone else's: only the mentions edge of our own account may answer there.
            if private:
                raise PlatformError(
                    ErrorKind.UNSUPPORTED,
                    "Instagram allows no private reply to a mention on someone else's post; reply publicly.",
                )
            account, media = extra.get("ig_account_id"), extra.get("media_id")
            if not account or not media:
                raise PlatformError(
                    ErrorKind.UNSUPPORTED, "This Instagram mention lacks the account or media id to reply to."
                )
            params: dict[str, Any] = {"media_id": _checked(str(media), "media"), "message": text}
            if target.kind is not MentionKind.POST:
                params["comment_id"] = _checked(str(extra.get("comment_id") or target.external_id), "comment")
            return _Call(f"{_checked(str(account), 'account')}/mentions", params, "id")
        if target.kind is MentionKind.POST:
            if private:
                raise PlatformError(ErrorKind.UNSUPPORTED, "Instagram allows no private reply to a post.")
            return _Call(f"{_checked(target.external_id, 'media')}/comments", {"message": text}, "id")
        if private:
            _check_window(target, now)
            return self._message(target, {"comment_id": _checked(target.external_id, "comment")}, text)
        node = target.external_id
        if target.kind is MentionKind.REPLY and extra.get("parent_id"):
            node = str(extra["parent_id"])  # Instagram takes replies under top-level comments only
        return _Call(f"{_checked(node, 'comment')}/replies", {"message": text}, "id")

    def _message(self, target: ReplyTarget, recipient: dict[str, str], text: str) -> _Call:
        if len(text) > MESSAGE_LIMIT:
            raise PlatformError(
                ErrorKind.REJECTED,
                f"The message is {len(text)} characters; Meta allows {MESSAGE_LIMIT}. Shorten it.",
            )
        page = target.extra.get("page_id") if target.platform is not Platform.INSTAGRAM else None
        page = str(page or self._page_id or "me")
        params = {"recipient": recipient, "message": {"text": text}, "messaging_type": "RESPONSE"}
        return _Call(f"{_checked(page, 'page')}/messages", params, "message_id")


def _checked(value: str, what: str) -> str:
    if not _ID.fullmatch(value):
        raise PlatformError(ErrorKind.UNSUPPORTED, f"This mention has no usable {what} id to reply to.")
    return value


def _check_window(target: ReplyTarget, now: datetime) -> None:
    if now - target.posted_at >= PRIVATE_REPLY_WINDOW:
        raise PlatformError(
            ErrorKind.WINDOW_CLOSED,
            f"{target.platform.label} allows a private reply only within 7 days of the "
            f"{target.kind.value}, posted {target.posted_at:%Y-%m-%d %H:%M} UTC. Reply publicly instead.",
        )
