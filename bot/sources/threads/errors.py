"""How Threads API refusals of a reply become `PlatformError`s, with a message for the agent.

Threads answers with Graph's error document, `{"error": {"message", "type", "code", "error_subcode"}}`:

    190, 102, 104, 200-299 (token, permissions)        AUTH
    429, 4, 17, 32, 613 (rate and publishing limits)    RATE_LIMITED (Retry-After / usage header, else 15 min)
    100 + 33, 404 (the post is gone or not visible)     GONE
    1, 2, is_transient, 5xx                             UNAVAILABLE
    other 4xx (100 invalid parameter, too long...)      REJECTED, Threads' own words quoted

`step` says which of the two calls failed ("create" or "publish"): a refused create posted nothing; a
refused publish leaves an unpublished container that the next attempt publishes instead of creating a
second one (see replies.py).
"""

from __future__ import annotations

from datetime import datetime

import httpx

from socialdesk.plugins.replies import ErrorKind, PlatformError, quote, response_json
from socialdesk.sources.threads.api import error_code, is_rate_limited, wait_until

_AUTH_CODES = frozenset({102, 104, 190, *range(200, 300)})


def threads_error(response: httpx.Response, now: datetime, *, step: str) -> PlatformError:
    status = response.status_code
    code, subcode, message = error_code(response)
    said = f" Threads said: {quote(message)}" if message else ""
    if code in _AUTH_CODES or status == 401:
        return PlatformError(
            ErrorKind.AUTH,
            "Threads refused socialdesk's token: it expired, was revoked or lacks a permission. An admin "
            "must reconnect the Threads account (THREADS_TOKEN). Nothing was posted." + said,
        )
    if is_rate_limited(response):
        retry_at = wait_until(response, now)
        return PlatformError(
            ErrorKind.RATE_LIMITED,
            f"Threads' rate limit for this account is reached (it allows 1,000 replies a day); nothing was "
            f"posted. Try again after {retry_at:%H:%M} UTC.",
            retry_at=retry_at,
        )
    if status == 404 or (code == 100 and subcode == 33):
        return PlatformError(
            ErrorKind.GONE,
            "The Threads post was deleted or is no longer visible to the brand's account, so it cannot "
            "take a reply.",
        )
    body = response_json(response)
    error = body.get("error") if isinstance(body, dict) else None
    transient = isinstance(error, dict) and error.get("is_transient") is True
    if code in (1, 2) or transient or status >= 500:
        if step == "create":
            return PlatformError(
                ErrorKind.UNAVAILABLE,
                f"Threads answered {status} while preparing the reply; nothing was posted. Try again.",
            )
        return PlatformError(
            ErrorKind.UNAVAILABLE,
            f"Threads answered {status} while publishing. Sending the same text again is safe: socialdesk "
            "publishes the container it already prepared, which Threads posts at most once.",
        )
    if 400 <= status < 500:
        return PlatformError(ErrorKind.REJECTED, f"Threads refused the reply ({status})." + said)
    return PlatformError(
        ErrorKind.UNAVAILABLE, f"Threads answered an unexpected {status}; nothing is certain."
    )
