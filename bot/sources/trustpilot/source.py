"""Trustpilot: the business unit's service reviews, polled; answered with the business's one reply."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from socialdesk.plugins.mentions import NormalizeResult
from socialdesk.plugins.payloads import BrandAccounts
from socialdesk.plugins.replies import OutgoingReply, SentReply
from socialdesk.plugins.source import PlatformSpec, ReplyCapabilities, SamplePayload, Source
from socialdesk.sources.trustpilot.normalize import TrustpilotNormalizer
from socialdesk.sources.trustpilot.poller import TrustpilotPoller
from socialdesk.sources.trustpilot.replies import MAX_LENGTH, TrustpilotReplies
from socialdesk.sources.trustpilot.samples import sample_pages

TRUSTPILOT = PlatformSpec(
    "trustpilot",
    "Trustpilot",
    ReplyCapabilities(
        public=True,
        private=False,  # a review has no private answer
        max_length=MAX_LENGTH,
        edits=True,  # posting the reply again replaces it
        one_answer=True,  # one reply per review
    ),
)


class TrustpilotSource(Source):
    name = "trustpilot"
    platforms = (TRUSTPILOT,)
    accepts_webhooks = False

    def __init__(
        self,
        *,
        poller: TrustpilotPoller,
        replies: TrustpilotReplies,
        business_user_id: str | None,
        now: Callable[[], datetime],
    ) -> None:
        self.poller: TrustpilotPoller = poller
        self.replies = replies
        self._business_user_id = business_user_id
        self._now = now
        self._normalize = TrustpilotNormalizer(TRUSTPILOT.register())

    def normalize(self, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        return self._normalize(payload, brand)

    def reply(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        return self.replies.send(reply, now=now)

    def unconfigured(self) -> list[str]:
        if self._business_user_id:
            return []
        return [
            "TRUSTPILOT_BUSINESS_USER_ID is not set: replies name no author, which Trustpilot refuses for an "
            "application's token"
        ]

    def samples(self) -> list[SamplePayload]:
        return [
            SamplePayload(name, json.dumps(page).encode(), mentions=count)
            for name, page, count in sample_pages(self._now())
        ]
