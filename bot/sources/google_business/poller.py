"""Polling `accounts.locations.reviews.list` for each configured location, newest first.

`GET v4/{location}/reviews?orderBy=updateTime desc&pageSize=50[&pageToken=]` answers `reviews`,
`averageRating`, `totalReviewCount` and `nextPageToken`. The cursor socialdesk keeps holds, per location,
a watermark (the newest `updateTime` stored and the reviews seen at that instant), the last
`totalReviewCount` and what the poller knows of the newest reviews (their update time, reviewer and
stars: at most `KNOWN` of them). A run reads each location's pages from the newest back until it meets
the watermark: what is newer is new or updated (a review seen before is marked `updated`, so it updates
its case). The first run takes the reviews of the last `FIRST_RUN` only: socialdesk starts from recent
reviews, not from the location's whole history.

Deleted reviews are not listed; they just vanish. When `totalReviewCount` grew less than the reviews
newly seen (or fell), the poller reads the location's newest `MAX_PAGES` pages and stores the known
reviews that are missing as `deleted` (see `normalize`).

Quotas (Business Profile APIs: 300 requests a minute per project by default): a run makes one call per
location when nothing changed; a 429 waits until `Retry-After`, a 5xx backs off (`google_auth.backoff`).
A 401 after a fresh token, or a 403, is an AUTH problem: the run fails with Google's reason, which the
core logs and shows in /readyz (`last_poll`) until a run succeeds; the next run tries again.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from socialdesk.plugins.payloads import from_iso
from socialdesk.plugins.replies import ErrorKind, PlatformError, response_json
from socialdesk.plugins.source import Poller, PollResult
from socialdesk.sources.google_auth.api import GoogleApi, failure
from socialdesk.sources.google_auth.backoff import Backoff

log = logging.getLogger(__name__)

PLATFORM = "Google Business Profile"
PAGE_SIZE = 50  # the API's maximum
MAX_PAGES = 10
KNOWN = 500  # reviews remembered per location, to tell an edit from a new review and to notice deletions
FIRST_RUN = timedelta(days=7)
ACCESS = "a manager of the location in Business Profile (Users > Add)"


class PollFailed(Exception):
    """The poll fetched nothing; the message is safe to log and to show in /readyz."""


@dataclass(slots=True)
class Place:
    """One location's position: the watermark, the review count and the reviews known."""

    at: datetime | None = None
    seen: set[str] = field(default_factory=set)
    count: int | None = None
    known: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> {updateTime, reviewer, ...}

    @classmethod
    def loads(cls, data: dict[str, Any]) -> Place:
        at = data.get("at")
        return cls(
            at=from_iso(at, "cursor.at") if at else None,
            seen=set(data.get("seen") or []),
            count=data.get("count"),
            known=dict(data.get("known") or {}),
        )

    def dumps(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat() if self.at else None,
            "seen": sorted(self.seen),
            "count": self.count,
            "known": self.known,
        }

    def is_new(self, review: dict[str, Any]) -> bool:
        at = _updated(review)
        if self.at is None or at is None:
            return True
        return at > self.at or (at == self.at and str(review.get("name")) not in self.seen)

    def advance(self, reviews: list[dict[str, Any]]) -> None:
        for review in reviews:
            at, name = _updated(review), str(review.get("name"))
            if at is None:
                continue
            if self.at is None or at > self.at:
                self.at, self.seen = at, {name}
            elif at == self.at:
                self.seen.add(name)
            self.known[name] = _skeleton(review)
        if len(self.known) > KNOWN:
            newest = sorted(self.known.items(), key=lambda kv: str(kv[1].get("updateTime")), reverse=True)
            self.known = dict(newest[:KNOWN])


def _updated(review: dict[str, Any]) -> datetime | None:
    try:
        return from_iso(review.get("updateTime") or review.get("createTime"), "updateTime")
    except ValueError:
        return None  # the normalizer names the field when it reads the stored page


def _skeleton(review: dict[str, Any]) -> dict[str, Any]:
    """What is remembered of a review: enough to say on its card that it was deleted (no comment)."""
    keep = ("name", "reviewId", "reviewer", "starRating", "createTime", "updateTime")
    return {k: review[k] for k in keep if k in review}


