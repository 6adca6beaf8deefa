"""Trustpilot's private API over HTTP: the bearer token and the API key on every call, errors for people.

Private endpoints (`/v1/private/...`) take `Authorization: Bearer <access token>`; the key goes along as
the `apikey` header, as Trustpilot asks of every call (never as a query parameter, where it would end up
in access logs). A call answered 401 is the token's fault (expired early, or revoked): the token is
dropped, a new one fetched and the call made once more; a second 401 is an AUTH failure.

The API sits behind an API gateway whose refusals are `{"fault": {"faultstring", "detail": {"errorcode"}}}`;
the API's own errors are `{"message", "errorCode", "details"}`. Both are quoted, never a token:

    transport failure / timeout    UNAVAILABLE (for a write: "may or may not have been posted")
    429                            RATE_LIMITED, retry_at from Retry-After (else five minutes)
    5xx                            UNAVAILABLE; a poll backs off ten minutes
    401, 403                       AUTH: an admin checks TRUSTPILOT_API_KEY / _SECRET / the unit
    404                            GONE: the review was removed (or is another business unit's)
    other 4xx                      REJECTED, Trustpilot's message quoted
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from pydantic import SecretStr

from socialdesk.plugins.replies import ErrorKind, PlatformError, quote, response_json, retry_after
from socialdesk.sources.trustpilot.auth import AccessTokens

PLATFORM = "Trustpilot"
FALLBACK_WAIT = timedelta(minutes=5)  # a 429 without Retry-After
SERVER_WAIT = timedelta(minutes=10)  # a poll answered 5xx: reviews can wait, a struggling API should not


def said(response: httpx.Response) -> str:
    """What Trustpilot said in an error answer, on one line ("" when nothing readable)."""
    body = response_json(response)
    if not isinstance(body, dict):
        return ""
    fault = body.get("fault")
    if isinstance(fault, dict):
        detail = fault.get("detail") if isinstance(fault.get("detail"), dict) else {}
        code = str(detail.get("errorcode") or "") if isinstance(detail, dict) else ""
        text = str(fault.get("faultstring") or "")
        return quote(f"{text} ({code})" if code else text)
    for key in ("message", "error_description", "error", "ErrorCode", "Error"):
        value = body.get(key)
        if isinstance(value, str) and value.strip():
            return quote(value)
    return ""


def failure(response: httpx.Response, now: datetime, *, what: str, write: bool = False) -> PlatformError:
    """An error answer as a `PlatformError`; `what` names the call for the message ("the reply")."""
    status = response.status_code
    text = said(response)
    quoted = f" Trustpilot said: {text}" if text else ""
    if status == 429:
        retry_at = retry_after(response.headers, now) or now + FALLBACK_WAIT
        return PlatformError(
            ErrorKind.RATE_LIMITED,
            f"Trustpilot's rate limit is used up; {what} was not sent. It can go again after "
            f"{retry_at:%H:%M} UTC.",
            retry_at=retry_at,
        )
    if status >= 500:
        unknown = (
            f" {what.capitalize()} may or may not have been posted: look at the review on Trustpilot before "
            "sending it again."
            if write
            else ""
        )
        message = f"Trustpilot answered {status} to {what}.{unknown}"
        return PlatformError(ErrorKind.UNAVAILABLE, message, retry_at=now + SERVER_WAIT)
    if status in (401, 403):
        return PlatformError(
            ErrorKind.AUTH,
            f"Trustpilot refused socialdesk's access to {what} ({status}). An admin must check "
            "TRUSTPILOT_API_KEY, TRUSTPILOT_API_SECRET and TRUSTPILOT_BUSINESS_UNIT_ID (the application must "
            "have access to that business unit)." + quoted,
        )
    if status == 404:
        message = f"Trustpilot answered 404 to {what}: the review was removed (or is another unit's)."
        return PlatformError(ErrorKind.GONE, message + quoted)
    return PlatformError(ErrorKind.REJECTED, f"Trustpilot refused {what} ({status}).{quoted}")


class Api:
    """The calls to `api_url` (ends with `/`), each with a fresh-enough token and the API key."""

    def __init__(self, http: httpx.Client, api_url: str, tokens: AccessTokens, api_key: SecretStr) -> None:
        self._http = http
        self._base = api_url.rstrip("/")
        self.tokens = tokens
        self._key = api_key

    def __repr__(self) -> str:
        return f"Api({self._base!r})"

    def get(self, path: str, params: list[tuple[str, str]], now: datetime) -> httpx.Response:
        return self._call("GET", path, now, write=False, params=params)

    def post(self, path: str, body: dict[str, Any], now: datetime) -> httpx.Response:
        """A write: a timeout leaves unknown whether Trustpilot did it."""
        return self._call("POST", path, now, write=True, json=body)

    def _call(self, method: str, path: str, now: datetime, *, write: bool, **kw: Any) -> httpx.Response:
        token = self.tokens.token(now)
        response = self._send(method, path, token, write=write, **kw)
        if response.status_code == 401:
            # Expired before its time or revoked: one new token, one more try.
            self.tokens.invalidate(token)
            response = self._send(method, path, self.tokens.token(now), write=write, **kw)
        return response

    def _send(self, method: str, path: str, token: str, *, write: bool, **kw: Any) -> httpx.Response:
        headers = {
            "Accept": "application/json",
            "Authorization": f"Bearer {token}",
            "apikey": self._key.get_secret_value(),
        }
        try:
            return self._http.request(method, self._base + path, headers=headers, **kw)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            message = f"Could not reach {PLATFORM} ({type(exc).__name__}); nothing was sent. Try again later."
            raise PlatformError(ErrorKind.UNAVAILABLE, message) from exc
        except httpx.HTTPError as exc:
            if write:
                message = (
                    f"{PLATFORM} did not answer ({type(exc).__name__}). The reply may or may not have been "
                    "posted: look at the review on Trustpilot before sending it again."
                )
            else:
                message = f"{PLATFORM} did not answer {method} {path.split('?')[0]} ({type(exc).__name__})."
            raise PlatformError(ErrorKind.UNAVAILABLE, message) from exc
