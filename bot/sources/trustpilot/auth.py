"""OAuth client credentials: an access token for the application, fetched and kept until shortly before
it expires.

    POST {TRUSTPILOT_TOKEN_URL}
    Authorization: Basic base64(API_KEY:API_SECRET)
    Content-Type: application/x-www-form-urlencoded

    grant_type=client_credentials

answers `{"access_token": ..., "expires_in": "359999", ...}` (seconds, as a string; 100 hours today).
A client-credentials token cannot be refreshed: when it expires the same request is made again. Trustpilot
answers 429 to an application that asks for tokens too often, so the token is kept in memory and only
asked for again `EARLY` before it expires, or when a call was answered 401 with it (`invalidate`).

The poller and the reply sender share one instance from different threads: a lock keeps them from asking
twice. Neither the secret nor a token is ever in a message or a repr.
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from pydantic import SecretStr

from socialdesk.plugins.replies import ErrorKind, PlatformError, quote, response_json, retry_after

# Ask again this long before the token expires, so a call never leaves with a token about to lapse.
EARLY = timedelta(minutes=5)
FALLBACK_WAIT = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    renew_at: datetime

    def __repr__(self) -> str:  # the token stays out of reprs and logs
        return f"_Token(renew_at={self.renew_at.isoformat()})"


def basic_auth(key: SecretStr, secret: SecretStr) -> str:
    pair = f"{key.get_secret_value()}:{secret.get_secret_value()}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def _refused(response: httpx.Response, now: datetime) -> PlatformError:
    body = response_json(response)
    found = body if isinstance(body, dict) else {}
    keys = ("error_description", "message", "Error", "error", "ErrorCode")
    text = next((str(found[k]) for k in keys if found.get(k)), "")
    fault = found.get("fault")
    if not text and isinstance(fault, dict):
        text = str(fault.get("faultstring") or "")
    quoted = f" Trustpilot said: {quote(text)}" if text else ""
    status = response.status_code
    if status == 429:
        retry_at = retry_after(response.headers, now) or now + FALLBACK_WAIT
        return PlatformError(
            ErrorKind.RATE_LIMITED,
            f"Trustpilot refused to issue another access token so soon (429); trying again after "
            f"{retry_at:%H:%M} UTC.",
            retry_at=retry_at,
        )
    if status >= 500:
        return PlatformError(ErrorKind.UNAVAILABLE, f"Trustpilot's token endpoint answered {status}.")
    return PlatformError(
        ErrorKind.AUTH,
        f"Trustpilot refused socialdesk's API key and secret ({status}): an admin must check "
        "TRUSTPILOT_API_KEY and TRUSTPILOT_API_SECRET (Trustpilot Business > Integrations > API)." + quoted,
    )


class AccessTokens:
    def __init__(self, http: httpx.Client, token_url: str, *, key: SecretStr, secret: SecretStr) -> None:
        self._http = http
        self._url = token_url
        self._auth = basic_auth(key, secret)
        self._token: _Token | None = None
        self._lock = threading.Lock()
        self.fetched = 0  # tokens issued to us: the tests read it

    def __repr__(self) -> str:
        return f"AccessTokens({self._url!r})"

    def token(self, now: datetime) -> str:
        """An access token that is not about to expire (asked for when there is none)."""
        with self._lock:
            if self._token is None or now >= self._token.renew_at:
                self._token = self._fetch(now)
            return self._token.value

    def invalidate(self, token: str) -> None:
        """Trustpilot refused `token` (401): the next `token()` asks for a new one, unless another thread
        already did."""
        with self._lock:
            if self._token is not None and self._token.value == token:
                self._token = None

    def _fetch(self, now: datetime) -> _Token:
        headers = {
            "Authorization": self._auth,
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        try:
            response = self._http.post(self._url, content=b"grant_type=client_credentials", headers=headers)
        except httpx.HTTPError as exc:
            message = f"Could not reach Trustpilot's token endpoint ({type(exc).__name__})."
            raise PlatformError(ErrorKind.UNAVAILABLE, message) from exc
        if response.status_code != 200:
            raise _refused(response, now)
        body = response_json(response)
        found = body if isinstance(body, dict) else {}
        value, expires = found.get("access_token"), str(found.get("expires_in") or "").strip()
        if not isinstance(value, str) or not value or not expires.isdigit():
            message = "Trustpilot's token endpoint answered without access_token and expires_in."
            raise PlatformError(ErrorKind.UNAVAILABLE, message)
        lifetime = timedelta(seconds=int(expires))
        self.fetched += 1
        # A short-lived token is renewed at 90% of its life rather than `EARLY` before its end.
        early = min(EARLY, lifetime / 10)
        return _Token(value, now + lifetime - early)
