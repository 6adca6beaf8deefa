"""Crisis statements posted on the Facebook Page as the brand: `POST {META_GRAPH_URL}{META_PAGE_ID}/feed`.

The Page token (`META_PAGE_TOKEN`) and, when `META_APP_SECRET` is known, its `appsecret_proof` travel in
the JSON body exactly as the Meta reply connector sends them, never in the URL, so they cannot reach an
access log or httpx's request log. Graph answers `{"id": "<page>_<post>"}`; errors are mapped as for
replies (`socialdesk.sources.meta.errors`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime

import httpx
from pydantic import SecretStr

from socialdesk.connectors.posts.base import BrandPost, PostedStatement
from socialdesk.connectors.posts.wire import empty_text, no_id, post_once
from socialdesk.plugins.replies import ErrorKind, PlatformError, response_json
from socialdesk.sources.meta.errors import meta_error

PLATFORM = "Facebook"
POST_LIMIT = 63_206  # the longest Page post Facebook accepts


class FacebookBrandPoster:
    """`client` may be shared; `graph_url` is `META_GRAPH_URL` (ends with the version and `/`)."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        graph_url: str,
        page_id: str,
        page_token: SecretStr,
        app_secret: SecretStr | None = None,
    ) -> None:
        self._client = client
        self._url = (graph_url if graph_url.endswith("/") else graph_url + "/") + f"{page_id}/feed"
        self._token = page_token
        self._app_secret = app_secret

    def post(self, item: BrandPost, *, now: datetime) -> PostedStatement:
        _check(item.text)
        content = json.dumps(self._body(item.text), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        response = post_once(self._client, self._url, content=content, headers=headers, platform=PLATFORM)
        if response.status_code != 200:
            raise meta_error(response, now, what="statement")
        data = response_json(response)
        post_id = data.get("id") if isinstance(data, dict) else None
        if not isinstance(post_id, str) or not post_id:
            raise no_id(PLATFORM)
        return PostedStatement(post_id, url=f"https://www.facebook.com/{post_id}")

    def _body(self, text: str) -> dict[str, str]:
        token = self._token.get_secret_value()
        body = {"message": text, "access_token": token}
        if self._app_secret is not None:
            secret = self._app_secret.get_secret_value().encode()
            body["appsecret_proof"] = hmac.new(secret, token.encode(), hashlib.sha256).hexdigest()
        return body


def _check(text: str) -> None:
    if not text.strip():
        raise empty_text(PLATFORM)
    if len(text) > POST_LIMIT:
        raise PlatformError(
            ErrorKind.REJECTED,
            f"The statement is {len(text)} characters; a Facebook post may have {POST_LIMIT}. Shorten it.",
        )
