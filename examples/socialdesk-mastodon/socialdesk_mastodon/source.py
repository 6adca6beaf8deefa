"""The Mastodon source: polled (Mastodon pushes no webhooks to a bot), answered publicly or privately."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from socialdesk.plugins import (
    BrandAccounts,
    NormalizeResult,
    OutgoingReply,
    PlatformSpec,
    ReplyCapabilities,
    SamplePayload,
    SentReply,
    Source,
)
from socialdesk_mastodon import replies
from socialdesk_mastodon.api import MastodonApi
from socialdesk_mastodon.normalize import MastodonNormalizer
from socialdesk_mastodon.poller import MastodonPoller
from socialdesk_mastodon.samples import sample_pages
from socialdesk_mastodon.text import MAX_STATUS, status_length

SPEC = PlatformSpec(
    "mastodon",
    "Mastodon",
    ReplyCapabilities(
        public=True,
        private=True,  # a status with visibility "direct"
        max_length=MAX_STATUS,
        length=status_length,  # links count 23, a mention's domain is free
        private_window=None,  # a direct message may go at any time
        edits=False,
    ),
)


class MastodonSource(Source):
    name = "mastodon"
    platforms = (SPEC,)
    accepts_webhooks = False

    def __init__(self, api: MastodonApi, *, host: str, every: timedelta, now: Callable[[], datetime]) -> None:
        self._api = api
        self._now = now
        self.host = host
        self.poller: MastodonPoller = MastodonPoller(api, every=every)
        self._normalize = MastodonNormalizer(SPEC.register(), host)

    def normalize(self, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        return self._normalize(payload, brand)

    def reply(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        return replies.send(self._api, reply, now=now)

    def samples(self) -> list[SamplePayload]:
        return [
            SamplePayload(name, json.dumps(page).encode(), mentions=count)
            for name, page, count in sample_pages(self._now(), self.host)
        ]
