"""Bluesky: polled (a PDS pushes no webhooks to an account), answered publicly in the thread."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from socialdesk.plugins.mentions import NormalizeResult
from socialdesk.plugins.payloads import BrandAccounts
from socialdesk.plugins.replies import OutgoingReply, SentReply
from socialdesk.plugins.source import PlatformSpec, ReplyCapabilities, SamplePayload, Source
from socialdesk.sources.bluesky.normalize import BlueskyNormalizer
from socialdesk.sources.bluesky.poller import BlueskyPoller
from socialdesk.sources.bluesky.replies import BlueskyReplies
from socialdesk.sources.bluesky.samples import sample_pages
from socialdesk.sources.bluesky.session import Session
from socialdesk.sources.bluesky.text import MAX_GRAPHEMES, grapheme_length

BLUESKY = PlatformSpec(
    "bluesky",
    "Bluesky",
    ReplyCapabilities(
        public=True,
        private=False,  # no private answer to a post in the API (Bluesky's chat is a separate service)
        max_length=MAX_GRAPHEMES,
        length=grapheme_length,  # graphemes: an emoji, a flag or an accented letter count one
        edits=False,  # a Bluesky post cannot be edited
    ),
)


class BlueskySource(Source):
    name = "bluesky"
    platforms = (BLUESKY,)
    accepts_webhooks = False

    def __init__(
        self,
        session: Session,
        *,
        poller: BlueskyPoller,
        replies: BlueskyReplies,
        now: Callable[[], datetime],
    ) -> None:
        self.session = session
        self.poller: BlueskyPoller = poller
        self.replies = replies
        self._now = now
        self._normalize = BlueskyNormalizer(BLUESKY.register(), self._is_own)

    def _is_own(self, did: str, handle: str) -> bool:
        ours = {self.session.identifier.lower(), (self.session.did or ""), (self.session.handle or "")}
        return did in ours or handle.lower() in ours

    def normalize(self, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        return self._normalize(payload, brand)

    def reply(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        return self.replies.send(reply, now=now)

    def samples(self) -> list[SamplePayload]:
        return [
            SamplePayload(name, json.dumps(page).encode(), mentions=count)
            for name, page, count in sample_pages(self._now())
        ]
