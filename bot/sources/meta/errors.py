"""How Graph API refusals become `PlatformError`s, shared by the Meta reply connector and the brand poster.

Graph errors are mapped by `error.code` / `error_subcode`, then by HTTP status:

    190, 102, 104, 200-299 (token, permissions)       AUTH
    10 + 2018278, "outside of allowed window"         WINDOW_CLOSED
    4, 17, 32, 613, 80001-80014 (rate limits)         RATE_LIMITED, retry_at: Retry-After, usage header, +60 s
    100 + 33, 100 + 2018001, 10, 551                  GONE
    1, 2, is_transient, 5xx                           UNAVAILABLE
    other 4xx (100 invalid, 10900 already replied...) REJECTED

`what` names the thing that was being posted ("reply", "statement") so the message reads right where it
is shown; the kinds and retry times do not depend on it.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import httpx

from socialdesk.plugins.replies import ErrorKind, PlatformError, quote, response_json, retry_after

RATE_LIMIT_FALLBACK = timedelta(seconds=60)
_RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, *range(80001, 80015)})
_AUTH_CODES = frozenset({102, 104, 190, *range(200, 300)})
_GONE = {(100, 33), (100, 2018001)}


def meta_error(response: httpx.Response, now: datetime, *, what: str = "reply") -> PlatformError:
    status = response.status_code
    body = response_json(response)
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    code, subcode = _int(error.get("code")), _int(error.get("error_subcode"))
    message = str(error.get("message") or "")
    said = f" Meta said: {quote(message)}" if message else ""
    if code in _AUTH_CODES:
        return PlatformError(
            ErrorKind.AUTH,
            "Meta refused the Page token: it expired, was revoked or lacks a permission. An admin must "
            "reconnect the Page (META_PAGE_TOKEN)." + said,
        )
    if (code == 10 and subcode == 2018278) or "outside of allowed window" in message.lower():
        return PlatformError(
            ErrorKind.WINDOW_CLOSED,
            "Meta's window for a private reply here has closed (7 days after a comment, 24 hours after "
            "the customer's last message). Reply publicly, or wait for the customer to write again.",
        )
    if code in _RATE_LIMIT_CODES:
        return PlatformError(
            ErrorKind.RATE_LIMITED,
            f"Meta's rate limit for this Page or app is reached; the {what} was not posted.",
            retry_at=retry_after(response.headers, now) or usage_regain(response.headers, now),
        )
    if (code, subcode) in _GONE or code in (10, 551):
        return PlatformError(
            ErrorKind.GONE,
            "The post, comment or conversation was deleted or is no longer visible to the Page, so Meta "
            f"cannot take a {what}.",
        )
    if code in (1, 2) or error.get("is_transient") is True or status >= 500:
        return PlatformError(
            ErrorKind.UNAVAILABLE,
            f"Meta answered {status}. The {what} may or may not have been posted: check before sending it "
            "again.",
        )
    if code == 10900:
        return PlatformError(
            ErrorKind.REJECTED, "This comment already got its one private reply; answer it publicly."
        )
    if 400 <= status < 500:
        return PlatformError(ErrorKind.REJECTED, f"Meta refused the {what} ({status})." + said)
    return PlatformError(ErrorKind.UNAVAILABLE, f"Meta answered an unexpected {status}; nothing is certain.")


def usage_regain(headers: httpx.Headers, now: datetime) -> datetime:
    """`X-Business-Use-Case-Usage` says, per business, in how many minutes calls are allowed again."""
    minutes = 0
    try:
        usage = json.loads(headers.get("x-business-use-case-usage") or "{}")
        for entries in usage.values() if isinstance(usage, dict) else ():
            for entry in entries if isinstance(entries, list) else ():
                minutes = max(minutes, int(entry.get("estimated_time_to_regain_access") or 0))
    except (ValueError, TypeError, AttributeError):
        minutes = 0
    return now + (timedelta(minutes=minutes) if minutes > 0 else RATE_LIMIT_FALLBACK)


def _int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None
