"""XRPC over HTTP, as the Bluesky PDS speaks it: `GET|POST {service}/xrpc/<nsid>`, JSON in and out.

An error answer is `{"error": "<Name>", "message": "..."}` with a 4xx/5xx status. Every answer carries
the rate-limit window of the route: `ratelimit-limit`, `ratelimit-remaining`, `ratelimit-reset` (unix
seconds) and `ratelimit-policy` (`3000;w=300`); a 429 says when to come back in `ratelimit-reset`.

Failures become `PlatformError`s whose message is written for a person (the agent, or the log) and never
holds a token or the app password:

    transport failure / timeout           UNAVAILABLE (for a write: "may or may not have been posted")
    429                                   RATE_LIMITED, retry_at = ratelimit-reset
    5xx                                   UNAVAILABLE
    401, 403, AuthenticationRequired      AUTH
    other 4xx                             REJECTED, Bluesky's own message quoted
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from socialdesk.plugins.replies import ErrorKind, PlatformError, quote, response_json, retry_after

PLATFORM = "Bluesky"
# A 429 without a readable reset: Bluesky's shortest windows are five minutes.
FALLBACK_WAIT = timedelta(minutes=5)
MIN_WAIT = timedelta(seconds=30)
EXPIRED = "ExpiredToken"
AUTH_ERRORS = ("AuthenticationRequired", "InvalidToken", "AccountTakedown", "AccountDeactivated")


@dataclass(frozen=True, slots=True)
class XrpcError:
    """What an error answer said: the status, the error name and Bluesky's message."""

    status: int
    error: str
    message: str

    @classmethod
    def of(cls, response: httpx.Response) -> XrpcError:
        body = response_json(response)
        body = body if isinstance(body, dict) else {}
        return cls(response.status_code, str(body.get("error") or ""), str(body.get("message") or ""))

    @property
    def expired(self) -> bool:
        return self.error == EXPIRED


def reset_time(headers: httpx.Headers, now: datetime) -> datetime | None:
    """`ratelimit-reset` (unix seconds), else `Retry-After`; None when neither is readable."""
    raw = (headers.get("ratelimit-reset") or "").strip()
    if raw.isdigit():
        reset = datetime.fromtimestamp(int(raw), UTC)
        return reset if reset > now else now + MIN_WAIT
    return retry_after(headers, now)


def spent_until(headers: httpx.Headers, now: datetime) -> datetime | None:
    """When the window is used up (`ratelimit-remaining: 0`) the time it resets: no call before then."""
    if (headers.get("ratelimit-remaining") or "").strip() != "0":
        return None
    return reset_time(headers, now) or now + FALLBACK_WAIT


class Xrpc:
    """The calls, with a bearer token where given; `service_url` ends with `/`."""

    def __init__(self, http: httpx.Client, service_url: str) -> None:
        self._http = http
        self._base = service_url.rstrip("/") + "/xrpc/"

    def get(self, nsid: str, params: list[tuple[str, str]], *, token: str) -> httpx.Response:
        return self._send("GET", nsid, token=token, params=params, write=False)

    def post(
        self, nsid: str, body: dict[str, Any] | None, *, token: str | None, write: bool = False
    ) -> httpx.Response:
        """`write`: the call creates something, so a timeout leaves unknown whether it did."""
        return self._send("POST", nsid, token=token, json=body, write=write)

    def _send(self, method: str, nsid: str, *, token: str | None, write: bool, **kw: Any) -> httpx.Response:
        headers = {"Accept": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        try:
            return self._http.request(method, self._base + nsid, headers=headers, **kw)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            message = f"Could not reach {PLATFORM} ({type(exc).__name__}); nothing was sent. Try again later."
            raise PlatformError(ErrorKind.UNAVAILABLE, message) from exc
        except httpx.HTTPError as exc:
            if write:
                message = (
                    f"{PLATFORM} did not answer ({type(exc).__name__}). The reply may or may not have been "
                    "posted: look at the thread on Bluesky before sending it again."
                )
            else:
                message = f"{PLATFORM} did not answer {nsid} ({type(exc).__name__})."
            raise PlatformError(ErrorKind.UNAVAILABLE, message) from exc


def failure(response: httpx.Response, now: datetime, *, what: str, write: bool = False) -> PlatformError:
    """An error answer as a `PlatformError`; `what` names the call for the message ("the reply")."""
    error = XrpcError.of(response)
    said = f" Bluesky said: {quote(error.message or error.error)}" if error.message or error.error else ""
    if error.status == 429:
        retry_at = reset_time(response.headers, now) or now + FALLBACK_WAIT
        return PlatformError(
            ErrorKind.RATE_LIMITED,
            f"Bluesky's rate limit for this account is used up; {what} was not sent. It can go again after "
            f"{retry_at:%H:%M} UTC.",
            retry_at=retry_at,
        )
    if error.status >= 500:
        unknown = (
            f" {what.capitalize()} may or may not have been posted: look on Bluesky before sending it again."
            if write
            else ""
        )
        return PlatformError(ErrorKind.UNAVAILABLE, f"Bluesky answered {error.status}.{unknown}")
    if error.status in (401, 403) or error.error in AUTH_ERRORS:
        return PlatformError(
            ErrorKind.AUTH,
            f"Bluesky refused socialdesk's session ({error.error or error.status}). An admin must check "
            "BLUESKY_HANDLE and BLUESKY_APP_PASSWORD (create a new app password if it was revoked)." + said,
        )
    return PlatformError(ErrorKind.REJECTED, f"Bluesky refused {what} ({error.status}).{said}")
