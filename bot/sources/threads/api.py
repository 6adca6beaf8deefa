"""The Threads Graph API calls the source makes, over socialdesk's shared httpx client.

Paths are under `{THREADS_API_URL}v1.0/`. The token travels in an `Authorization: Bearer` header, never
in a URL (URLs end up in access logs and exception messages). Every answer may carry Meta's usage
header, `X-App-Usage: {"call_count": %, "total_cputime": %, "total_time": %}`: percentages of the app's
rolling 24-hour budget for this user (Threads: 4800 calls times the account's impressions); at 100 Meta
starts refusing, so the poller stops before that (`usage_percent`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta

import httpx
from pydantic import SecretStr

from socialdesk.plugins.replies import retry_after

API_VERSION = "v1.0"
# Fields of a Threads media object the normalizer reads (author, text, threading, link).
MEDIA_FIELDS = (
    "id,username,text,media_type,permalink,shortcode,timestamp,is_reply,replied_to,root_post,"
    "is_reply_owned_by_me,is_quote_post,hide_status"
)
USAGE_HEADERS = ("x-app-usage", "x-business-use-case-usage")
# Graph error codes meaning "too many calls" (application, user, page and custom-rate limits).
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613})
# A 429 or a limit code without any hint of when: Meta's usage windows move by the hour.
FALLBACK_WAIT = timedelta(minutes=15)
FULL_USAGE_WAIT = timedelta(hours=1)


class ThreadsApi:
    def __init__(self, http: httpx.Client, *, api_url: str, token: SecretStr) -> None:
        self._http = http
        self.base = (api_url if api_url.endswith("/") else api_url + "/") + API_VERSION + "/"
        self._token = token

    def __repr__(self) -> str:  # the token stays out of reprs and tracebacks' locals
        return f"ThreadsApi(base={self.base!r})"

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token.get_secret_value()}", "Accept": "application/json"}

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> httpx.Response:
        return self._http.get(self.base + path, params=dict(params or {}), headers=self._headers())

    def post(self, path: str, data: Mapping[str, str]) -> httpx.Response:
        return self._http.post(self.base + path, data=dict(data), headers=self._headers())

    def scrub(self, text: str) -> str:
        token = self._token.get_secret_value()
        return text.replace(token, "***") if token else text


def usage_percent(headers: httpx.Headers) -> int:
    """The highest share of the app's budget used, from `X-App-Usage` (and the business-use-case form)."""
    highest = 0
    for name in USAGE_HEADERS:
        raw = headers.get(name)
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        for item in _usage_items(data):
            for key in ("call_count", "total_cputime", "total_time"):
                value = item.get(key)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    highest = max(highest, int(value))
    return highest


def _usage_items(data: object) -> list[dict[str, object]]:
    if isinstance(data, dict) and any(k in data for k in ("call_count", "total_time", "total_cputime")):
        return [data]
    found: list[dict[str, object]] = []
    if isinstance(data, dict):  # business use case: {"<id>": [{"call_count": ...}, ...]}
        for entries in data.values():
            if isinstance(entries, list):
                found.extend(e for e in entries if isinstance(e, dict))
    return found


def error_code(response: httpx.Response) -> tuple[int | None, int | None, str]:
    """(code, error_subcode, message) of a Graph error document; (None, None, "") when there is none."""
    try:
        body = response.json()
    except ValueError:
        return None, None, ""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None, None, ""
    return _int(error.get("code")), _int(error.get("error_subcode")), str(error.get("message") or "")


def is_rate_limited(response: httpx.Response) -> bool:
    return response.status_code == 429 or error_code(response)[0] in RATE_LIMIT_CODES


def wait_until(response: httpx.Response, now: datetime) -> datetime:
    """When to call again after a refusal for rate: `Retry-After`, the usage header, else 15 minutes."""
    after = retry_after(response.headers, now)
    if after is not None and after > now:
        return after
    regain = _regain_minutes(response.headers)
    if regain > 0:
        return now + timedelta(minutes=regain)
    if usage_percent(response.headers) >= 100:
        return now + FULL_USAGE_WAIT
    return now + FALLBACK_WAIT


def _regain_minutes(headers: httpx.Headers) -> int:
    minutes = 0
    for name in USAGE_HEADERS:
        try:
            data = json.loads(headers.get(name) or "{}")
        except ValueError:
            continue
        for item in _usage_items(data):
            value = item.get("estimated_time_to_regain_access")
            if isinstance(value, int) and not isinstance(value, bool):
                minutes = max(minutes, value)
    return minutes


def _int(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None
