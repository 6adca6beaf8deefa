"""Polling `GET /v1/apps/{id}/customerReviews?sort=-createdDate` for each configured app.

Apple lists an app's reviews newest first and pages with `links.next`; there is no "since". So
socialdesk's poll cursor keeps, per app, a watermark (the newest `createdDate` stored and the review ids
seen at that instant) and a fingerprint of the rating, title and text of each review recently read. A run
reads pages from the newest back until a page reaches the watermark (at most `MAX_PAGES`), and stores:

- the reviews newer than the watermark that it never saw: new cases;
- the reviews it saw before whose fingerprint changed: edits (a customer may rewrite a review and
  change its stars; Apple keeps the id), which update the case they opened.

Edits are seen among the reviews a run reads anyway: those newer than the watermark (an edit that Apple
re-dates comes back to the top) and the first page. An edit of an old review that Apple does not re-date
and that is no longer on the first page is not seen; nor is one of a review whose fingerprint was
dropped (the newest `MAX_PRINTS` per app are kept).

The first run stores only the first page's reviews of the last `FIRST_RUN_WINDOW`: socialdesk starts from
about now, not from the app's whole history. With `territories`, the list is filtered by Apple
(`filter[territory]`).

Rate limits: App Store Connect allows about 3600 calls an hour per key. A 429 raises `RateLimited`
(Retry-After, else a few minutes); an answer saying the hour is spent (`X-Rate-Limit: ...user-hour-rem:0`)
makes the next run wait without calling. A failure after some apps were read stores what was read with
their new watermarks; the others keep theirs.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from socialdesk.plugins.payloads import from_iso
from socialdesk.plugins.replies import ErrorKind, PlatformError, response_json
from socialdesk.plugins.source import Poller, PollResult, RateLimited
from socialdesk.sources.appstore.api import FALLBACK_WAIT, AppStoreApi, failure, hour_spent

log = logging.getLogger(__name__)

PAGE_SIZE = 100  # Apple allows 1-200
MAX_PAGES = 10
MAX_PRINTS = 300
FIRST_RUN_WINDOW = timedelta(days=7)


class PollFailed(Exception):
    """The poll fetched nothing; the message is safe to log and to show (no token, no key)."""


def fingerprint(review: dict[str, Any]) -> str:
    attributes = review.get("attributes") or {}
    seen = [attributes.get("rating"), attributes.get("title"), attributes.get("body")]
    return hashlib.sha256(json.dumps(seen).encode()).hexdigest()[:12]


def _created(review: dict[str, Any]) -> datetime | None:
    try:
        return from_iso((review.get("attributes") or {}).get("createdDate"), "createdDate")
    except ValueError:
        return None  # the normalizer names the field when it reads the stored page


@dataclass(slots=True)
class AppMark:
    """One app's place: the watermark and the recent reviews' fingerprints (oldest first)."""

    at: datetime | None = None
    seen: set[str] = field(default_factory=set)
    prints: dict[str, str] = field(default_factory=dict)

    @classmethod
    def loads(cls, data: dict[str, Any]) -> AppMark:
        at = data.get("at")
        return cls(
            from_iso(at, "cursor.at") if at else None,
            set(data.get("seen") or []),
            dict(data.get("prints") or {}),
        )

    def dumps(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat() if self.at else None,
            "seen": sorted(self.seen),
            "prints": self.prints,
        }

    def is_new(self, review: dict[str, Any]) -> bool:
        at = _created(review)
        if self.at is None or at is None:
            return True
        return at > self.at or (at == self.at and str(review.get("id")) not in self.seen)

    def reached(self, review: dict[str, Any]) -> bool:
        """At or older than the watermark: the pages after this one were read before."""
        at = _created(review)
        return self.at is not None and at is not None and at <= self.at

    def advance(self, reviews: list[dict[str, Any]]) -> None:
        """`reviews` as Apple lists them, newest first; the oldest fingerprints are dropped first."""
        for review in reversed(reviews):
            at, rid = _created(review), str(review.get("id"))
            self.prints.pop(rid, None)  # re-inserted last: the most recently read are kept
            self.prints[rid] = fingerprint(review)
            if at is None:
                continue
            if self.at is None or at > self.at:
                self.at, self.seen = at, {rid}
            elif at == self.at:
                self.seen.add(rid)
        while len(self.prints) > MAX_PRINTS:
            self.prints.pop(next(iter(self.prints)))


def load_marks(cursor: str | None) -> dict[str, AppMark]:
    if not cursor:
        return {}
    data = json.loads(cursor)
    return {app: AppMark.loads(mark) for app, mark in (data.get("apps") or {}).items()}


def dump_marks(marks: dict[str, AppMark]) -> str:
    return json.dumps({"apps": {app: mark.dumps() for app, mark in sorted(marks.items())}}, sort_keys=True)


class AppStorePoller(Poller):
    every = timedelta(minutes=5)  # reviews are answered within a day; 12 calls an hour per app

    def __init__(self, api: AppStoreApi, app_ids: list[str], territories: list[str]) -> None:
        self._api = api
        self.app_ids = app_ids
        self.territories = territories
        self.not_before: datetime | None = None  # the hour's calls are spent until then
        self.last_error: str | None = None  # why the last run failed, for the log and /readyz

    def __repr__(self) -> str:
        return f"AppStorePoller(apps={self.app_ids!r})"

    def poll(self, cursor: str | None, *, now: datetime) -> PollResult:
        if self.not_before is not None and now < self.not_before:
            raise RateLimited(self.not_before, "App Store Connect's hourly limit is spent")
        self.not_before = None
        marks = load_marks(cursor)
        bodies: list[bytes] = []
        read_any = False
        try:
            for app in self.app_ids:
                mark = marks.setdefault(app, AppMark())
                body = self._poll_app(app, mark, now)
                read_any = True
                if body is not None:
                    bodies.append(body)
                if self.not_before is not None:
                    break  # the hour is spent: the other apps keep their watermarks until the next run
        except PlatformError as exc:
            self.last_error = exc.message
            if exc.kind is ErrorKind.RATE_LIMITED and exc.retry_at is not None:
                self.not_before = exc.retry_at
                if not read_any:
                    raise RateLimited(exc.retry_at, exc.message) from exc
            elif not read_any:
                raise PollFailed(exc.message) from exc
            else:  # the apps read are stored; the others are tried again at the next run
                log.warning("appstore: some apps were not read this time: %s", exc.message)
            return PollResult(bodies=bodies, cursor=dump_marks(marks))
        self.last_error = None
        return PollResult(bodies=bodies, cursor=dump_marks(marks))

    def _poll_app(self, app: str, mark: AppMark, now: datetime) -> bytes | None:
        """One app: the stored page of its new and edited reviews (None: nothing), and `mark` moved on.
        `mark` changes only when every page needed was read."""
        first_run = mark.at is None
        read: list[dict[str, Any]] = []
        new: list[dict[str, Any]] = []
        edited: list[dict[str, Any]] = []
        path: str | None = f"v1/apps/{app}/customerReviews"
        params: dict[str, str] | None = {"sort": "-createdDate", "limit": str(PAGE_SIZE)}
        if self.territories and params is not None:
            params["filter[territory]"] = ",".join(self.territories)
        for page_number in range(MAX_PAGES):
            assert path is not None
            reviews, next_link = self._page(path, params, now)
            path, params = next_link, None  # `links.next` carries the query
            reached = False
            for review in reviews:
                rid = str(review.get("id"))
                known = mark.prints.get(rid)
                if known is not None:
                    if known != fingerprint(review):
                        edited.append(review)
                elif mark.is_new(review) and (not first_run or self._recent(review, now)):
                    new.append(review)
                reached = reached or mark.reached(review)
            read.extend(reviews)
            if first_run or reached or not reviews or path is None:
                break
            if self.not_before is not None:
                break  # more to read, but not this hour: what was read is stored, the rest next time
            if page_number == MAX_PAGES - 1:
                log.warning(
                    "appstore: app %s: over %d pages of new reviews; older ones skipped", app, MAX_PAGES
                )
        mark.advance(read)
        found = new + edited
        if not found:
            return None
        page = {"app": app, "data": found, "edited": [str(r.get("id")) for r in edited]}
        return json.dumps(page).encode()

    @staticmethod
    def _recent(review: dict[str, Any], now: datetime) -> bool:
        at = _created(review)
        return at is None or at >= now - FIRST_RUN_WINDOW

    def _page(
        self, path: str, params: dict[str, str] | None, now: datetime
    ) -> tuple[list[dict[str, Any]], str | None]:
        response = self._api.get(path, params, now=now)
        if response.status_code != 200:
            raise failure(response, now, what="the list of reviews")
        if hour_spent(response.headers):
            self.not_before = now + FALLBACK_WAIT
        body = response_json(response)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise PlatformError(ErrorKind.UNAVAILABLE, "App Store Connect answered without a list of reviews")
        links = body.get("links") if isinstance(body, dict) else None
        next_link = links.get("next") if isinstance(links, dict) else None
        return [r for r in data if isinstance(r, dict)], next_link if isinstance(next_link, str) else None
