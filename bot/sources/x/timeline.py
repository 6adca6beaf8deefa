"""Poll the X API v2 mentions timeline and hand every page, as received, to a sink (the inbox).

The position is JSON, kept by a `CursorStore`: the `cursor` table under `x:mentions:{user_id}`, or, for
the X source's `Poller`, socialdesk's poll cursor of the source `x`:

- `since_id`: the newest mention id fully ingested; a new run asks only for newer ones.
- `next_token` + `pending_newest_id`: set only while a backlog is being paged (X pages newest first).
  A crash, a 429 or `max_pages_per_poll` stops the run between pages; the next poll resumes with the
  saved `pagination_token` instead of starting over. `since_id` moves to `pending_newest_id` only once
  the last page is in, because moving it earlier would skip the older pages still to come.
- `next_allowed_at`: X said not to call before this time (429 or `x-rate-limit-remaining: 0`). It is
  stored, not just kept in memory, so a restart or another process honours it too.

Per page the order is: sink(body), then save the cursor. A crash between the two re-fetches that page,
so delivery is at-least-once and the inbox's dedupe absorbs the repeat; a page is never skipped.
Errors never raise out of `poll_once`: the scheduler gets a `PollReport` with a message that is safe to
show (it never contains the bearer token), and the cursor keeps its position.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx
from pydantic import SecretStr
from sqlalchemy import Engine

from socialdesk.clock import Clock, as_utc
from socialdesk.domain.models import Cursor
from socialdesk.store.db import session_scope

log = logging.getLogger(__name__)

# What the x_poll normalizer reads, so a case opens without a second call: threading, author, time,
# language; `note_tweet` carries the full text of posts longer than 280 characters (`text` is cut).
TWEET_FIELDS = (
    "author_id,conversation_id,created_at,entities,in_reply_to_user_id,lang,note_tweet,public_metrics,"
    "referenced_tweets"
)
USER_FIELDS = "name,username,verified,verified_type,public_metrics,profile_image_url,url"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# After a 429 without a reset header wait one X window; with a reset already past by our clock, a minute.
FALLBACK_BACKOFF = timedelta(minutes=15)
MIN_BACKOFF = timedelta(seconds=60)
TOKEN_REJECTED = "X rejected the access token"

Sink = Callable[[bytes], None]


class CursorStore(Protocol):
    """Where the poller's position lives: the `cursor` table here, the core's poll cursor for the X
    source's `Poller` (bot/sources/x/poller.py)."""

    def load(self) -> str | None: ...

    def save(self, value: str) -> None: ...


class TableCursor:
    """One row of the `cursor` table, under `key`."""

    def __init__(self, engine: Engine, key: str, clock: Clock) -> None:
        self._engine = engine
        self._key = key
        self._clock = clock

    def load(self) -> str | None:
        with session_scope(self._engine) as session:
            row = session.get(Cursor, self._key)
            return row.value if row is not None else None

    def save(self, value: str) -> None:
        with session_scope(self._engine) as session:
            row = session.get(Cursor, self._key)
            if row is None:
                row = Cursor(key=self._key, value="", updated_at=self._clock.now())
            row.value = value
            row.updated_at = self._clock.now()
            session.add(row)


def make_x_client(base_url: str, *, timeout: httpx.Timeout = DEFAULT_TIMEOUT) -> httpx.Client:
    """The client the composition root passes in; `base_url` is `X_API_URL` (ends with `/2/`)."""
    return httpx.Client(base_url=base_url, timeout=timeout, headers={"User-Agent": "socialdesk"})


@dataclass(frozen=True, slots=True)
class PollReport:
    pages: int  # pages received with status 200
    tweets: int
    next_allowed_at: datetime | None  # X asked us not to call before this (429, or the window is spent)
    rate_limited: bool  # next_allowed_at is in the future: the scheduler may skip polls until then
    error: str | None


