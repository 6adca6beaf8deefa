"""The App Store: customer reviews polled from App Store Connect, answered with one developer response."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from socialdesk.plugins.mentions import NormalizeResult
from socialdesk.plugins.payloads import BrandAccounts
from socialdesk.plugins.replies import OutgoingReply, SentReply
from socialdesk.plugins.source import PlatformSpec, ReplyCapabilities, SamplePayload, Source
from socialdesk.sources.appstore.normalize import AppStoreNormalizer
from socialdesk.sources.appstore.poller import AppStorePoller
from socialdesk.sources.appstore.replies import MAX_LENGTH, AppStoreReplies
from socialdesk.sources.appstore.samples import sample_pages

APPSTORE = PlatformSpec(
    "appstore",
    "App Store",
    ReplyCapabilities(
        public=True,
        private=False,  # no private answer to a review
        max_length=MAX_LENGTH,  # Apple's limit for a developer response
        edits=True,  # the response is overwritten in place
        one_answer=True,  # one developer response per review
    ),
)


class AppStoreSource(Source):
    name = "appstore"
    platforms = (APPSTORE,)
    accepts_webhooks = False  # App Store Connect pushes no review events: polled

    def __init__(
        self, *, poller: AppStorePoller, replies: AppStoreReplies, now: Callable[[], datetime]
    ) -> None:
        self.poller: AppStorePoller = poller
        self.replies = replies
        self._now = now
        self._normalize = AppStoreNormalizer(APPSTORE.register())

    def normalize(self, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        return self._normalize(payload, brand)

    def reply(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        return self.replies.send(reply, now=now)

    def samples(self) -> list[SamplePayload]:
        return [
            SamplePayload(name, json.dumps(page).encode(), mentions=count)
            for name, page, count in sample_pages(self._now())
        ]