class BusinessPoller(Poller):
    every = timedelta(minutes=15)  # reviews are answered within a day; the quota is shared per project

    def __init__(self, api: GoogleApi, locations: dict[str, str]) -> None:
        self._api = api
        self.locations = locations  # name -> label
        self.backoff = Backoff()

    def __repr__(self) -> str:
        return f"BusinessPoller(locations={list(self.locations)!r})"

    def poll(self, cursor: str | None, *, now: datetime) -> PollResult:
        state = json.loads(cursor) if cursor else {}
        places = {name: Place.loads(data) for name, data in (state.get("locations") or {}).items()}
        bodies: list[bytes] = []
        try:
            for name, label in self.locations.items():
                place = places.setdefault(name, Place())
                bodies.extend(self._location(name, label, place, now))
        except PlatformError as exc:
            wait = self.backoff.wait(exc, now)
            if bodies:  # keep what was read: those locations' positions advance, the rest is read next run
                return PollResult(bodies, _dumps(places))
            if wait is not None:
                raise wait from exc
            raise PollFailed(exc.message) from exc
        self.backoff.ok()
        return PollResult(bodies, _dumps(places))

    def _location(self, name: str, label: str, place: Place, now: datetime) -> list[bytes]:
        first_run = place.at is None
        fresh: list[dict[str, Any]] = []
        token: str | None = None
        total: int | None = None
        for page_number in range(MAX_PAGES):
            reviews, token, count = self._page(name, token, now)
            total = count if page_number == 0 else total
            new = [r for r in reviews if place.is_new(r)]
            if first_run:
                new = [r for r in new if (_updated(r) or now) >= now - FIRST_RUN]
            fresh.extend(new)
            if len(new) < len(reviews) or not reviews or not token:
                break
            if page_number == MAX_PAGES - 1:
                log.warning(
                    "google_business: %s has over %d pages of new reviews; older skipped", name, MAX_PAGES
                )
        bodies: list[bytes] = []
        if fresh:
            updated = sorted(str(r.get("name")) for r in fresh if str(r.get("name")) in place.known)
            page = {"location": name, "label": label, "reviews": fresh, "updated": updated}
            bodies.append(json.dumps(page).encode())
        brand_new = len([r for r in fresh if str(r.get("name")) not in place.known])
        vanished = place.count is not None and total is not None and total < place.count + brand_new
        place.advance(fresh)
        if vanished and not first_run:
            try:
                deleted = self._deleted(name, place, now)
            except PlatformError as exc:
                # The new reviews are kept; the count stays old, so the check is made again next run.
                log.warning("google_business: checking %s for deleted reviews failed: %s", name, exc.message)
                return bodies
            if deleted:
                bodies.append(json.dumps({"location": name, "label": label, "deleted": deleted}).encode())
        place.count = total if total is not None else place.count
        return bodies

    def _deleted(self, name: str, place: Place, now: datetime) -> list[dict[str, Any]]:
        """The known reviews Google no longer lists (read from the newest back, at most MAX_PAGES)."""
        listed: set[str] = set()
        token: str | None = None
        oldest: datetime | None = None
        for _ in range(MAX_PAGES):
            reviews, token, _count = self._page(name, token, now)
            listed.update(str(r.get("name")) for r in reviews)
            oldest = _updated(reviews[-1]) if reviews else oldest
            if not token:
                oldest = None  # read to the end: everything missing is gone
                break
        gone = [
            known
            for known_name, known in place.known.items()
            if known_name not in listed
            and (oldest is None or (_updated(known) or oldest) >= oldest)  # only where the pages reached
        ]
        for known in gone:
            place.known.pop(str(known.get("name")), None)
        return gone

    def _page(
        self, name: str, token: str | None, now: datetime
    ) -> tuple[list[dict[str, Any]], str | None, int | None]:
        params = {"pageSize": str(PAGE_SIZE), "orderBy": "updateTime desc"}
        if token:
            params["pageToken"] = token
        response = self._api.call("GET", f"v4/{name}/reviews", params=params, now=now)
        if response.status_code != 200:
            raise failure(response, now, platform=PLATFORM, what=f"the reviews of {name}", access=ACCESS)
        body = response_json(response)
        body = body if isinstance(body, dict) else {}
        reviews = body.get("reviews") or []
        if not isinstance(reviews, list):
            raise PlatformError(ErrorKind.UNAVAILABLE, f"{PLATFORM} answered without a list of reviews")
        next_token = body.get("nextPageToken")
        count = body.get("totalReviewCount")
        return (
            [r for r in reviews if isinstance(r, dict)],
            next_token if isinstance(next_token, str) and next_token else None,
            count if isinstance(count, int) else None,
        )


def _dumps(places: dict[str, Place]) -> str:
    return json.dumps({"locations": {name: place.dumps() for name, place in places.items()}}, sort_keys=True)
