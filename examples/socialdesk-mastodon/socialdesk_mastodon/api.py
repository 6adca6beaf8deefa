"""The three Mastodon REST calls the plugin makes, with the bearer token, over socialdesk's shared client.

- `GET /api/v1/notifications?types[]=mention`: mentions, newest first (`since_id`, `max_id`, `limit`);
- `POST /api/v1/statuses`: a reply (`status`, `in_reply_to_id`, `visibility`), with an `Idempotency-Key`
  so that Mastodon posts one status per key even when a request is sent twice;
- `GET /api/v1/accounts/verify_credentials`: who the token belongs to (for `/social mastodon status`).

Mastodon tells when to come back after a 429 in `X-RateLimit-Reset` (an ISO 8601 time) and some proxies
in `Retry-After`; `retry_time` reads either.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

PAGE_SIZE = 40  # Mastodon's largest page of notifications
FALLBACK_WAIT = timedelta(minutes=5)  # a 429 that says nothing about when: Mastodon's window is 5 minutes


class MastodonError(Exception):
    """Mastodon refused a read (the poller logs it and tries the same cursor next time)."""


class MastodonApi:
    def __init__(self, http: httpx.Client, base_url: str, token: str) -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self._token = token

    def _headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}", "Accept": "application/json", **extra}

    def notifications(self, *, since_id: str | None, max_id: str | None = None) -> httpx.Response:
        params: list[tuple[str, str | int | float | bool | None]] = [
            ("types[]", "mention"),
            ("limit", str(PAGE_SIZE)),
        ]
        if since_id:
            params.append(("since_id", since_id))
        if max_id:
            params.append(("max_id", max_id))
        return self._http.get(f"{self._base}/api/v1/notifications", params=params, headers=self._headers())

    def post_status(self, body: dict[str, Any], *, idempotency_key: str) -> httpx.Response:
        headers = self._headers(**{"Idempotency-Key": idempotency_key[:200]})
        return self._http.post(f"{self._base}/api/v1/statuses", json=body, headers=headers)

    def verify_credentials(self) -> dict[str, Any]:
        response = self._http.get(f"{self._base}/api/v1/accounts/verify_credentials", headers=self._headers())
        if response.status_code != 200:
            raise MastodonError(f"Mastodon answered {response.status_code} to verify_credentials")
        found = response.json()
        if not isinstance(found, dict):
            raise MastodonError("verify_credentials did not answer an account")
        return found


def error_text(response: httpx.Response) -> str:
    """Mastodon's own `{"error": "..."}` text, on one line and short (never our token)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    text = body.get("error") if isinstance(body, dict) else None
    flat = " ".join(str(text or response.reason_phrase or "").split())
    return flat[:200]


def retry_time(headers: httpx.Headers, now: datetime) -> datetime:
    """When Mastodon allows the next call: `Retry-After` (seconds or a date), `X-RateLimit-Reset`
    (ISO 8601), else five minutes from now."""
    after = (headers.get("retry-after") or "").strip()
    if after.isdigit():
        return now + timedelta(seconds=int(after))
    for value, parse in ((after, parsedate_to_datetime), (headers.get("x-ratelimit-reset") or "", _iso)):
        if value:
            try:
                when = parse(value.strip())
            except (TypeError, ValueError):
                continue
            return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    return now + FALLBACK_WAIT


def _iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
