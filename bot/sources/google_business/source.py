"""The Google Business Profile source: reviews of the brand's locations, polled and answered."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from socialdesk.plugins.mentions import NormalizeResult
from socialdesk.plugins.payloads import BrandAccounts
from socialdesk.plugins.replies import OutgoingReply, SentReply
from socialdesk.plugins.source import PlatformSpec, ReplyCapabilities, SamplePayload, Source
from socialdesk.sources.google_business.normalize import BusinessNormalizer
from socialdesk.sources.google_business.poller import BusinessPoller
from socialdesk.sources.google_business.replies import MAX_BYTES, BusinessReplies, byte_length
from socialdesk.sources.google_business.samples import sample_pages

GOOGLE_BUSINESS = PlatformSpec(
    "google_business",
    "Google reviews",
    ReplyCapabilities(
        public=True,
        private=False,  # a review takes a public reply only
        max_length=MAX_BYTES,
        length=byte_length,  # Google counts the reply's UTF-8 bytes
        edits=True,  # a PUT replaces the reply
        one_answer=True,  # one owner reply per review
    ),
)


class GoogleBusinessSource(Source):
    name = "google_business"
    platforms = (GOOGLE_BUSINESS,)
    accepts_webhooks = False

    def __init__(
        self, *, poller: BusinessPoller, replies: BusinessReplies, now: Callable[[], datetime]
    ) -> None:
        self.poller: BusinessPoller = poller
        self.replies = replies
        self._now = now
        self._normalize = BusinessNormalizer(GOOGLE_BUSINESS.register())

    def normalize(self, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        return self._normalize(payload, brand)

    def reply(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        return self.replies.send(reply, now=now)

    def samples(self) -> list[SamplePayload]:
        return [
            SamplePayload(name, json.dumps(page).encode(), mentions=count)
            for name, page, count in sample_pages(self._now())
        ]
