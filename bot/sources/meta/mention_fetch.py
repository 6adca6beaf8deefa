"""Fetching an Instagram @mention's text and author from the Graph API at ingest, before its card.

Meta's `mentions` webhook says only where the brand was mentioned (a comment id, a media id). The source
reads it through the brand's own IG user node (Meta allows no read of someone else's comment directly):

    GET /{ig-user-id}?fields=mentioned_comment.comment_id({comment-id})
        {id,text,username,timestamp,media{id,permalink}}
    GET /{ig-user-id}?fields=mentioned_media.media_id({media-id})
        {id,caption,username,timestamp,permalink}

The Page token goes in the `Authorization` header (never in the URL, so no access log holds it), the
`appsecret_proof` in the query when `META_APP_SECRET` is known.

The source calls this from its `complete` hook, which only ingest calls: the webhook answers Meta once
the delivery is verified, validated and stored, never after a Graph call (Meta waits for its 200).

A fetch that fails (Graph down, token expired, rate limited) never loses the mention: it goes on with
`extra["pending"]` saying what is missing and why, and its text says so on the card. socialdesk reads the
stored webhook again later (socialdesk.ingest.completion) and updates the case when the fetch succeeds.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from datetime import datetime

import httpx
from pydantic import SecretStr

from socialdesk.plugins.mentions import MalformedPayload, NormalizedMention
from socialdesk.plugins.replies import ErrorKind, PlatformError, response_json
from socialdesk.sources.meta.errors import meta_error
from socialdesk.sources.meta.hydrate import hydrate_instagram_mention

PENDING = "pending"  # extra key: what could not be fetched yet, and why (socialdesk.ingest.completion)
COMMENT_FIELDS = "id,text,username,timestamp,media{id,permalink}"
MEDIA_FIELDS = "id,caption,username,timestamp,permalink"
NO_TOKEN = "META_PAGE_TOKEN is not set"


class MentionFetcher:
    """Completes `extra["hydrate"]` mentions; one GET each, with a short timeout (ingest waits on it)."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        graph_url: str,
        page_token: SecretStr | None,
        app_secret: SecretStr | None = None,
        timeout: float = 3.0,
    ) -> None:
        self._client = client
        self._graph_url = graph_url if graph_url.endswith("/") else graph_url + "/"
        self._token = page_token
        self._app_secret = app_secret
        self._timeout = timeout

    def complete(self, mention: NormalizedMention, *, now: datetime) -> NormalizedMention:
        """The mention with its author, text and link; or, when the fetch fails, marked pending with a
        text that tells the agent what is missing."""
        target = mention.extra.get("hydrate")
        if target not in ("comment", "media"):
            return mention
        try:
            return hydrate_instagram_mention(mention, self._fetch(mention, target, now))
        except PlatformError as exc:
            return pending(mention, exc.message)
        except MalformedPayload as exc:
            return pending(mention, f"Instagram's answer was not what it documents ({exc})")

    def _fetch(self, mention: NormalizedMention, target: str, now: datetime) -> object:
        if self._token is None:
            raise PlatformError(ErrorKind.UNAVAILABLE, f"{NO_TOKEN}: ask an admin to connect the Page")
        account = mention.extra.get("ig_account_id")
        object_id = mention.extra.get("comment_id" if target == "comment" else "media_id")
        if not account or not account.isdigit() or not object_id or not object_id.isalnum():
            raise MalformedPayload("the webhook named no Instagram account or object to read")
        if target == "comment":
            fields = f"mentioned_comment.comment_id({object_id}){{{COMMENT_FIELDS}}}"
        else:
            fields = f"mentioned_media.media_id({object_id}){{{MEDIA_FIELDS}}}"
        token = self._token.get_secret_value()
        params = {"fields": fields}
        if self._app_secret is not None:
            secret = self._app_secret.get_secret_value().encode()
            params["appsecret_proof"] = hmac.new(secret, token.encode(), hashlib.sha256).hexdigest()
        try:
            response = self._client.get(
                self._graph_url + account,
                params=params,
                headers={"Authorization": f"Bearer {token}"},
                timeout=self._timeout,
            )
        except httpx.HTTPError as exc:
            raise PlatformError(
                ErrorKind.UNAVAILABLE, f"Instagram could not be reached ({type(exc).__name__})"
            ) from exc
        if response.status_code != 200:
            raise meta_error(response, now, what="mention")
        return response_json(response)


def pending(mention: NormalizedMention, why: str) -> NormalizedMention:
    """The mention as the card shows it until the fetch succeeds: what is missing, and why."""
    where = "a comment" if mention.extra.get("hydrate") == "comment" else "a caption"
    note = f"author and text not fetched yet: {why}"
    text = f"[mentioned us in {where}; {note}. socialdesk tries again and updates this case]"
    return dataclasses.replace(mention, text=text, extra={**mention.extra, PENDING: note[:500]})
