"""A local Bluesky PDS for the calls socialdesk makes, answering like `bsky.social` (XRPC, JSON):

- `POST /xrpc/com.atproto.server.createSession` `{identifier, password}`: the handle, DID or e-mail and
  an app password; answers `accessJwt`, `refreshJwt`, `did`, `handle`; a wrong one is a 401
  `AuthenticationRequired` "Invalid identifier or password".
- `POST /xrpc/com.atproto.server.refreshSession` with the refresh token as bearer: a new pair; the used
  refresh token is spent. An expired one is `ExpiredToken`, a spent or revoked one `InvalidToken`.
- `GET /xrpc/app.bsky.notification.listNotifications` (`limit` 1-100, default 50; `cursor`): newest
  first, `cursor` in the answer while older ones remain.
- `POST /xrpc/com.atproto.repo.createRecord` `{repo, collection, record}`: `repo` must be the session's
  account, the record is validated as the lexicon says (`bluesky_records.check_post`: 300 graphemes,
  `createdAt`, `reply.root`/`reply.parent` strong refs, facets); answers `uri`, `cid`, `commit`.
- `GET /xrpc/com.atproto.identity.resolveHandle?handle=`: the DID of a known handle.

Every call but the two session calls needs `Authorization: Bearer <accessJwt>`: missing is a 401
`AuthenticationRequired`, a token past its `exp` (by the injected clock) a 400 `ExpiredToken`, a refresh
token a 400 `InvalidToken` "Bad token scope". Every answer carries `ratelimit-limit`, `-remaining`,
`-reset` (unix seconds) and `-policy` of the route's window; a spent window is a 429
`RateLimitExceeded`. `script(Failure(status=429 or 500, ...))` forces an answer (a 429 with the headers
of a spent window); `revoke_sessions()` makes the live refresh tokens invalid, as a PDS restart or a
revoked app password does.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from socialdesk.sources.bluesky.samples import iso, other_notification, post_notification, profile
from socialdesk.standin.platforms.base import RecordedRequest, Reply, StandInServer
from socialdesk.standin.platforms.bluesky_records import (
    ACCESS_SCOPE,
    REFRESH_SCOPE,
    Invalid,
    Tokens,
    check_post,
)

XRPC = "/xrpc/"
WINDOW = timedelta(minutes=5)
# Per-route calls per five minutes (bsky.social: 3000 overall, 30 createSession).
LIMITS = {"com.atproto.server.createSession": 30}
DEFAULT_LIMIT = 3000
ERRORS = {
    429: ("RateLimitExceeded", "Rate Limit Exceeded"),
    500: ("InternalServerError", "Internal Server Error"),
    502: ("UpstreamFailure", "Upstream Failure"),
}
_TID = "234567abcdefghijklmnopqrstuvwxyz"


def _error(status: int, error: str, message: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, {"error": error, "message": message}, headers or {})


@dataclass(slots=True)
class _Window:
    start: datetime
    calls: int = 0


class BlueskyStandIn(StandInServer):
    def __init__(
        self,
        *,
        now: Callable[[], datetime],
        handle: str = "acme.bsky.social",
        did: str = "did:plc:acmebrand0000000000000000",
        app_password: str = "abcd-efgh-ijkl-mnop",
        access_lifetime: timedelta = timedelta(hours=2),
        refresh_lifetime: timedelta = timedelta(days=90),
    ) -> None:
        super().__init__()
        self.now = now
        self.account_handle, self.did, self.app_password = handle, did, app_password
        self.access_lifetime, self.refresh_lifetime = access_lifetime, refresh_lifetime
        self.limits = dict(LIMITS)
        self.notifications: list[dict[str, Any]] = []
        self.posted: list[dict[str, Any]] = []  # createRecord bodies accepted, with the uri given
        self.handles: dict[str, str] = {handle: did}  # resolveHandle's answers
        self._tokens = Tokens()
        self._live_refresh: set[str] = set()
        self._windows: dict[str, _Window] = {}
        self._seq = 0

    # --- what a test sets up ------------------------------------------------------------------------------
    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def tid(self) -> str:
        """A record key in the TID shape (13 base32-sortable characters)."""
        value = int(self.now().timestamp() * 1_000_000) << 10 | self._next() % 1024
        return "".join(_TID[(value >> (5 * i)) & 31] for i in reversed(range(13)))

    def add_post(
        self,
        handle: str,
        text: str,
        *,
        reason: str = "mention",
        reply_to: dict[str, Any] | None = None,
        name: str = "",
        at: datetime | None = None,
    ) -> dict[str, Any]:
        """A customer's post that notifies us (`mention`, `reply` or `quote`), newest last.
        `reply_to` is a notification (or an accepted post) it answers: its thread's root is kept."""
        did = "did:plc:" + hashlib.sha256(handle.encode()).hexdigest()[:24]
        self.handles[handle] = did
        reply = None
        if reply_to is not None:
            parent = {"uri": reply_to["uri"], "cid": reply_to["cid"]}
            root = ((reply_to.get("record") or {}).get("reply") or {}).get("root") or parent
            reply = {"root": root, "parent": parent}
        cid = "bafyrei" + hashlib.sha256(f"{handle}{text}{self._next()}".encode()).hexdigest()[:52]
        item = post_notification(
            reason, profile(did, handle, name), self.tid(), cid, text, at or self.now(), reply=reply
        )
        self.notifications.append(item)
        return item

    def add_other(self, handle: str, reason: str) -> dict[str, Any]:
        """A like, repost or follow of the brand by `handle`."""
        did = "did:plc:" + hashlib.sha256(handle.encode()).hexdigest()[:24]
        item = other_notification(reason, profile(did, handle, ""), self.now(), self.tid())
        self.notifications.append(item)
        return item

    def revoke_sessions(self) -> None:
        self._live_refresh.clear()

    def calls(self, nsid: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == XRPC + nsid]

    # --- serving ------------------------------------------------------------------------------------------
    def handle(self, request: RecordedRequest) -> Reply:
        nsid = request.path.removeprefix(XRPC)
        failure = self.take_failure(f"{request.method} {request.path}")
        if failure is not None and failure.status is not None:
            if failure.status == 429:
                self._window(nsid).calls = self.limits.get(nsid, DEFAULT_LIMIT)
            error, message = ERRORS.get(failure.status, ("InternalServerError", "Internal Server Error"))
            body = failure.body if failure.body is not None else {"error": error, "message": message}
            return Reply(failure.status, body, {**self._rate_headers(nsid), **failure.headers})
        window = self._window(nsid)
        window.calls += 1
        if window.calls > self.limits.get(nsid, DEFAULT_LIMIT):
            return _error(429, "RateLimitExceeded", "Rate Limit Exceeded", self._rate_headers(nsid))
        reply = self._route(request, nsid)
        reply.headers.update(self._rate_headers(nsid))
        return reply

    def _route(self, request: RecordedRequest, nsid: str) -> Reply:
        routes: dict[tuple[str, str], Callable[[RecordedRequest], Reply]] = {
            ("POST", "com.atproto.server.createSession"): self._create_session,
            ("POST", "com.atproto.server.refreshSession"): self._refresh_session,
            ("GET", "app.bsky.notification.listNotifications"): self._list_notifications,
            ("POST", "com.atproto.repo.createRecord"): self._create_record,
            ("GET", "com.atproto.identity.resolveHandle"): self._resolve_handle,
        }
        route = routes.get((request.method, nsid))
        if route is None:
            return _error(501, "MethodNotImplemented", "Method Not Implemented")
        if nsid.startswith("com.atproto.server."):
            return route(request)
        problem = self._check_access(request)
        return problem if problem is not None else route(request)

    def _window(self, nsid: str) -> _Window:
        now = self.now()
        window = self._windows.get(nsid)
        if window is None or now >= window.start + WINDOW:
            window = self._windows[nsid] = _Window(now)
        return window

    def _rate_headers(self, nsid: str) -> dict[str, str]:
        window = self._window(nsid)
        limit = self.limits.get(nsid, DEFAULT_LIMIT)
        return {
            "ratelimit-limit": str(limit),
            "ratelimit-remaining": str(max(0, limit - window.calls)),
            "ratelimit-reset": str(int((window.start + WINDOW).timestamp())),
            "ratelimit-policy": f"{limit};w={int(WINDOW.total_seconds())}",
        }

    # --- sessions -----------------------------------------------------------------------------------------
    def _bearer(self, request: RecordedRequest) -> str | None:
        header = request.headers.get("authorization", "")
        return header.removeprefix("Bearer ") if header.startswith("Bearer ") else None

    def _claims(self, request: RecordedRequest, scope: str) -> dict[str, Any] | Reply:
        token = self._bearer(request)
        if token is None:
            return _error(401, "AuthenticationRequired", "Authentication Required")
        claims = self._tokens.read(token)
        if claims is None:
            return _error(401, "InvalidToken", "Token could not be verified")
        if claims.get("scope") != scope:
            return _error(400, "InvalidToken", "Bad token scope")
        if int(claims.get("exp", 0)) <= int(self.now().timestamp()):
            return _error(400, "ExpiredToken", "Token has expired")
        return claims

    def _check_access(self, request: RecordedRequest) -> Reply | None:
        claims = self._claims(request, ACCESS_SCOPE)
        return claims if isinstance(claims, Reply) else None

    def _session(self) -> Reply:
        now = self.now()
        access, _ = self._tokens.issue(
            self.did, ACCESS_SCOPE, now=now, lifetime_seconds=int(self.access_lifetime.total_seconds())
        )
        refresh, jti = self._tokens.issue(
            self.did, REFRESH_SCOPE, now=now, lifetime_seconds=int(self.refresh_lifetime.total_seconds())
        )
        self._live_refresh.add(jti)
        body = {
            "accessJwt": access,
            "refreshJwt": refresh,
            "handle": self.account_handle,
            "did": self.did,
            "active": True,
        }
        return Reply(200, body)

    def _create_session(self, request: RecordedRequest) -> Reply:
        body = _json(request)
        if not isinstance(body, dict) or not isinstance(body.get("identifier"), str):
            return _error(400, "InvalidRequest", 'Input must have the property "identifier"')
        if not isinstance(body.get("password"), str):
            return _error(400, "InvalidRequest", 'Input must have the property "password"')
        who = body["identifier"].lower().lstrip("@")
        if who not in (self.account_handle, self.did) or not secrets.compare_digest(
            body["password"], self.app_password
        ):
            return _error(401, "AuthenticationRequired", "Invalid identifier or password")
        return self._session()

    def _refresh_session(self, request: RecordedRequest) -> Reply:
        claims = self._claims(request, REFRESH_SCOPE)
        if isinstance(claims, Reply):
            return claims
        jti = str(claims.get("jti"))
        if jti not in self._live_refresh:
            return _error(400, "InvalidToken", "Token has been revoked")
        self._live_refresh.discard(jti)  # a refresh token works once
        return self._session()

    # --- the API ------------------------------------------------------------------------------------------
    def _list_notifications(self, request: RecordedRequest) -> Reply:
        limit = request.query.get("limit", "50")
        if not limit.isdigit() or not 1 <= int(limit) <= 100:
            return _error(400, "InvalidRequest", "Error: limit must be between 1 and 100")
        newest_first = sorted(self.notifications, key=lambda n: (n["indexedAt"], n["uri"]), reverse=True)
        cursor = request.query.get("cursor")
        if cursor:
            at, _, uri = cursor.partition("::")
            newest_first = [n for n in newest_first if (n["indexedAt"], n["uri"]) < (at, uri)]
        page = newest_first[: int(limit)]
        body: dict[str, Any] = {"notifications": page, "priority": False, "seenAt": iso(self.now())}
        if len(newest_first) > len(page):
            body["cursor"] = f"{page[-1]['indexedAt']}::{page[-1]['uri']}"
        return Reply(200, body)

    def _create_record(self, request: RecordedRequest) -> Reply:
        body = _json(request)
        if not isinstance(body, dict):
            return _error(400, "InvalidRequest", "Input must be an object")
        for key in ("repo", "collection", "record"):
            if key not in body:
                return _error(400, "InvalidRequest", f'Input must have the property "{key}"')
        if body["repo"] not in (self.did, self.account_handle):
            return _error(401, "AuthenticationRequired", "Authentication Required")
        if body["collection"] != "app.bsky.feed.post":
            return _error(400, "InvalidRequest", f"Unsupported collection: {body['collection']}")
        try:
            check_post(body["record"])
        except Invalid as exc:
            return _error(400, "InvalidRequest", f"Invalid app.bsky.feed.post record: {exc}")
        uri = f"at://{self.did}/app.bsky.feed.post/{self.tid()}"
        cid = "bafyrei" + hashlib.sha256(json.dumps(body["record"]).encode()).hexdigest()[:52]
        self.posted.append({**body, "uri": uri, "cid": cid})
        commit = {"cid": "bafyreicommit" + cid[12:40], "rev": self.tid()}
        return Reply(200, {"uri": uri, "cid": cid, "commit": commit, "validationStatus": "valid"})

    def _resolve_handle(self, request: RecordedRequest) -> Reply:
        did = self.handles.get(request.query.get("handle", "").lower())
        if did is None:
            return _error(400, "InvalidRequest", "Unable to resolve handle")
        return Reply(200, {"did": did})


def _json(request: RecordedRequest) -> Any:
    try:
        return json.loads(request.body) if request.body else None
    except ValueError:
        return None
