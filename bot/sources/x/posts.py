"""Crisis statements posted on X as the brand: `POST {X_API_URL}tweets` with `{"text"}` and no `reply`.

`X_API_URL` already ends with `/2/`, as for the reply connector, whose OAuth 2.0 user token
(`X_ACCESS_TOKEN`, as bearer) and error mapping (`socialdesk.sources.x.errors`) this shares. X refuses a
text
the account already posted (403 "duplicate content"): that is REJECTED, so an update must differ from the
last statement. A text longer than X's 280 weighted characters is refused before any call.
"""

from __future__ import annotations

import json
from datetime import datetime

import httpx
from pydantic import SecretStr

from socialdesk.connectors.posts.base import BrandPost, PostedStatement
from socialdesk.connectors.posts.wire import empty_text, no_id, post_once
from socialdesk.plugins.replies import ErrorKind, PlatformError, response_json
from socialdesk.sources.x.errors import x_error
from socialdesk.sources.x.text import POST_LIMIT, weighted_length

PLATFORM = "X"


class XBrandPoster:
    """`client` may be shared; `base_url` is `X_API_URL` (ends with `/2/`)."""

    def __init__(self, client: httpx.Client, *, base_url: str, access_token: SecretStr) -> None:
        self._client = client
        self._url = (base_url if base_url.endswith("/") else base_url + "/") + "tweets"
        self._token = access_token

    def post(self, item: BrandPost, *, now: datetime) -> PostedStatement:
        _check(item.text)
        headers = {
            "Authorization": f"Bearer {self._token.get_secret_value()}",
            "Content-Type": "application/json",
        }
        content = json.dumps({"text": item.text}, ensure_ascii=False).encode()
        response = post_once(self._client, self._url, content=content, headers=headers, platform=PLATFORM)
        if response.status_code not in (200, 201):
            raise x_error(response, now, what="statement")
        body = response_json(response)
        data = body.get("data") if isinstance(body, dict) else None
        tweet_id = data.get("id") if isinstance(data, dict) else None
        if not isinstance(tweet_id, str) or not tweet_id:
            raise no_id(PLATFORM)
        return PostedStatement(tweet_id, url=f"https://x.com/i/web/status/{tweet_id}")


def _check(text: str) -> None:
    if not text.strip():
        raise empty_text(PLATFORM)
    length = weighted_length(text)
    if length > POST_LIMIT:
        raise PlatformError(
            ErrorKind.REJECTED,
            f"The statement is {length} characters as X counts them; X allows {POST_LIMIT}. Shorten it.",
        )
