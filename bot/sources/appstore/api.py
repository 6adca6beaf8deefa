"""App Store Connect over HTTP: JSON:API documents, a fresh ES256 bearer token on every call.

An error answer is `{"errors": [{"status", "code", "title", "detail"}]}`. Answers carry the hourly quota
of the key in `X-Rate-Limit: user-hour-lim:3600;user-hour-rem:3599;`; a 429 says the hour is spent.

Failures become `PlatformError`s whose message is written for a person (the agent, or the log) and never
holds the token or the key:

    transport failure / timeout      UNAVAILABLE (for a write: "may or may not have been sent")
    429                              RATE_LIMITED, retry_at = Retry-After, else a fallback wait
    5xx                              UNAVAILABLE
    401                              AUTH: the token was refused (wrong issuer, key id, key, or a clock off)
    403                              AUTH: the key's role may not do this
    404                              GONE: the review (or app) is not there (deleted, or another team's)
    other 4xx                        REJECTED, Apple's own detail quoted
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from socialdesk.plugins.replies import ErrorKind, PlatformError, quote, response_json, retry_after
from socialdesk.sources.appstore.token import TokenMaker

PLATFORM = "App Store Connect"
# A 429 without Retry-After: the quota is per rolling hour, so a few minutes frees a few calls.
FALLBACK_WAIT = timedelta(minutes=5)
CHECK_KEY = (
    "An admin must check APPSTORE_ISSUER_ID, APPSTORE_KEY_ID and APPSTORE_PRIVATE_KEY_FILE (a revoked key "
    "needs a new one: App Store Connect > Users and Access > Integrations) and that this host's clock is "
    "right."
)


@dataclass(frozen=True, slots=True)
class ApiError:
    status: int
    code: str
    detail: str

    @classmethod
    def of(cls, response: httpx.Response) -> ApiError:
        body = response_json(response)
        errors = body.get("errors") if isinstance(body, dict) else None
        first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
        detail = str(first.get("detail") or first.get("title") or "")
        return cls(response.status_code, str(first.get("code") or ""), detail)


def hour_spent(headers: httpx.Headers) -> bool:
    """`X-Rate-Limit: user-hour-lim:3600;user-hour-rem:0;`: this hour's calls are used up."""
    parts = dict(part.split(":", 1) for part in (headers.get("x-rate-limit") or "").split(";") if ":" in part)
    return parts.get("user-hour-rem", "").strip() == "0"


def failure(response: httpx.Response, now: datetime, *, what: str, write: bool = False) -> PlatformError:
    """An error answer as a `PlatformError`; `what` names the call for the message ("the response")."""
    error = ApiError.of(response)
    said = f" Apple said: {quote(error.detail)}" if error.detail else ""
    code = f" ({error.code})" if error.code else ""
    if error.status == 429:
        retry_at = retry_after(response.headers, now) or now + FALLBACK_WAIT
        return PlatformError(
            ErrorKind.RATE_LIMITED,
            f"App Store Connect's hourly limit for this API key is used up; {what} was not sent. It can go "
            f"again after {retry_at:%H:%M} UTC.",
            retry_at=retry_at,
        )
    if error.status >= 500:
        unknown = (
            f" {what.capitalize()} may or may not have been saved; sending it again replaces it, never "
            "adds a second one."
            if write
            else ""
        )
        return PlatformError(ErrorKind.UNAVAILABLE, f"App Store Connect answered {error.status}.{unknown}")
    if error.status == 401:
        return PlatformError(
            ErrorKind.AUTH, f"App Store Connect refused socialdesk's token{code}. {CHECK_KEY}{said}"
        )
    if error.status == 403:
        return PlatformError(
            ErrorKind.AUTH,
            f"App Store Connect does not let socialdesk's API key do this{code}: give the key a role that "
            f"may read and answer customer reviews (Customer Support, App Manager or Admin).{said}",
        )
    if error.status == 404:
        return PlatformError(
            ErrorKind.GONE,
            f"App Store Connect does not know {what}'s target{code}: the review was deleted, or it belongs "
            f"to an app this key cannot see.{said}",
        )
    return PlatformError(
        ErrorKind.REJECTED, f"App Store Connect refused {what} ({error.status}{code}).{said}"
    )


class AppStoreApi:
    """The calls; `base_url` ends with `/`. Paths are relative (`v1/apps/1/customerReviews`); a full URL
    (a `links.next`) is followed as given, but only on the same origin: the token goes nowhere else."""

    def __init__(self, http: httpx.Client, base_url: str, tokens: TokenMaker) -> None:
        self._http = http
        self.base_url = base_url
        self.tokens = tokens

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            if not path.startswith(self.base_url.rstrip("/") + "/"):
                raise PlatformError(
                    ErrorKind.UNAVAILABLE, f"{PLATFORM} gave a link to another host; it was not followed."
                )
            return path
        return self.base_url + path.lstrip("/")

    def get(self, path: str, params: dict[str, str] | None, *, now: datetime) -> httpx.Response:
        return self._send("GET", path, now=now, write=False, params=params)

    def post(self, path: str, body: dict[str, Any], *, now: datetime) -> httpx.Response:
        return self._send("POST", path, now=now, write=True, json=body)

    def _send(self, method: str, path: str, *, now: datetime, write: bool, **kw: Any) -> httpx.Response:
        headers = {"Accept": "application/json", "Authorization": f"Bearer {self.tokens.token(now)}"}
        url = self.url(path)
        try:
            response = self._http.request(method, url, headers=headers, **kw)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            message = f"Could not reach {PLATFORM} ({type(exc).__name__}); nothing was sent. Try again later."
            raise PlatformError(ErrorKind.UNAVAILABLE, message) from exc
        except httpx.HTTPError as exc:
            if write:
                message = (
                    f"{PLATFORM} did not answer ({type(exc).__name__}). The response may or may not "
                    "have been saved; sending it again replaces it, never adds a second one."
                )
            else:
                message = f"{PLATFORM} did not answer ({type(exc).__name__})."
            raise PlatformError(ErrorKind.UNAVAILABLE, message) from exc
        if response.status_code == 401:
            self.tokens.discard()  # a new one next time (the key may have been fixed meanwhile)
        return response
