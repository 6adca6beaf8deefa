"""Calls to a Google REST API with the service account's token, and Google's errors as `PlatformError`s.

Google's JSON APIs answer an error as `{"error": {"code": 401, "message": "...", "status":
"UNAUTHENTICATED"}}`:

    transport failure / timeout     UNAVAILABLE (for a write: "may or may not have been posted")
    401 UNAUTHENTICATED             the token is exchanged again and the call repeated once; then AUTH
    403 PERMISSION_DENIED           AUTH: the account lacks access to the location or the app
    404 NOT_FOUND                   GONE: the review (or the location, the app) is not there any more
    429 RESOURCE_EXHAUSTED          RATE_LIMITED until `Retry-After` (or a fallback wait)
    5xx                             UNAVAILABLE
    other 4xx                       REJECTED, Google's own message quoted
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx

from socialdesk.plugins.replies import ErrorKind, PlatformError, quote, response_json, retry_after
from socialdesk.sources.google_auth.tokens import AccessTokens

# A 429 without Retry-After: Google's quotas are per minute or per hour; a quarter of an hour is polite.
FALLBACK_WAIT = timedelta(minutes=15)


def google_error(response: httpx.Response) -> tuple[str, str]:
    """(status name, message) of a Google error answer; empty strings when it is not one."""
    body = response_json(response)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return str(error.get("status") or ""), str(error.get("message") or "")
    return "", ""


def failure(
    response: httpx.Response,
    now: datetime,
    *,
    platform: str,
    what: str,
    write: bool = False,
    access: str = "",
) -> PlatformError:
    """An error answer as a `PlatformError`; `what` names the call for the message ("the reply"),
    `access` what the service account must be given ("a manager of the location")."""
    status, message = google_error(response)
    said = f" Google said: {quote(message or status)}" if message or status else ""
    code = response.status_code
    if code == 429:
        retry_at = retry_after(response.headers, now) or now + FALLBACK_WAIT
        return PlatformError(
            ErrorKind.RATE_LIMITED,
            f"{platform}'s quota is used up; {what} was not sent. "
            f"It can go again after {retry_at:%H:%M} UTC.",
            retry_at=retry_at,
        )
    if code >= 500:
        unknown = (
            f" {what.capitalize()} may or may not have been saved: look on {platform} first." if write else ""
        )
        return PlatformError(ErrorKind.UNAVAILABLE, f"{platform} answered {code}.{unknown}")
    if code == 401:
        return PlatformError(
            ErrorKind.AUTH,
            f"{platform} refused socialdesk's access token.{said} An admin must check "
            "GOOGLE_SERVICE_ACCOUNT_FILE and GOOGLE_TOKEN_URL.",
        )
    if code == 403:
        needs = f" The service account must be {access}." if access else ""
        return PlatformError(ErrorKind.AUTH, f"{platform} refused {what} (permission denied).{needs}{said}")
    if code == 404:
        return PlatformError(ErrorKind.GONE, f"{platform} no longer has this item ({what}).{said}")
    return PlatformError(ErrorKind.REJECTED, f"{platform} refused {what} ({code}).{said}")


class GoogleApi:
    """`base_url` ends with `/`; paths are relative to it."""

    def __init__(self, http: httpx.Client, tokens: AccessTokens, base_url: str, *, platform: str) -> None:
        self._http = http
        self.tokens = tokens
        self.base_url = base_url
        self.platform = platform

    def call(
        self,
        method: str,
        path: str,
        *,
        now: datetime,
        params: Mapping[str, str] | None = None,
        body: dict[str, Any] | None = None,
        write: bool = False,
    ) -> httpx.Response:
        """One call; when the token is refused (401) a new one is exchanged and the call made once more.
        `write`: the call changes something, so a timeout leaves unknown whether it did."""
        token = self.tokens.token(now)
        response = self._send(method, path, token, params, body, write)
        if response.status_code == 401:
            self.tokens.invalidate(token)
            response = self._send(method, path, self.tokens.token(now), params, body, write)
        return response

    def _send(
        self,
        method: str,
        path: str,
        token: str,
        params: Mapping[str, str] | None,
        body: dict[str, Any] | None,
        write: bool,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        try:
            return self._http.request(
                method, self.base_url + path, params=dict(params or {}), json=body, headers=headers
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            message = (
                f"Could not reach {self.platform} ({type(exc).__name__}); nothing was sent. Try again later."
            )
            raise PlatformError(ErrorKind.UNAVAILABLE, message) from exc
        except httpx.HTTPError as exc:
            if write:
                message = (
                    f"{self.platform} did not answer ({type(exc).__name__}). The reply may or may not have "
                    f"been saved: look on {self.platform} before sending it again."
                )
            else:
                message = f"{self.platform} did not answer ({type(exc).__name__})."
            raise PlatformError(ErrorKind.UNAVAILABLE, message) from exc
