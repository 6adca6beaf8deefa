"""Polling the business unit's reviews: new ones, and new versions of the ones already received.

`GET /v1/private/business-units/{id}/reviews` lists reviews by `createdAt` (`orderBy=createdat.desc`), in
pages (`page`, `perPage` up to 100); it has no "changed since". A consumer can edit a review at any time,
and a review held for moderation can be published days after it was written, so a run reads every review
written in the last `LOOKBACK` (`startDateTime`), and socialdesk's poll cursor remembers each one it has
seen there: its id, when it was written and a fingerprint of what the consumer wrote (stars, title,
text). A run stores, as one page of the API's shape, the reviews it had not seen (new) and those whose
fingerprint changed (listed under `"edited"`: the case they opened is updated, no second case).
`updatedAt` alone does not make a new version: it also moves for what the consumer did not write (the
business's answer, a tag, a report), and the card shows only what the fingerprint covers.

The first run, without a cursor, stores the reviews of the last `FIRST_RUN` only and remembers the rest
of the window as seen: socialdesk starts from the last day, not from the profile's history.

Failures store nothing and keep the cursor (the next run reads the same window again): a 429 raises
`RateLimited` until `Retry-After`; a 5xx backs off ten minutes (`RateLimited` too: Trustpilot asks
clients not to hammer it); a refused token or key raises `PollFailed` with the reason for the admin,
which socialdesk logs and shows in `/readyz`.
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
from socialdesk.sources.trustpilot.api import Api, failure

log = logging.getLogger(__name__)

PAGE_SIZE = 100  # the endpoint's maximum
MAX_PAGES = 20  # 2,000 reviews in the window; older ones are not checked for edits
LOOKBACK = timedelta(days=14)  # edits and late publications are caught within this
FIRST_RUN = timedelta(days=1)
BODY_SIZE = 50  # reviews per stored page


class PollFailed(Exception):
    """The poll fetched nothing; the message is safe to log and to show in /readyz."""


def fingerprint(item: dict[str, Any]) -> str:
    """What the consumer wrote, hashed: a change of stars, title or text is a new version."""
    wrote = [item.get("stars"), item.get("title") or "", item.get("text") or ""]
    seen = json.dumps(wrote, ensure_ascii=False)
    return hashlib.sha256(seen.encode()).hexdigest()[:16]


def _created(item: dict[str, Any]) -> datetime | None:
    try:
        return from_iso(item.get("createdAt"), "createdAt")
    except ValueError:
        return None  # the normalizer names the field when it reads the stored page


@dataclass(slots=True)
class Seen:
    """The poll cursor: review id -> (written at, fingerprint), for the reviews of the window."""

    reviews: dict[str, tuple[str, str]] = field(default_factory=dict)
    started: bool = False

    @classmethod
    def loads(cls, raw: str | None) -> Seen:
        if not raw:
            return cls()
        data = json.loads(raw)
        known = data.get("seen") or {}
        return cls({str(k): (str(v[0]), str(v[1])) for k, v in known.items()}, started=True)

    def dumps(self) -> str:
        return json.dumps({"seen": {k: list(v) for k, v in sorted(self.reviews.items())}}, sort_keys=True)

    def prune(self, horizon: datetime) -> None:
        self.reviews = {k: v for k, v in self.reviews.items() if from_iso(v[0], "seen") >= horizon}


class TrustpilotPoller(Poller):
    every = timedelta(minutes=10)  # reviews are answered within a day; the API is asked 144 times a day

    def __init__(self, api: Api, business_unit_id: str) -> None:
        self._api = api
        self.business_unit_id = business_unit_id
        self.page_size = PAGE_SIZE

    def __repr__(self) -> str:
        return f"TrustpilotPoller(business_unit_id={self.business_unit_id!r})"

    def poll(self, cursor: str | None, *, now: datetime) -> PollResult:
        seen = Seen.loads(cursor)
        horizon = now - LOOKBACK
        try:
            listed = self._read(horizon, now)
        except PlatformError as exc:
            if exc.retry_at is not None and exc.kind in (ErrorKind.RATE_LIMITED, ErrorKind.UNAVAILABLE):
                raise RateLimited(exc.retry_at, exc.message) from exc
            raise PollFailed(exc.message) from exc
        fresh: list[dict[str, Any]] = []
        edited: list[str] = []
        for item in listed:
            review_id, created = str(item.get("id") or ""), _created(item)
            if not review_id or created is None:
                fresh.append(item)  # stored as read: the normalizer says what is wrong with it
                continue
            mark = fingerprint(item)
            before = seen.reviews.get(review_id)
            seen.reviews[review_id] = (created.isoformat(), mark)
            if before is None:
                if seen.started or created >= now - FIRST_RUN:
                    fresh.append(item)
            elif before[1] != mark:
                fresh.append(item)
                edited.append(review_id)
        seen.prune(horizon)
        bodies = []
        for start in range(0, len(fresh), BODY_SIZE):
            chunk = fresh[start : start + BODY_SIZE]
            body: dict[str, Any] = {"reviews": chunk}
            ids = {str(i.get("id")) for i in chunk}
            if edited_here := [r for r in edited if r in ids]:
                body["edited"] = edited_here
            bodies.append(json.dumps(body, ensure_ascii=False).encode())
        return PollResult(bodies=bodies, cursor=seen.dumps())

    def _read(self, horizon: datetime, now: datetime) -> list[dict[str, Any]]:
        path = f"/v1/private/business-units/{self.business_unit_id}/reviews"
        found: list[dict[str, Any]] = []
        for number in range(1, MAX_PAGES + 1):
            params = [
                ("orderBy", "createdat.desc"),
                ("perPage", str(self.page_size)),
                ("page", str(number)),
                ("startDateTime", horizon.strftime("%Y-%m-%dT%H:%M:%S")),
            ]
            response = self._api.get(path, params, now)
            if response.status_code != 200:
                raise failure(response, now, what="the business unit's reviews")
            body = response_json(response)
            items = body.get("reviews") if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise PlatformError(ErrorKind.UNAVAILABLE, "Trustpilot answered without a list of reviews")
            found.extend(i for i in items if isinstance(i, dict))
            if len(items) < self.page_size:
                return found
        # The newest come first: what is left out are the oldest of the window, whose edits go unseen.
        log.warning("trustpilot: over %d reviews in %s; older ones not checked", len(found), LOOKBACK)
        return found
