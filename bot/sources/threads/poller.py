"""Polling Threads where a team cannot take webhooks: mentions, and replies under the brand's posts.

One run:

1. `GET /{user-id}/mentions?since=<mentions_since>`, paged by `paging.cursors.after`: posts and replies
   that tag the brand;
2. `GET /{user-id}/threads?since=<now - 7 days>`: the brand's recent posts, then for each
   `GET /{post-id}/conversation?reverse=true`: the whole reply tree, newest first, paged until the
   items are older than `replies_since`.

What is new is handed to socialdesk as pages of the poller's own envelope (normalize.py), one per edge
and root post, so the inbox holds only new items. The cursor socialdesk keeps for the source is JSON:
`{"mentions_since", "replies_since"}` (unix seconds of the newest item seen; items at that very second
are fetched again, which the inbox's and ingest's dedupe absorb, so none is lost to a tie) and
`next_allowed_at` when Threads asked us to wait while some pages were already fetched.

Rate limits: a 429 or a Graph limit code (4, 17, 32, 613) stops the run with `RateLimited` until
`Retry-After`, the usage header's `estimated_time_to_regain_access`, or 15 minutes; `X-App-Usage` at 95%
of the app's budget stops it for an hour before Threads starts refusing. Replies to posts older than
the 7-day window are not polled (webhooks have no such limit).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from socialdesk.clock import as_utc
from socialdesk.plugins.mentions import MalformedPayload, NormalizeResult
from socialdesk.plugins.payloads import BrandAccounts, from_iso
from socialdesk.plugins.source import Poller, PollResult, RateLimited
from socialdesk.sources.threads.api import (
    MEDIA_FIELDS,
    ThreadsApi,
    error_code,
    is_rate_limited,
    usage_percent,
    wait_until,
)
from socialdesk.sources.threads.normalize import ThreadsNormalizer

log = logging.getLogger(__name__)

PAGE_SIZE = 25
MAX_PAGES = 5  # per edge and per post, per run: a burst is fetched over a few runs, not in one long one
MAX_POSTS = 25  # of the brand's recent posts whose replies are polled
REPLY_WINDOW = timedelta(days=7)
FIRST_LOOKBACK = timedelta(hours=1)  # the first run starts here, not at the account's whole history
USAGE_CEILING = 95
USAGE_PAUSE = timedelta(hours=1)


class PollFailed(Exception):
    """The run fetched nothing because of an error; the message is safe to log (no token)."""


@dataclass(slots=True)
class ThreadsCursor:
    mentions_since: int
    replies_since: int
    next_allowed_at: datetime | None = None

    @classmethod
    def start(cls, now: datetime) -> ThreadsCursor:
        since = int((now - FIRST_LOOKBACK).timestamp())
        return cls(mentions_since=since, replies_since=since)

    @classmethod
    def loads(cls, raw: str | None, now: datetime) -> ThreadsCursor:
        if not raw:
            return cls.start(now)
        try:
            data = json.loads(raw)
            allowed = data.get("next_allowed_at")
            return cls(
                mentions_since=int(data["mentions_since"]),
                replies_since=int(data["replies_since"]),
                next_allowed_at=as_utc(datetime.fromisoformat(allowed)) if allowed else None,
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("threads poller: unreadable cursor, starting from the last hour")
            return cls.start(now)

    def dumps(self) -> str:
        data: dict[str, Any] = {"mentions_since": self.mentions_since, "replies_since": self.replies_since}
        if self.next_allowed_at is not None:
            data["next_allowed_at"] = self.next_allowed_at.isoformat()
        return json.dumps(data, sort_keys=True)


class _Stop(Exception):
    def __init__(self, message: str, *, retry_at: datetime | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_at = retry_at


@dataclass(slots=True)
class _Run:
    now: datetime
    bodies: list[bytes] = field(default_factory=list)
    pause_until: datetime | None = None  # the usage header says stop after this call


class ThreadsPolling(Poller):
    def __init__(
        self, api: ThreadsApi, *, user_id: str, every: timedelta, normalizer: ThreadsNormalizer
    ) -> None:
        self._api = api
        self.user_id = user_id
        self.every = every
        self._normalizer = normalizer

    def __repr__(self) -> str:
        return f"ThreadsPolling(user_id={self.user_id!r})"

    def normalize(self, payload: Any, brand: BrandAccounts) -> NormalizeResult | None:
        return self._normalizer.poll_page(payload, brand)

    def poll(self, cursor: str | None, *, now: datetime) -> PollResult:
        state = ThreadsCursor.loads(cursor, now)
        if state.next_allowed_at is not None and now < state.next_allowed_at:
            raise RateLimited(state.next_allowed_at, "Threads asked to wait")
        state.next_allowed_at = None
        run = _Run(now)
        try:
            state.mentions_since = self._mentions(run, state.mentions_since)
            if run.pause_until is None:
                state.replies_since = self._replies(run, state.replies_since)
        except _Stop as stop:
            if not run.bodies:
                if stop.retry_at is not None:
                    raise RateLimited(stop.retry_at, stop.message) from None
                raise PollFailed(stop.message) from None
            log.warning("threads poll stopped after %d page(s): %s", len(run.bodies), stop.message)
            state.next_allowed_at = stop.retry_at
        if run.pause_until is not None:
            state.next_allowed_at = max(run.pause_until, state.next_allowed_at or run.pause_until)
        return PollResult(bodies=run.bodies, cursor=state.dumps())

    # -- edges -------------------------------------------------------------------------------------
    def _mentions(self, run: _Run, since: int) -> int:
        params: dict[str, str | int] = {"fields": MEDIA_FIELDS, "since": since, "limit": PAGE_SIZE}
        items, complete = self._paged(run, f"{self.user_id}/mentions", params, stop_before=None)
        fresh = [i for i in items if _unix(i) is None or (_unix(i) or 0) >= since]
        if fresh:
            run.bodies.append(_page("mentions", self.user_id, None, fresh))
        if not complete:  # older pages are still to come: the next run starts from the same point
            return since
        return max([since, *(t for t in map(_unix, fresh) if t is not None)])

    def _replies(self, run: _Run, since: int) -> int:
        window = int((run.now - REPLY_WINDOW).timestamp())
        params: dict[str, str | int] = {"fields": "id,timestamp", "since": window, "limit": MAX_POSTS}
        response = self._call(run, f"{self.user_id}/threads", params)
        posts = _data(response)[:MAX_POSTS]
        newest, complete = since, True
        for post in posts:
            if run.pause_until is not None:
                break  # the next runs continue from `since`: nothing is skipped
            post_id = str(post.get("id") or "")
            if not post_id.isdigit():
                continue
            query: dict[str, str | int] = {"fields": MEDIA_FIELDS, "reverse": "true", "limit": PAGE_SIZE}
            items, done = self._paged(run, f"{post_id}/conversation", query, stop_before=since)
            complete = complete and done
            fresh = [i for i in items if _unix(i) is None or (_unix(i) or 0) >= since]
            if fresh:
                run.bodies.append(_page("conversation", self.user_id, post_id, fresh))
            newest = max([newest, *(t for t in map(_unix, fresh) if t is not None)])
        return newest if complete and run.pause_until is None else since

    def _paged(
        self, run: _Run, path: str, params: dict[str, str | int], *, stop_before: int | None
    ) -> tuple[list[dict[str, Any]], bool]:
        """Items of up to MAX_PAGES pages, and whether that was all of them; newest-first pages stop
        once they reach items older than `stop_before`."""
        items: list[dict[str, Any]] = []
        for _ in range(MAX_PAGES):
            response = self._call(run, path, params)
            page = _data(response)
            items.extend(page)
            after = _after(response)
            older = stop_before is not None and any((_unix(i) or stop_before) < stop_before for i in page)
            if not page or after is None or older:
                return items, True
            if run.pause_until is not None:
                return items, False
            params = {**params, "after": after}
        log.warning("threads: more than %d pages on %s; the rest comes in the next runs", MAX_PAGES, path)
        return items, False

    def _call(self, run: _Run, path: str, params: dict[str, str | int]) -> httpx.Response:
        try:
            response = self._api.get(path, params)
        except httpx.HTTPError as exc:
            raise _Stop(self._api.scrub(f"Threads request failed ({type(exc).__name__})")) from None
        if is_rate_limited(response):
            raise _Stop("Threads rate limit", retry_at=wait_until(response, run.now))
        if response.status_code != 200:
            code, _, message = error_code(response)
            detail = f" (code {code}: {message[:120]})" if code is not None else ""
            raise _Stop(self._api.scrub(f"Threads answered {response.status_code} on {path}{detail}"))
        if usage_percent(response.headers) >= USAGE_CEILING:
            run.pause_until = run.now + USAGE_PAUSE
            log.info("threads: the app's usage is at %d%%; polling pauses", usage_percent(response.headers))
        return response


def _data(response: httpx.Response) -> list[dict[str, Any]]:
    try:
        body = response.json()
    except ValueError:
        raise _Stop("Threads answered a body that is not JSON") from None
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        raise _Stop("Threads answered a page without `data`")
    return [item for item in data if isinstance(item, dict)]


def _after(response: httpx.Response) -> str | None:
    body = response.json()
    paging = body.get("paging") if isinstance(body, dict) else None
    if not isinstance(paging, dict) or not paging.get("next"):
        return None
    cursors = paging.get("cursors")
    after = cursors.get("after") if isinstance(cursors, dict) else None
    return str(after) if after else None


def _unix(item: dict[str, Any]) -> int | None:
    try:
        return int(from_iso(item.get("timestamp"), "timestamp").timestamp())
    except MalformedPayload:
        return None


def _page(edge: str, user_id: str, root_id: str | None, items: list[dict[str, Any]]) -> bytes:
    body: dict[str, Any] = {"threads_poll": edge, "user_id": user_id, "data": items}
    if root_id is not None:
        body["root_id"] = root_id
        body["root_ours"] = True  # conversations are polled under the brand's own posts only
    return json.dumps(body, sort_keys=True, ensure_ascii=False).encode()
