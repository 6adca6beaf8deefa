"""Polling Android Publisher `reviews.list` for each configured package.

`GET androidpublisher/v3/applications/{package}/reviews?maxResults=100[&token=]` answers `reviews`
(newest change first) and `tokenPagination.nextPageToken`. Play only returns reviews with text changed
in the **last seven days**, so the poller runs every `every` (at most an hour apart) and remembers, per
package, each review's `lastModified` for eight days (`known`): a review not known, or changed since, is
stored; a known one is marked `updated` (it updates its case). A run reads pages until one holds a
review already known unchanged.

The cursor also holds the time of the last successful poll. When it is older than seven days (the
service was down, the plugin off, the quota spent for days), reviews may have come and gone unseen: the
poller logs a warning and the source shows the note in /readyz (`troubles`) for a day.

Quotas (Play Developer API: 200 `reviews.list` calls an hour per app by default): a run makes one call per
package when nothing changed. A 429 waits until `Retry-After`, a 5xx backs off (`google_auth.backoff`).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from socialdesk.plugins.mentions import MalformedPayload
from socialdesk.plugins.replies import ErrorKind, PlatformError, response_json
from socialdesk.plugins.source import Poller, PollResult
from socialdesk.sources.google_auth.api import GoogleApi, failure
from socialdesk.sources.google_auth.backoff import Backoff
from socialdesk.sources.google_play.normalize import play_time

log = logging.getLogger(__name__)

PLATFORM = "Google Play"
PAGE_SIZE = 100
MAX_PAGES = 10
WINDOW = timedelta(days=7)  # how far back Play lists reviews
REMEMBER = timedelta(days=8)
NOTE_FOR = timedelta(days=1)
ACCESS = 'added in Play Console (Users and permissions) with "Reply to reviews" for this app'


class PollFailed(Exception):
    """The poll fetched nothing; the message is safe to log and to show in /readyz."""


def _modified(review: dict[str, Any]) -> float | None:
    for comment in review.get("comments") or []:
        user = comment.get("userComment") if isinstance(comment, dict) else None
        if isinstance(user, dict):
            try:
                return play_time(user.get("lastModified"), "lastModified").timestamp()
            except MalformedPayload:
                return None  # the normalizer names the field when it reads the stored page
    return None


class PlayPoller(Poller):
    every = timedelta(minutes=30)  # at least hourly: Play's window is seven days, its quota 200 calls/hour

    def __init__(self, api: GoogleApi, packages: list[str]) -> None:
        self._api = api
        self.packages = packages
        self.backoff = Backoff()
        self.gap: tuple[str, datetime] | None = None  # a poll gap that may have lost reviews, and when seen

    def __repr__(self) -> str:
        return f"PlayPoller(packages={self.packages!r})"

    def notes(self, now: datetime) -> list[str]:
        if self.gap is not None and now - self.gap[1] < NOTE_FOR:
            return [self.gap[0]]
        return []

    def poll(self, cursor: str | None, *, now: datetime) -> PollResult:
        state = json.loads(cursor) if cursor else {}
        packages: dict[str, dict[str, float]] = {
            name: dict(known) for name, known in (state.get("known") or {}).items()
        }
        last_ok = state.get("last_ok")
        bodies: list[bytes] = []
        try:
            for package in self.packages:
                known = packages.setdefault(package, {})
                bodies.extend(self._package(package, known, now))
        except PlatformError as exc:
            wait = self.backoff.wait(exc, now)
            if bodies:  # the packages read advance; the rest is read next run (last_ok stays)
                return PollResult(bodies, _dumps(packages, last_ok))
            if wait is not None:
                raise wait from exc
            raise PollFailed(exc.message) from exc
        self.backoff.ok()
        self._check_gap(last_ok, now)
        return PollResult(bodies, _dumps(packages, now.isoformat()))

    def _check_gap(self, last_ok: str | None, now: datetime) -> None:
        if not last_ok:
            return
        previous = datetime.fromisoformat(last_ok)
        previous = previous if previous.tzinfo else previous.replace(tzinfo=UTC)
        if now - previous <= WINDOW:
            return
        days = (now - previous).days
        message = (
            f"Google Play reviews may have been lost: the previous successful poll was {days} days ago "
            f"({previous:%Y-%m-%d %H:%M} UTC) and Play only lists the last 7 days. Check the Play Console "
            "for reviews of that gap."
        )
        log.warning("google_play: %s", message)
        self.gap = (message, now)

    def _package(self, package: str, known: dict[str, float], now: datetime) -> list[bytes]:
        fresh: list[dict[str, Any]] = []
        updated: list[str] = []
        token: str | None = None
        for page_number in range(MAX_PAGES):
            reviews, token = self._page(package, token, now)
            new = []
            for review in reviews:
                review_id, at = str(review.get("reviewId")), _modified(review)
                if review_id in known and (at is None or at <= known[review_id]):
                    continue
                if review_id in known:
                    updated.append(review_id)
                new.append(review)
            fresh.extend(new)
            if len(new) < len(reviews) or not reviews or not token:
                break
            if page_number == MAX_PAGES - 1:
                log.warning(
                    "google_play: %s has over %d pages of new reviews; older skipped", package, MAX_PAGES
                )
        for review in fresh:
            at = _modified(review)
            if at is not None:
                known[str(review.get("reviewId"))] = at
        horizon = (now - REMEMBER).timestamp()
        for review_id in [i for i, at in known.items() if at < horizon]:
            del known[review_id]
        if not fresh:
            return []
        return [json.dumps({"packageName": package, "reviews": fresh, "updated": sorted(updated)}).encode()]

    def _page(
        self, package: str, token: str | None, now: datetime
    ) -> tuple[list[dict[str, Any]], str | None]:
        params = {"maxResults": str(PAGE_SIZE)}
        if token:
            params["token"] = token
        path = f"androidpublisher/v3/applications/{package}/reviews"
        response = self._api.call("GET", path, params=params, now=now)
        if response.status_code != 200:
            raise failure(response, now, platform=PLATFORM, what=f"the reviews of {package}", access=ACCESS)
        body = response_json(response)
        body = body if isinstance(body, dict) else {}
        reviews = body.get("reviews") or []
        if not isinstance(reviews, list):
            raise PlatformError(ErrorKind.UNAVAILABLE, f"{PLATFORM} answered without a list of reviews")
        paging = body.get("tokenPagination") if isinstance(body.get("tokenPagination"), dict) else {}
        next_token = paging.get("nextPageToken") if isinstance(paging, dict) else None
        return [r for r in reviews if isinstance(r, dict)], next_token if isinstance(
            next_token, str
        ) and next_token else None


def _dumps(packages: dict[str, dict[str, float]], last_ok: str | None) -> str:
    return json.dumps({"known": packages, "last_ok": last_ok}, sort_keys=True)
