"""A local X API v2 for the parts socialdesk uses, shaped after the recorded live traffic.

Routes (under `/2`, so a client's base URL is `xapi.base_url`, like `X_API_URL=https://api.x.com/2/`):

- `GET /2/users/:id/mentions`: newest first; `since_id`, `pagination_token`, `max_results` (5-100,
  default 10), `tweet.fields`, `expansions` (`author_id`, `in_reply_to_user_id`), `user.fields`.
  Pages are `{"data", "includes", "meta"}`; a page with nothing has neither `data` nor `includes`,
  and `meta.next_token` is present only while older results remain. A pagination token pins the page
  window (ids in `(since_id, last page's oldest_id)`), so mentions arriving mid-backlog are not mixed in.
- `GET /2/users/me`.
- `POST /2/tweets`: bearer token, a JSON body, `text` required and at most 280 characters; `reply` is
  optional (without it the post is the brand's own, e.g. a crisis statement); a
  `reply.in_reply_to_tweet_id` must be a digit string (else 400) naming a known tweet (else 403 "deleted
  or not visible"); a text already posted is a 403 "duplicate content". Accepted bodies land in `posted`.
- `POST /2/dm_conversations/with/:participant_id/messages`: `text` required, at most 10,000
  characters; the participant must be a known user (else 403). Accepted messages land in `dms`.

Every authorised call counts against a per-endpoint window (`x-rate-limit-limit/remaining/reset`, reset in
unix seconds); an exhausted window answers 429 with `x-rate-limit-reset` and no `Retry-After`, as X does.
Time comes from the injected `now()` so tests move it instead of sleeping. `fail_next` forces any status
(429 also empties the window), with X's problem document or a given body and headers, a dropped
connection, or a slow answer; `delay_next` holds normal answers back. A wrong bearer token gets X's 401.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from socialdesk.standin.platforms.base import Failure, RecordedRequest, Reply, StandInServer
from socialdesk.standin.platforms.x_writes import TITLES, XWrites, invalid, problem

WINDOW_SECONDS = 15 * 60
DM_PREFIX = ["2", "dm_conversations", "with"]  # then :participant_id/messages
# Per-window limits of the real API (the mentions recordings show 450 per 15 minutes).
DEFAULT_LIMITS = {"mentions": 450, "me": 75, "tweets": 200, "dm": 200}
DEFAULT_TWEET_FIELDS = ("id", "text", "edit_history_tweet_ids")  # what X returns when not asked for more
DEFAULT_USER_FIELDS = ("id", "name", "username")
FIRST_TWEET_ID = 1_800_000_000_000_000_000  # snowflake-sized, so ids compare like real ones
UNAUTHORIZED = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}


@dataclass(slots=True)
class _Window:
    remaining: int
    reset: int


class XApiStandIn(XWrites, StandInServer):
    def __init__(
        self,
        *,
        now: Callable[[], float],
        bearer_token: str = "x-test-bearer",
        user_id: str = "2244994945",
        username: str = "socialdesk",
        limits: dict[str, int] | None = None,
    ) -> None:
        super().__init__()
        self.now = now
        self.bearer_token = bearer_token
        self.user_id = user_id
        self.limits = {**DEFAULT_LIMITS, **(limits or {})}
        self.tweets: dict[str, dict[str, Any]] = {}  # mentions of `user_id`, by id
        self.users: dict[str, dict[str, Any]] = {}
        self.posted: list[dict[str, Any]] = []  # bodies accepted by POST /2/tweets, with their new "id"
        # DMs accepted: {"participant_id", "text", "dm_event_id", "dm_conversation_id"}
        self.dms: list[dict[str, Any]] = []
        self._windows: dict[str, _Window] = {}
        self._tokens: dict[str, tuple[str | None, str]] = {}  # next_token -> (since_id, until_id)
        self._last_id = FIRST_TWEET_ID
        self.add_user(username, id=user_id, name="Social Desk")

    @property
    def base_url(self) -> str:
        return self.url + "/2/"

    # -- arranging --------------------------------------------------------------------------------
    def add_user(
        self, username: str, *, id: str | None = None, name: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        with self._lock:
            for user in self.users.values():
                if user["username"] == username:
                    return user
            user_id = id or str(1000 + len(self.users))
            user = {
                "id": user_id,
                "name": name or username.title(),
                "username": username,
                "verified": False,
                "public_metrics": {"followers_count": 0, "following_count": 0, "tweet_count": 0},
                **fields,
            }
            self.users[user_id] = user
            return user

    def add_mention(
        self,
        text: str,
        author: str = "customer",
        *,
        id: str | None = None,
        in_reply_to: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """A new mention of the account, newer than every other (unless `id` says otherwise)."""
        with self._lock:
            user = self.add_user(author)
            tweet_id = id or self._next_id()
            tweet: dict[str, Any] = {
                "id": tweet_id,
                "text": text,
                "edit_history_tweet_ids": [tweet_id],
                "author_id": user["id"],
                "created_at": datetime.fromtimestamp(self.now(), UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "conversation_id": tweet_id,
                "lang": "en",
                "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0},
            }
            parent = self.tweets.get(in_reply_to or "") or next(
                (p for p in self.posted if p["id"] == in_reply_to), None
            )
            if in_reply_to is not None:
                tweet["referenced_tweets"] = [{"type": "replied_to", "id": in_reply_to}]
                tweet["conversation_id"] = (parent or {}).get("conversation_id", in_reply_to)
                tweet["in_reply_to_user_id"] = (parent or {}).get("author_id", self.user_id)
            tweet.update(fields)
            return self.add_tweet(tweet)

    def add_tweet(self, tweet: dict[str, Any]) -> dict[str, Any]:
        """Store a tweet object verbatim (e.g. one from a recording): it is served with exactly its keys."""
        with self._lock:
            self.tweets[tweet["id"]] = tweet
            self._last_id = max(self._last_id, int(tweet["id"]))
            return tweet

    def load_page(self, body: dict[str, Any]) -> None:
        """Load the tweets and users of a recorded mentions page."""
        with self._lock:
            for user in body.get("includes", {}).get("users", []):
                self.users.setdefault(user["id"], user)
            for tweet in body.get("data", []):
                self.add_tweet(tweet)

    def load_recording(self, path: Path) -> list[dict[str, Any]]:
        """Load every mentions page of a decoded cassette; returns the recorded interactions."""
        interactions: list[dict[str, Any]] = json.loads(path.read_text())["interactions"]
        for interaction in interactions:
            if "/mentions" in interaction["request"]["uri"]:
                self.load_page(interaction["response"]["body"])
        return interactions

    def fail_next(
        self,
        status: int | str,
        *,
        times: int = 1,
        after: int = 0,
        body: Any = None,
        headers: dict[str, str] | None = None,
        delay: float | None = None,
        endpoint: str | None = None,
    ) -> None:
        """Answer the next `times` authorised calls of `endpoint` ("mentions", "me", "tweets", "dm"; None:
        any), after letting `after` through, with `status`: 429 (empties the window), any other status
        (X's problem document unless `body` is given), or "disconnect" (the socket closes unanswered).
        `headers` override the rate-limit headers; `delay` holds the answer back that many seconds."""
        disconnect = status == "disconnect"
        if not disconnect and not isinstance(status, int):
            raise ValueError("status must be an HTTP status or 'disconnect'")
        failure = Failure(
            status=None if disconnect else int(status),
            body=body,
            headers=dict(headers or {}),
            delay=delay,
            disconnect=disconnect,
            route=endpoint,
            after=after,
        )
        self.script(failure, times=times)

    def delay_next(self, seconds: float, *, times: int = 1, endpoint: str | None = None) -> None:
        """Answer the next calls normally, but only after `seconds` (a client timeout test)."""
        self.script(Failure(delay=seconds, route=endpoint), times=times)

    def exhaust(self, endpoint: str = "mentions") -> None:
        """Spend the rest of the current window, as another client of the same app would."""
        with self._lock:
            self._window(endpoint).remaining = 0

    def forget_pagination_tokens(self) -> None:
        """Invalidate outstanding `next_token`s (X answers 400 to one it no longer honours)."""
        with self._lock:
            self._tokens.clear()

    def rate_limit(self, endpoint: str = "mentions") -> tuple[int, int]:
        """(remaining, reset) of the current window."""
        with self._lock:
            window = self._window(endpoint)
            return window.remaining, window.reset

    # -- serving ----------------------------------------------------------------------------------
    def handle(self, request: RecordedRequest) -> Reply:
        route = self._route(request)
        if route is None:
            return problem(404, "Not Found Error", "Sorry, that page does not exist.")
        endpoint, handler = route
        if request.headers.get("authorization") != f"Bearer {self.bearer_token}":
            return Reply(401, UNAUTHORIZED)
        window = self._window(endpoint)
        failure = self.take_failure(endpoint)
        reply = self._forced_failure(failure, window) if failure is not None else None
        if reply is None:
            if window.remaining <= 0:
                reply = problem(429, "Too Many Requests")
            else:
                window.remaining -= 1
                reply = handler(request)
        if reply.status < 500 and not reply.disconnect:
            reply.headers = {
                "x-rate-limit-limit": str(self.limits[endpoint]),
                "x-rate-limit-remaining": str(window.remaining),
                "x-rate-limit-reset": str(window.reset),
                **reply.headers,
            }
        if failure is not None:
            reply.delay = failure.delay
        return reply

    def _route(self, request: RecordedRequest) -> tuple[str, Callable[[RecordedRequest], Reply]] | None:
        parts = request.path.strip("/").split("/")
        if request.method == "GET" and parts == ["2", "users", "me"]:
            return "me", self._me
        if request.method == "GET" and [*parts[:2], *parts[3:]] == ["2", "users", "mentions"]:
            return "mentions", self._mentions
        if request.method == "POST" and parts == ["2", "tweets"]:
            return "tweets", self._post_tweet
        if request.method == "POST" and len(parts) == 5 and parts[:3] == DM_PREFIX and parts[4] == "messages":
            return "dm", self._send_dm
        return None

    def _window(self, endpoint: str) -> _Window:
        now = self.now()
        window = self._windows.get(endpoint)
        if window is None or now >= window.reset:
            window = _Window(self.limits[endpoint], int(now) + WINDOW_SECONDS)
            self._windows[endpoint] = window
        return window

    def _forced_failure(self, failure: Failure, window: _Window) -> Reply | None:
        """The scripted answer, or None when the failure only delays a normal one."""
        if failure.disconnect:
            return Reply(0, disconnect=True)
        if failure.status is None:
            return None
        if failure.status == 429:
            window.remaining = 0  # a real 429 means the window is spent: later calls get 429 too
        if failure.body is None:
            reply = problem(failure.status, TITLES.get(failure.status, "Error"))
        else:
            reply = Reply(failure.status, failure.body)
        reply.headers.update(failure.headers)
        return reply

    def _me(self, request: RecordedRequest) -> Reply:
        return Reply(200, {"data": self._user_view(self.users[self.user_id], request.query)})

    def _mentions(self, request: RecordedRequest) -> Reply:
        user_id = request.path.strip("/").split("/")[2]
        if user_id != self.user_id and user_id not in self.users:
            # X answers 200 with an `errors` array (no data, no meta) for an unknown user.
            detail = f"Could not find user with id: [{user_id}]."
            error = {"value": user_id, "detail": detail, "title": "Not Found Error", "resource_type": "user"}
            return Reply(200, {"errors": [{**error, "parameter": "id", "resource_id": user_id}]})
        query = request.query
        raw_max = query.get("max_results", "10")
        if not raw_max.isdigit() or not 5 <= int(raw_max) <= 100:
            message = f"The `max_results` query parameter value [{raw_max}] is not between 5 and 100"
            return invalid("max_results", raw_max, message)
        for name in ("since_id", "until_id"):
            if name in query and not query[name].isdigit():
                return invalid(name, query[name], f"The `{name}` query parameter value is not valid")
        since_id, until_id = query.get("since_id"), query.get("until_id")
        if user_id != self.user_id:
            return Reply(200, {"meta": {"result_count": 0}})  # only the account's own mentions are kept
        if "pagination_token" in query:
            pinned = self._tokens.get(query["pagination_token"])
            if pinned is None:
                message = "The `pagination_token` query parameter is invalid"
                return invalid("pagination_token", query["pagination_token"], message)
            since_id, until_id = pinned
        candidates = sorted(
            (
                t
                for t in self.tweets.values()
                if (since_id is None or int(t["id"]) > int(since_id))
                and (until_id is None or int(t["id"]) < int(until_id))
            ),
            key=lambda t: int(t["id"]),
            reverse=True,
        )
        page = candidates[: int(raw_max)]
        meta: dict[str, Any] = {"result_count": len(page)}
        if not page:
            return Reply(200, {"meta": meta})
        meta.update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
        if len(candidates) > len(page):
            meta["next_token"] = self._token(since_id, page[-1]["id"])
        expansions = _csv(query.get("expansions"))
        body: dict[str, Any] = {"data": [self._tweet_view(t, query, expansions) for t in page]}
        user_keys = [k for k in ("author_id", "in_reply_to_user_id") if k in expansions]
        user_ids = _unique(t[k] for t in page for k in user_keys if k in t)
        users = [self._user_view(self.users[u], query) for u in user_ids if u in self.users]
        if users:
            body["includes"] = {"users": users}
        body["meta"] = meta
        return Reply(200, body)

    def _tweet_view(
        self, tweet: dict[str, Any], query: dict[str, str], expansions: set[str]
    ) -> dict[str, Any]:
        # An expansion brings its id field along, as on the real API.
        wanted = {*DEFAULT_TWEET_FIELDS, *_csv(query.get("tweet.fields")), *expansions}
        return {k: v for k, v in tweet.items() if k in wanted}

    def _user_view(self, user: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        wanted = {*DEFAULT_USER_FIELDS, *_csv(query.get("user.fields"))}
        return {k: v for k, v in user.items() if k in wanted}

    def _token(self, since_id: str | None, until_id: str) -> str:
        # Deterministic, opaque, and shaped like X's (lower-case base36-ish, ~45 chars).
        token = hashlib.sha256(f"{since_id}:{until_id}".encode()).hexdigest()[:45]
        self._tokens[token] = (since_id, until_id)
        return token

    def _next_id(self) -> str:
        self._last_id += 1_000_003  # gaps like real snowflakes; strictly increasing
        return str(self._last_id)


def _csv(value: str | None) -> set[str]:
    return {v.strip() for v in (value or "").split(",") if v.strip()}


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