@dataclass(slots=True)
class MentionsCursor:
    since_id: str | None = None
    next_token: str | None = None
    pending_newest_id: str | None = None
    next_allowed_at: datetime | None = None

    @classmethod
    def loads(cls, raw: str) -> MentionsCursor:
        data: dict[str, Any] = json.loads(raw) if raw else {}
        allowed = data.get("next_allowed_at")
        return cls(
            since_id=data.get("since_id"),
            next_token=data.get("next_token"),
            pending_newest_id=data.get("pending_newest_id"),
            next_allowed_at=as_utc(datetime.fromisoformat(allowed)) if allowed else None,
        )

    def dumps(self) -> str:
        allowed = self.next_allowed_at.isoformat() if self.next_allowed_at else None
        data = {
            "since_id": self.since_id,
            "next_token": self.next_token,
            "pending_newest_id": self.pending_newest_id,
            "next_allowed_at": allowed,
        }
        return json.dumps({k: v for k, v in data.items() if v is not None}, sort_keys=True)


class _Stop(Exception):
    """Ends a poll early with what to report; the cursor has already been saved or left alone."""

    def __init__(self, error: str | None) -> None:
        super().__init__(error)
        self.error = error


class XMentionsPoller:
    def __init__(
        self,
        client: httpx.Client,
        *,
        user_id: str,
        bearer_token: str | SecretStr,
        sink: Sink,
        clock: Clock,
        engine: Engine | None = None,
        store: CursorStore | None = None,
        base_url: str = "",
        page_size: int = 100,
        max_pages_per_poll: int = 10,
    ) -> None:
        """The cursor is kept in `store`, else in the `cursor` table of `engine`; `base_url` (X_API_URL)
        is for a client without one (the plugins' shared client)."""
        if not user_id.isdigit():  # it goes into the URL path
            raise ValueError("user_id must be a numeric X user id")
        if not 5 <= page_size <= 100:
            raise ValueError("page_size must be between 5 and 100 (X's max_results)")
        if max_pages_per_poll < 1:
            raise ValueError("max_pages_per_poll must be at least 1")
        self._client = client
        self.user_id = user_id
        self._token = SecretStr(bearer_token) if isinstance(bearer_token, str) else bearer_token
        self._sink = sink
        self._clock = clock
        self._base_url = base_url if not base_url or base_url.endswith("/") else base_url + "/"
        self.page_size = page_size
        self.max_pages_per_poll = max_pages_per_poll
        self.cursor_key = f"x:mentions:{user_id}"
        if store is None:
            if engine is None:
                raise ValueError("give the poller an engine or a cursor store")
            store = TableCursor(engine, self.cursor_key, clock)
        self._store = store

    def __repr__(self) -> str:  # the token stays out of reprs and therefore out of tracebacks' locals
        return f"XMentionsPoller(user_id={self.user_id!r}, cursor_key={self.cursor_key!r})"

    # -- cursor -----------------------------------------------------------------------------------
    def load_cursor(self) -> MentionsCursor:
        raw = self._store.load()
        return MentionsCursor.loads(raw) if raw is not None else MentionsCursor()

    def _save_cursor(self, cursor: MentionsCursor) -> None:
        self._store.save(cursor.dumps())

    # -- polling ----------------------------------------------------------------------------------
    def poll_once(self) -> PollReport:
        cursor = self.load_cursor()
        now = self._clock.now()
        if cursor.next_allowed_at is not None and now < cursor.next_allowed_at:
            return PollReport(0, 0, cursor.next_allowed_at, rate_limited=True, error=None)
        cursor.next_allowed_at = None
        pages = tweets = 0
        error: str | None = None
        try:
            for _ in range(self.max_pages_per_poll):
                count = self._fetch_page(cursor)
                if count is not None:
                    pages += 1
                    tweets += count
                if cursor.next_token is None or cursor.next_allowed_at is not None:
                    break
        except _Stop as stop:
            error = stop.error
        allowed = cursor.next_allowed_at if cursor.next_allowed_at and cursor.next_allowed_at > now else None
        if error is not None:
            log.warning("x mentions poll for %s stopped: %s", self.user_id, error)
        log.info("x mentions poll for %s: %d page(s), %d mention(s)", self.user_id, pages, tweets)
        return PollReport(pages, tweets, allowed, rate_limited=allowed is not None, error=error)

    def _fetch_page(self, cursor: MentionsCursor) -> int | None:
        """Fetch the page the cursor points at, deliver it, advance and save the cursor.

        Returns the number of mentions on the page, or None when the page must be fetched again.
        """
        params: dict[str, str | int] = {
            "max_results": self.page_size,
            "tweet.fields": TWEET_FIELDS,
            "expansions": "author_id",
            "user.fields": USER_FIELDS,
        }
        # since_id stays on later pages too: X scopes a pagination token to the query that produced it.
        if cursor.since_id:
            params["since_id"] = cursor.since_id
        if cursor.next_token:
            params["pagination_token"] = cursor.next_token
        headers = {"Authorization": f"Bearer {self._token.get_secret_value()}"}
        try:
            response = self._client.get(
                f"{self._base_url}users/{self.user_id}/mentions", params=params, headers=headers
            )
        except httpx.HTTPError as exc:
            raise _Stop(self._scrub(f"X request failed ({type(exc).__name__}): {exc}")) from None

        if response.status_code == 401:
            raise _Stop(TOKEN_REJECTED)
        if response.status_code == 429:
            cursor.next_allowed_at = self._backoff_until(response)
            self._save_cursor(cursor)  # the paging position is unchanged; only the wait is recorded
            log.info("x mentions for %s rate limited until %s", self.user_id, cursor.next_allowed_at)
            return None
        if response.status_code == 400 and cursor.next_token:
            # X stops honouring old pagination tokens; retrying the same one would wedge the poller forever.
            # Re-page the backlog from since_id instead: re-delivered pages are harmless downstream.
            cursor.next_token = cursor.pending_newest_id = None
            self._save_cursor(cursor)
            raise _Stop("X refused the saved pagination token; the backlog will be paged again from since_id")
        if response.status_code != 200:
            raise _Stop(self._scrub(f"X answered {response.status_code}{_problem_detail(response)}"))

        body = _json_object(response)
        if body is None or not isinstance(body.get("meta"), dict):
            detail = _errors_detail(body) if body is not None else "a body that is not a JSON object"
            raise _Stop(self._scrub(f"X returned no mentions page: {detail}"))
        data = body.get("data") or []
        meta: dict[str, Any] = body["meta"]
        if data:  # an empty page carries nothing to ingest; keep the inbox free of "nothing new" rows
            try:
                self._sink(response.content)
            except Exception as exc:
                log.exception("sink failed for an X mentions page of %s", self.user_id)
                raise _Stop(f"could not store the page ({type(exc).__name__}); will fetch it again") from None

        next_token = meta.get("next_token")
        if next_token:
            cursor.next_token = str(next_token)
            cursor.pending_newest_id = _max_id(cursor.pending_newest_id, meta.get("newest_id"))
        else:
            cursor.since_id = _max_id(cursor.since_id, cursor.pending_newest_id, meta.get("newest_id"))
            cursor.next_token = cursor.pending_newest_id = None
        if response.headers.get("x-rate-limit-remaining") == "0":
            cursor.next_allowed_at = self._reset_at(response)
        self._save_cursor(cursor)
        return len(data)

    def _reset_at(self, response: httpx.Response) -> datetime | None:
        raw = response.headers.get("x-rate-limit-reset", "")
        return datetime.fromtimestamp(int(raw), UTC) if raw.isdigit() else None

    def _backoff_until(self, response: httpx.Response) -> datetime:
        """When to call again after a 429 (X sends `x-rate-limit-reset`, never Retry-After)."""
        now = self._clock.now()
        reset = self._reset_at(response)
        if reset is None:
            return now + FALLBACK_BACKOFF
        # A reset already past by our clock (skew) would make us call again at once and earn more 429s.
        return reset if reset > now else now + MIN_BACKOFF

    def _scrub(self, message: str) -> str:
        token = self._token.get_secret_value()
        return message.replace(token, "***") if token else message


def _max_id(*ids: Any) -> str | None:
    """Snowflake ids grow with time; compare them as numbers (string order fails across lengths)."""
    present = [str(i) for i in ids if i]
    return max(present, key=int) if present else None


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _errors_detail(body: dict[str, Any]) -> str:
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("detail") or errors[0].get("message") or errors[0])
    return "no meta in the response"


def _problem_detail(response: httpx.Response) -> str:
    body = _json_object(response)
    if body is None:
        return ""
    detail = body.get("detail") or body.get("title")
    return f": {detail}" if isinstance(detail, str) else ""
