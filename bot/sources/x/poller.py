"""The X source's `Poller`: the mentions timeline (API v2), its position in socialdesk's poll cursor.

`XMentionsPoller` (bot/connectors/x_poller.py) does the paging, the backlog and X's rate-limit headers;
here it runs on a cursor held in memory for one poll: the core loads it before and stores what it became
(with the pages, through the inbox) after. A poll that got nothing because X said to wait raises
`RateLimited`; one that got nothing because of an error raises `PollFailed`; pages fetched before either
are returned, so what was fetched is never fetched for nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from pydantic import SecretStr

from socialdesk.plugins.mentions import NormalizeResult
from socialdesk.plugins.payloads import BrandAccounts
from socialdesk.plugins.source import Poller, PollResult, RateLimited
from socialdesk.sources.x import normalize_poll as x_poll
from socialdesk.sources.x.timeline import XMentionsPoller


class PollFailed(Exception):
    """The poll fetched nothing; the message is safe to log (it never holds the token)."""


class _HeldCursor:
    def __init__(self, value: str | None) -> None:
        self.value = value

    def load(self) -> str | None:
        return self.value

    def save(self, value: str) -> None:
        self.value = value


class _At:
    """The poll's `now` as the clock XMentionsPoller reads."""

    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


class XMentionsPolling(Poller):
    every = timedelta(minutes=1)

    def __init__(self, http: httpx.Client, *, base_url: str, user_id: str, token: SecretStr) -> None:
        self._http = http
        self._base_url = base_url
        self.user_id = user_id
        self._token = token

    def __repr__(self) -> str:  # the token stays out of reprs
        return f"XMentionsPolling(user_id={self.user_id!r})"

    def poll(self, cursor: str | None, *, now: datetime) -> PollResult:
        held = _HeldCursor(cursor)
        bodies: list[bytes] = []
        report = XMentionsPoller(
            self._http,
            user_id=self.user_id,
            bearer_token=self._token,
            sink=bodies.append,
            clock=_At(now),
            store=held,
            base_url=self._base_url,
        ).poll_once()
        if not bodies:
            if report.rate_limited and report.next_allowed_at is not None:
                raise RateLimited(report.next_allowed_at, "X asked to wait")
            if report.error is not None:
                raise PollFailed(report.error)
        return PollResult(bodies=bodies, cursor=held.value)

    def normalize(self, payload: Any, brand: BrandAccounts) -> NormalizeResult | None:
        """Polled pages are API v2 responses, not Account Activity deliveries."""
        return x_poll.normalize(payload, brand)
