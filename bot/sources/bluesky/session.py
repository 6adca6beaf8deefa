"""The app-password session: `com.atproto.server.createSession` once, `refreshSession` as it expires.

createSession (`identifier` + `password`) answers `accessJwt`, `refreshJwt`, `did` and `handle`. Calls carry
the access token; it lives a couple of hours. Before a call whose token's `exp` (read from the JWT, not
verified: only the PDS can) is near, and again when a call is answered `ExpiredToken`, the session is
refreshed: `refreshSession` with the refresh token as bearer answers a new pair (the old refresh token is
spent). When the refresh token is refused too (expired after months, revoked, or the PDS restarted its
sessions), a new session is created with the app password. createSession has tight limits of its own
(30 per 5 minutes, 300 a day), so it is never called while a refresh can do.

One session serves the poller and the reply sender, which run on different threads: a lock keeps them
from refreshing twice (a refresh token works once).
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from pydantic import SecretStr

from socialdesk.plugins.replies import ErrorKind, PlatformError, response_json
from socialdesk.sources.bluesky.xrpc import Xrpc, XrpcError, failure

CREATE = "com.atproto.server.createSession"
REFRESH = "com.atproto.server.refreshSession"
# Refresh this long before the access token's `exp`, so a call never leaves with a token about to lapse.
EARLY = timedelta(seconds=60)


def jwt_expiry(token: str) -> datetime | None:
    """The `exp` claim of a JWT, unverified; None when it is not a JWT with one."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        return None
    return datetime.fromtimestamp(exp, UTC)


@dataclass(frozen=True, slots=True)
class Tokens:
    access: str
    refresh: str
    did: str
    handle: str

    def __repr__(self) -> str:  # the tokens stay out of reprs and logs
        return f"Tokens(did={self.did!r}, handle={self.handle!r})"


class Session:
    def __init__(self, xrpc: Xrpc, *, identifier: str, password: SecretStr) -> None:
        self._xrpc = xrpc
        self.identifier = identifier
        self._password = password
        self._tokens: Tokens | None = None
        self._lock = threading.Lock()
        self.created = 0  # sessions created and refreshed: the status and the tests read them
        self.refreshed = 0

    def __repr__(self) -> str:
        return f"Session(identifier={self.identifier!r})"

    @property
    def did(self) -> str | None:
        return self._tokens.did if self._tokens is not None else None

    @property
    def handle(self) -> str | None:
        return self._tokens.handle if self._tokens is not None else None

    def tokens(self, now: datetime) -> Tokens:
        """A session whose access token is not about to expire (created or refreshed as needed)."""
        with self._lock:
            if self._tokens is None:
                self._tokens = self._create(now)
            else:
                expiry = jwt_expiry(self._tokens.access)
                if expiry is not None and now >= expiry - EARLY:
                    self._tokens = self._renew(self._tokens, now)
            return self._tokens

    def call(self, send: Callable[[str], httpx.Response], now: datetime) -> httpx.Response:
        """`send(access_token)`, once more with a refreshed token when Bluesky says it expired."""
        used = self.tokens(now)
        response = send(used.access)
        if response.status_code in (400, 401) and XrpcError.of(response).expired:
            with self._lock:
                if self._tokens is used:  # another thread may have refreshed meanwhile
                    self._tokens = self._renew(used, now)
                fresh = self._tokens
            assert fresh is not None
            response = send(fresh.access)
        return response

    # --- the two calls ----------------------------------------------------------------------------------
    def _create(self, now: datetime) -> Tokens:
        body = {"identifier": self.identifier, "password": self._password.get_secret_value()}
        response = self._xrpc.post(CREATE, body, token=None)
        if response.status_code != 200:
            raise failure(response, now, what="the sign-in")
        self.created += 1
        return _tokens(response, CREATE)

    def _renew(self, tokens: Tokens, now: datetime) -> Tokens:
        response = self._xrpc.post(REFRESH, None, token=tokens.refresh)
        if response.status_code == 200:
            self.refreshed += 1
            return _tokens(response, REFRESH)
        if response.status_code in (400, 401):
            # The refresh token is spent, expired or revoked: sign in again with the app password.
            return self._create(now)
        raise failure(response, now, what="the session refresh")


def _tokens(response: httpx.Response, nsid: str) -> Tokens:
    body = response_json(response)
    found = body if isinstance(body, dict) else {}
    values = [found.get(k) for k in ("accessJwt", "refreshJwt", "did", "handle")]
    if not all(isinstance(v, str) and v for v in values):
        raise PlatformError(ErrorKind.UNAVAILABLE, f"Bluesky's answer to {nsid} lacks the session's tokens.")
    access, refresh, did, handle = (str(v) for v in values)
    return Tokens(access, refresh, did, handle)
