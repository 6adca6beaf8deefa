"""A local Mastodon for the plugin's tests: a real HTTP server answering the three calls the plugin makes.

It checks what the real server checks: the bearer token (401), `types[]`, numeric `since_id`/`max_id`
and `limit` (<= 80) on notifications; on `POST /api/v1/statuses` a non-blank `status` within 500
characters as Mastodon counts them (links 23, a mention's domain free), a known `visibility`, an
`in_reply_to_id` naming a status it knows (404), and `Idempotency-Key` (the same key answers the status
posted first, nothing is posted twice). Every answer carries `X-RateLimit-*` headers; when the window's
calls are spent it answers 429 until `X-RateLimit-Reset`. `script(Failure(status=429 or 500, ...))`
forces an answer. Time comes from the test's clock.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from socialdesk.testing import RecordedRequest, Reply, StandInServer

LIMIT = 500
URL = re.compile(r"https?://[^\s<>\"]+")
MENTION = re.compile(r"(?<![\w@])(@\w+)@[\w.-]*\w")
VISIBILITIES = ("public", "unlisted", "private", "direct")
WINDOW = timedelta(minutes=5)
ERRORS = {429: "Too many requests", 500: "We're sorry, but something went wrong", 503: "Service unavailable"}


def counted(text: str) -> int:
    return len(MENTION.sub(lambda m: m.group(1), URL.sub("x" * 23, text)))


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


class MastodonStandIn(StandInServer):
    def __init__(
        self, *, token: str, now: Callable[[], datetime], host: str = "mastodon.example", limit: int = 300
    ) -> None:
        super().__init__()
        self.token = token
        self.now = now
        self.host = host
        self.limit = limit  # calls per five-minute window, as Mastodon's default
        self.me = {"id": "1", "username": "acme", "acct": "acme", "display_name": "Acme Help"}
        self.notifications: list[dict[str, Any]] = []
        self.statuses: dict[str, dict[str, Any]] = {}  # every status it knows, by id
        self.posted: list[dict[str, Any]] = []  # the statuses POSTed to it, as accepted
        self._by_key: dict[str, dict[str, Any]] = {}
        self._next_id = 110_000_000_000_000_100
        self._window_start: datetime | None = None
        self._window_calls = 0

    # --- what a test sets up ------------------------------------------------------------------------------
    def _id(self) -> str:
        self._next_id += 1
        return str(self._next_id)

    def add_mention(
        self,
        acct: str,
        text: str,
        *,
        visibility: str = "public",
        in_reply_to: str | None = None,
        account_id: str | None = None,
        at: datetime | None = None,
    ) -> dict[str, Any]:
        """A customer's status mentioning us, and the notification about it (newest last)."""
        username = acct.split("@")[0]
        home = acct.split("@")[1] if "@" in acct else self.host
        account = {
            "id": account_id or str(100_000 + len(self.notifications)),
            "username": username,
            "acct": acct,
            "display_name": username.title(),
            "url": f"https://{home}/@{username}",
            "followers_count": 42,
        }
        when = at or self.now()
        status = {
            "id": self._id(),
            "created_at": iso(when),
            "in_reply_to_id": in_reply_to,
            "visibility": visibility,
            "spoiler_text": "",
            "content": f'<p><span class="h-card"><a href="https://{self.host}/@acme">@<span>acme</span></a>'
            f"</span> {text}</p>",
            "url": f"https://{home}/@{username}/{self._next_id}",
            "account": account,
        }
        self.statuses[status["id"]] = status
        notification = {"id": self._id(), "type": "mention", "created_at": iso(when), "account": account}
        notification["status"] = status
        self.notifications.append(notification)
        return notification

    def remember(self, page: list[dict[str, Any]]) -> None:
        """Know the statuses of a recorded page (the plugin's samples), so replies to them are accepted."""
        for item in page:
            status = item.get("status")
            if isinstance(status, dict):
                self.statuses[str(status["id"])] = status

    def notification_calls(self) -> list[RecordedRequest]:
        return self.requests_to("GET", "/api/v1/notifications")

    # --- serving ------------------------------------------------------------------------------------------
    def handle(self, request: RecordedRequest) -> Reply:
        route = f"{request.method} {request.path}"
        failure = self.take_failure(route)
        if failure is not None and failure.status is not None:
            body = (
                failure.body if failure.body is not None else {"error": ERRORS.get(failure.status, "error")}
            )
            return Reply(failure.status, body, {**self._rate_headers(), **failure.headers})
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(401, {"error": "The access token is invalid"})
        if not self._spend():
            return Reply(429, {"error": "Too many requests"}, self._rate_headers())
        if route == "GET /api/v1/notifications":
            reply = self._notifications(request)
        elif route == "POST /api/v1/statuses":
            reply = self._post_status(request)
        elif route == "GET /api/v1/accounts/verify_credentials":
            reply = Reply(200, self.me)
        else:
            reply = Reply(404, {"error": "Record not found"})
        reply.headers.update(self._rate_headers())
        return reply

    def _spend(self) -> bool:
        now = self.now()
        if self._window_start is None or now >= self._window_start + WINDOW:
            self._window_start, self._window_calls = now, 0
        self._window_calls += 1
        return self._window_calls <= self.limit

    def _rate_headers(self) -> dict[str, str]:
        start = self._window_start or self.now()
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.limit - self._window_calls)),
            "X-RateLimit-Reset": iso(start + WINDOW),
        }

    def _notifications(self, request: RecordedRequest) -> Reply:
        query = request.query  # one value per name: the plugin sends one `types[]`
        for name in ("since_id", "max_id", "min_id"):
            value = query.get(name, "")
            if value and not value.isdigit():
                return Reply(422, {"error": f"{name} must be an id"})
        limit = query.get("limit", "40")
        if not limit.isdigit() or not 1 <= int(limit) <= 80:
            return Reply(422, {"error": "limit must be between 1 and 80"})
        wanted = query.get("types[]")
        found = [n for n in self.notifications if wanted is None or n["type"] == wanted]
        if query.get("since_id"):
            found = [n for n in found if int(n["id"]) > int(query["since_id"])]
        if query.get("max_id"):
            found = [n for n in found if int(n["id"]) < int(query["max_id"])]
        newest_first = sorted(found, key=lambda n: int(n["id"]), reverse=True)
        return Reply(200, newest_first[: int(limit)])

    def _post_status(self, request: RecordedRequest) -> Reply:
        try:
            body = json.loads(request.body) if request.body else {}
        except ValueError:
            return Reply(400, {"error": "The request body is not valid JSON"})
        key = request.headers.get("idempotency-key")
        if key and key in self._by_key:
            return Reply(200, self._by_key[key])
        text = str(body.get("status") or "")
        if not text.strip():
            return Reply(422, {"error": "Validation failed: Text can't be blank"})
        if counted(text) > LIMIT:
            return Reply(422, {"error": f"Validation failed: Text character limit of {LIMIT} exceeded"})
        visibility = body.get("visibility", "public")
        if visibility not in VISIBILITIES:
            return Reply(
                422, {"error": f"Validation failed: Visibility {visibility} is not included in the list"}
            )
        parent = body.get("in_reply_to_id")
        if parent is not None and str(parent) not in self.statuses:
            return Reply(404, {"error": "Record not found"})
        status = {
            "id": self._id(),
            "created_at": iso(self.now()),
            "in_reply_to_id": parent,
            "visibility": visibility,
            "content": f"<p>{text}</p>",
            "text": text,
            "url": f"https://{self.host}/@acme/{self._next_id}",
            "account": self.me,
        }
        self.statuses[status["id"]] = status
        self.posted.append(status)
        if key:
            self._by_key[key] = status
        return Reply(200, status)
