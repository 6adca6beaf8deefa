"""Polling `app.bsky.notification.listNotifications`: new notifications since the last poll.

Bluesky lists notifications newest first and its `cursor` pages *back* in time; there is no "since".
So socialdesk's poll cursor holds a watermark, the newest `indexedAt` already stored and the uris seen at
that instant (`{"at": ..., "seen": [...]}`), and a run reads pages from the newest back, following
Bluesky's cursor, until it meets the watermark (at most `MAX_PAGES` pages). Only the notifications newer
than the watermark are stored, as a page of the same shape. The first run, without a watermark, stores
the newest page only: socialdesk starts from now, not from the account's history. The notifications are
not marked as seen (`updateSeen` is not called), so the team's own Bluesky app still shows them unread.

Rate limits: a 429 raises `RateLimited` until `ratelimit-reset`; an answer saying the window is spent
(`ratelimit-remaining: 0`) makes the next run wait until the reset without calling. A failure after some
pages were read returns those with the old watermark, so nothing is skipped: the next run reads them
again and ingest recognises the mentions it already has.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from socialdesk.plugins.payloads import from_iso
from socialdesk.plugins.replies import ErrorKind, PlatformError, response_json
from socialdesk.plugins.source import Poller, PollResult, RateLimited
from socialdesk.sources.bluesky.session import Session
from socialdesk.sources.bluesky.xrpc import Xrpc, failure, spent_until

log = logging.getLogger(__name__)

LIST = "app.bsky.notification.listNotifications"
PAGE_SIZE = 50  # the lexicon allows 1-100
MAX_PAGES = 10


class PollFailed(Exception):
    """The poll fetched nothing; the message is safe to log."""


@dataclass(slots=True)
class Watermark:
    at: datetime | None = None
    seen: set[str] = field(default_factory=set)

    @classmethod
    def loads(cls, raw: str | None) -> Watermark:
        if not raw:
            return cls()
        data = json.loads(raw)
        return cls(from_iso(data["at"], "cursor.at"), set(data.get("seen") or []))

    def dumps(self) -> str | None:
        if self.at is None:
            return None
        return json.dumps({"at": self.at.isoformat(), "seen": sorted(self.seen)})

    def is_new(self, item: dict[str, Any]) -> bool:
        at = _indexed(item)
        if self.at is None or at is None:
            return True
        return at > self.at or (at == self.at and str(item.get("uri")) not in self.seen)

    def advance(self, items: list[dict[str, Any]]) -> None:
        for item in items:
            at = _indexed(item)
            if at is None:
                continue
            if self.at is None or at > self.at:
                self.at, self.seen = at, {str(item.get("uri"))}
            elif at == self.at:
                self.seen.add(str(item.get("uri")))


def _indexed(item: dict[str, Any]) -> datetime | None:
    try:
        return from_iso(item.get("indexedAt"), "indexedAt")
    except ValueError:
        return None  # the normalizer names the field when it reads the stored page


class BlueskyPoller(Poller):
    every = timedelta(minutes=1)

    def __init__(self, xrpc: Xrpc, session: Session) -> None:
        self._xrpc = xrpc
        self._session = session
        self.not_before: datetime | None = None  # the window is spent until then

    def __repr__(self) -> str:
        return f"BlueskyPoller(identifier={self._session.identifier!r})"

    def poll(self, cursor: str | None, *, now: datetime) -> PollResult:
        if self.not_before is not None and now < self.not_before:
            raise RateLimited(self.not_before, "Bluesky's rate-limit window is spent")
        self.not_before = None
        mark = Watermark.loads(cursor)
        first_run = mark.at is None
        bodies: list[bytes] = []
        fresh: list[dict[str, Any]] = []
        page_cursor: str | None = None
        try:
            for page_number in range(MAX_PAGES):
                items, page_cursor = self._page(page_cursor, now)
                new = [item for item in items if mark.is_new(item)]
                if new:
                    bodies.append(json.dumps({"notifications": new}).encode())
                    fresh.extend(new)
                if first_run or len(new) < len(items) or not items or not page_cursor:
                    break
                if self.not_before is not None:  # more to read, but not in this window: keep the watermark
                    return PollResult(bodies=bodies, cursor=None)
                if page_number == MAX_PAGES - 1:
                    log.warning("bluesky: over %d pages of new notifications; older ones skipped", MAX_PAGES)
        except PlatformError as exc:
            if exc.kind is ErrorKind.RATE_LIMITED and exc.retry_at is not None:
                self.not_before = exc.retry_at
                if not bodies:
                    raise RateLimited(exc.retry_at, exc.message) from exc
            elif not bodies:
                raise PollFailed(exc.message) from exc
            # Keep the old watermark: the pages not read are read next time.
            return PollResult(bodies=bodies, cursor=None)
        mark.advance(fresh)
        return PollResult(bodies=bodies, cursor=mark.dumps())

    def _page(self, page_cursor: str | None, now: datetime) -> tuple[list[dict[str, Any]], str | None]:
        params = [("limit", str(PAGE_SIZE))]
        if page_cursor:
            params.append(("cursor", page_cursor))
        response = self._session.call(lambda token: self._xrpc.get(LIST, params, token=token), now)
        if response.status_code != 200:
            raise failure(response, now, what="the notifications")
        self.not_before = spent_until(response.headers, now)
        body = response_json(response)
        items = body.get("notifications") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise PlatformError(ErrorKind.UNAVAILABLE, f"{LIST} answered without a list of notifications")
        next_cursor = body.get("cursor") if isinstance(body, dict) else None
        return [i for i in items if isinstance(i, dict)], next_cursor if isinstance(
            next_cursor, str
        ) else None
