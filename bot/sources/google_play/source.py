"""The Google Play source: reviews of the brand's Android apps, polled and answered."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from socialdesk.plugins.mentions import NormalizeResult
from socialdesk.plugins.payloads import BrandAccounts
from socialdesk.plugins.replies import OutgoingReply, SentReply
from socialdesk.plugins.source import PlatformSpec, ReplyCapabilities, SamplePayload, Source
from socialdesk.sources.google_play.normalize import PlayNormalizer
from socialdesk.sources.google_play.poller import PlayPoller
from socialdesk.sources.google_play.replies import MAX_CHARACTERS, PlayReplies
from socialdesk.sources.google_play.samples import sample_pages

GOOGLE_PLAY = PlatformSpec(
    "google_play",
    "Google Play",
    ReplyCapabilities(
        public=True,
        private=False,  # a review takes a public developer reply only
        max_length=MAX_CHARACTERS,
        edits=True,  # replying again replaces the reply
        one_answer=True,  # one developer reply per review
    ),
)


class GooglePlaySource(Source):
    name = "google_play"
    platforms = (GOOGLE_PLAY,)
    accepts_webhooks = False

    def __init__(self, *, poller: PlayPoller, replies: PlayReplies, now: Callable[[], datetime]) -> None:
        self.poller: PlayPoller = poller
        self.replies = replies
        self._now = now
        self._normalize = PlayNormalizer(GOOGLE_PLAY.register())

    def normalize(self, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        return self._normalize(payload, brand)

    def reply(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        return self.replies.send(reply, now=now)

    def troubles(self) -> list[str]:
        return self.poller.notes(self._now())

    def samples(self) -> list[SamplePayload]:
        return [
            SamplePayload(name, json.dumps(page).encode(), mentions=count)
            for name, page, count in sample_pages(self._now())
        ]
