"""How X API v2 refusals become `PlatformError`s, shared by the reply connector and the brand poster.

    401, 403 with an authentication problem type       AUTH
    403 "deleted or not visible", 404, 410             GONE
    403 duplicate content, other 400 / 403 / 4xx       REJECTED (X's own detail quoted)
    429                                                RATE_LIMITED, retry_at = x-rate-limit-reset
    5xx                                                UNAVAILABLE

`what` names the thing that was being posted ("reply", "statement") so the message reads right where it
is shown; the kinds and retry times do not depend on it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from socialdesk.plugins.replies import ErrorKind, PlatformError, quote, response_json

# When the reset header is missing, wait out one X window; when it is already past by our clock, a minute.
FALLBACK_BACKOFF = timedelta(minutes=15)
MIN_BACKOFF = timedelta(seconds=60)
# Problem types X uses when the token lacks the right to post (app-only token, wrong project, scopes).
_AUTH_PROBLEMS = ("client-forbidden", "unsupported-authentication", "oauth1-permissions")


def x_error(response: httpx.Response, now: datetime, *, what: str = "reply") -> PlatformError:
    status = response.status_code
    detail, problem_type = _detail(response_json(response))
    lowered = detail.lower()
    said = f" X said: {quote(detail)}" if detail else ""
    if status == 429:
        return PlatformError(
            ErrorKind.RATE_LIMITED,
            f"X's rate limit for this account is used up; the {what} was not posted.",
            retry_at=reset_time(response.headers, now),
        )
    if status >= 500:
        return PlatformError(
            ErrorKind.UNAVAILABLE,
            f"X answered {status}. The {what} may or may not have been posted: check on X before sending "
            "it again.",
        )
    if status == 401 or (status == 403 and any(p in problem_type for p in _AUTH_PROBLEMS)):
        return PlatformError(
            ErrorKind.AUTH,
            f"X refused socialdesk's access token ({status}). An admin must reconnect the X account "
            "(X_ACCESS_TOKEN)." + said,
        )
    if status in (404, 410) or "deleted" in lowered or "not visible" in lowered:
        return PlatformError(
            ErrorKind.GONE, "The post was deleted or is no longer visible to us, so X cannot take a reply."
        )
    if "duplicate" in lowered:
        return PlatformError(
            ErrorKind.REJECTED,
            f"X refused the {what} as duplicate content: this account already posted the same text. "
            "Reword it.",
        )
    return PlatformError(ErrorKind.REJECTED, f"X refused the {what} ({status})." + said)


def reset_time(headers: httpx.Headers, now: datetime) -> datetime:
    """`x-rate-limit-reset` (unix seconds): X sends it instead of Retry-After."""
    raw = (headers.get("x-rate-limit-reset") or "").strip()
    if not raw.isdigit():
        return now + FALLBACK_BACKOFF
    reset = datetime.fromtimestamp(int(raw), UTC)
    return reset if reset > now else now + MIN_BACKOFF


def _detail(body: Any) -> tuple[str, str]:
    """(X's explanation, its problem type) from a problem document or an `errors` array."""
    if not isinstance(body, dict):
        return "", ""
    detail = body.get("detail") or ""
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        # A 400 puts the useful part (which parameter, why) in errors[].message, not in detail.
        detail = errors[0].get("message") or errors[0].get("detail") or detail
    return str(detail or body.get("title") or ""), str(body.get("type") or "")
