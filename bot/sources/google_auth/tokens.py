"""Access tokens for one scope: a signed assertion exchanged at the token endpoint, cached until shortly
before it expires.

The assertion (RS256, header `kid` = the key's id) claims `iss` = the service account's e-mail, `scope`,
`aud` = the token URL, `iat` = now and `exp` = now + 1 hour (Google refuses a longer one). It is POSTed
form-encoded with `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`; the answer is
`{"access_token", "expires_in", "token_type": "Bearer"}`. A refusal is `{"error", "error_description"}`
(400 `invalid_grant` for a bad signature, a wrong audience or times, 401 `invalid_client` /
`unauthorized_client` for an unknown or disabled account): an AUTH error naming the variable to check.

The poller and the reply sender share one instance from different threads; a lock keeps them from
exchanging twice at once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import jwt

from socialdesk.plugins.replies import ErrorKind, PlatformError, quote, response_json, retry_after
from socialdesk.sources.google_auth.account import ServiceAccount

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_LIFETIME = timedelta(hours=1)
# Exchange again this long before the token's expiry, so a call never leaves with a token about to lapse.
EARLY = timedelta(minutes=5)
FALLBACK_WAIT = timedelta(minutes=5)
CHECK = (
    "An admin must check GOOGLE_SERVICE_ACCOUNT_FILE (the key may have been deleted or the account disabled)"
)


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    expires_at: datetime

    def __repr__(self) -> str:  # the token stays out of reprs and logs
        return f"_Token(expires_at={self.expires_at.isoformat()})"


class AccessTokens:
    def __init__(self, http: httpx.Client, account: ServiceAccount, *, scope: str, token_url: str) -> None:
        self._http = http
        self._account = account
        self.scope = scope
        self.token_url = token_url
        self._token: _Token | None = None
        self._lock = threading.Lock()
        self.exchanged = 0  # how many assertions were exchanged: the tests read it

    def __repr__(self) -> str:
        return f"AccessTokens(client_email={self._account.client_email!r}, scope={self.scope!r})"

    def assertion(self, now: datetime) -> str:
        issued = int(now.timestamp())
        claims: dict[str, Any] = {
            "iss": self._account.client_email,
            "scope": self.scope,
            "aud": self.token_url,
            "iat": issued,
            "exp": issued + int(ASSERTION_LIFETIME.total_seconds()),
        }
        headers = {"kid": self._account.private_key_id} if self._account.private_key_id else None
        key = self._account.private_key.get_secret_value()
        return jwt.encode(claims, key, algorithm="RS256", headers=headers)

    def token(self, now: datetime) -> str:
        """A token that will not expire within `EARLY`, exchanged when needed."""
        with self._lock:
            if self._token is None or now >= self._token.expires_at - EARLY:
                self._token = self._exchange(now)
            return self._token.value

    def invalidate(self, used: str) -> None:
        """The API refused `used` (401): the next `token` exchanges a new one (unless another thread did)."""
        with self._lock:
            if self._token is not None and self._token.value == used:
                self._token = None

    def _exchange(self, now: datetime) -> _Token:
        form = {"grant_type": GRANT_TYPE, "assertion": self.assertion(now)}
        try:
            response = self._http.post(self.token_url, data=form, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise PlatformError(
                ErrorKind.UNAVAILABLE, f"Could not reach Google's token endpoint ({type(exc).__name__})."
            ) from exc
        body = response_json(response)
        found = body if isinstance(body, dict) else {}
        if response.status_code == 200:
            value, expires_in = found.get("access_token"), found.get("expires_in")
            if not isinstance(value, str) or not value or not isinstance(expires_in, int):
                raise PlatformError(
                    ErrorKind.UNAVAILABLE, "Google's token endpoint answered without an access token."
                )
            self.exchanged += 1
            return _Token(value, now + timedelta(seconds=expires_in))
        error = str(found.get("error") or "")
        said = quote(found.get("error_description") or error)
        if response.status_code == 429:
            wait = retry_after(response.headers, now) or now + FALLBACK_WAIT
            raise PlatformError(
                ErrorKind.RATE_LIMITED, "Google's token endpoint asked to slow down.", retry_at=wait
            )
        if response.status_code >= 500:
            raise PlatformError(
                ErrorKind.UNAVAILABLE, f"Google's token endpoint answered {response.status_code}."
            )
        raise PlatformError(
            ErrorKind.AUTH,
            f"Google refused the service account {self._account.client_email} "
            f"({error or response.status_code}: {said}). {CHECK}.",
        )
