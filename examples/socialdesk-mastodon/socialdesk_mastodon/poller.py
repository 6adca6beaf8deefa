"""Polling Mastodon for new mentions: the cursor is the newest notification id already stored.

A run asks for `since_id=<cursor>` and, while pages come back full, for the next older page (`max_id`),
so a burst between two polls is fetched whole (up to `MAX_PAGES` pages). socialdesk stores every page in
its inbox before it saves the new cursor, so a crash fetches a page again instead of losing it. The first
run, without a cursor, takes the newest page only: socialdesk starts from now, not from the account's
whole history.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from socialdesk.plugins import Poller, PollResult, RateLimited
from socialdesk_mastodon.api import PAGE_SIZE, MastodonApi, MastodonError, error_text, retry_time

log = logging.getLogger(__name__)

MAX_PAGES = 10


@dataclass(frozen=True)
class LastPoll:
    """What `/social mastodon status` shows: the last run's time, its cursor and what it fetched."""

    at: datetime
    cursor: str | None
    mentions: int
    outcome: str


class MastodonPoller(Poller):
    def __init__(self, api: MastodonApi, *, every: timedelta) -> None:
        self._api = api
        self.every = every
        self.last: LastPoll | None = None

    def poll(self, cursor: str | None, *, now: datetime) -> PollResult:
        try:
            result, count = self._fetch(cursor, now)
        except RateLimited:
            self.last = LastPoll(now, cursor, 0, "rate limited")
            raise
        except Exception as exc:
            self.last = LastPoll(now, cursor, 0, f"failed: {exc}")
            raise
        self.last = LastPoll(now, result.cursor or cursor, count, "ok")
        return result

    def _fetch(self, cursor: str | None, now: datetime) -> tuple[PollResult, int]:
        bodies: list[bytes] = []
        count = 0
        newest: str | None = None
        max_id: str | None = None
        for _ in range(MAX_PAGES):
            response = self._api.notifications(since_id=cursor, max_id=max_id)
            if response.status_code == 429:
                raise RateLimited(retry_time(response.headers, now), "Mastodon rate limit")
            if response.status_code != 200:
                raise MastodonError(
                    f"notifications: Mastodon answered {response.status_code} {error_text(response)}"
                )
            page = response.json()
            if not isinstance(page, list):
                raise MastodonError("notifications: the answer is not a list")
            if not page:
                break
            bodies.append(response.content)
            count += len(page)
            newest = newest or str(page[0]["id"])  # newest first: the first page's first item
            if cursor is None or len(page) < PAGE_SIZE:
                break
            max_id = str(page[-1]["id"])
        else:
            log.warning(
                "mastodon: more than %d pages of new mentions; older ones were not fetched", MAX_PAGES
            )
        return PollResult(bodies=bodies, cursor=newest), count
