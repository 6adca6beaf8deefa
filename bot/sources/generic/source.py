"""The generic webhook: socialdesk's documented mention JSON at `/webhooks/generic` (docs/generic-webhook.md).

Its own platforms are reddit, review sites and `other`; a delivery may name any platform socialdesk knows
(a relay of X posts names `x`), and a reply goes to whichever source answers on that platform. Replies to
the generic platforms go to the integrator's receiver at `GENERIC_REPLY_URL`, signed with `WEBHOOK_SECRET`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from socialdesk.connectors import signing as verify
from socialdesk.plugins.mentions import NormalizeResult
from socialdesk.plugins.payloads import BrandAccounts
from socialdesk.plugins.replies import ErrorKind, OutgoingReply, ReplyConnector, SentReply
from socialdesk.plugins.source import (
    PlatformSpec,
    ReplyCapabilities,
    SamplePayload,
    Source,
    WebhookAnswer,
    WebhookRequest,
)
from socialdesk.sources.generic import normalize as generic_normalizer
from socialdesk.sources.generic.replies import GenericReplyConnector
from socialdesk.sources.generic.samples import sample_payloads
from socialdesk.sources.generic.settings import GenericSettings
from socialdesk.sources.settings_base import present, secret_text
from socialdesk.sources.unconfigured import Unconfigured

_BOTH = ReplyCapabilities(public=True, private=True)
REDDIT = PlatformSpec("reddit", "Reddit", _BOTH)
REVIEW = PlatformSpec("review", "Review site", _BOTH)
OTHER = PlatformSpec("other", "Other", _BOTH)
NO_RECEIVER = (
    "Replies to mentions from this source go to a receiver at GENERIC_REPLY_URL, which is not set. "
    "Answer on the site itself, or ask an admin to configure the receiver."
)
NO_SECRET = (
    "Replies through GENERIC_REPLY_URL are signed with WEBHOOK_SECRET, which is not set: ask an "
    "admin to set it."
)


class GenericSource(Source):
    name = "generic"
    platforms = (REDDIT, REVIEW, OTHER)
    accepts_webhooks = True

    def __init__(
        self,
        settings: GenericSettings,
        *,
        connector: ReplyConnector,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._settings = settings
        self.connector = connector  # public: a test may put one on another client in its place
        self._now = now  # the samples' delivery time (their signature is time-stamped)

    @property
    def can_reply(self) -> bool:
        return not isinstance(self.connector, Unconfigured)

    def configured(self) -> bool:
        s = self._settings
        return present(s.webhook_secret) is not None or s.generic_reply_url is not None

    def unconfigured(self) -> list[str]:
        notes = []
        if present(self._settings.webhook_secret) is None:
            notes.append("WEBHOOK_SECRET is not set: the webhook answers 503")
        if self._settings.generic_reply_url is None:
            notes.append("GENERIC_REPLY_URL is not set: replies are refused")
        return notes

    def challenge(self, request: WebhookRequest) -> WebhookAnswer:
        return WebhookAnswer.refuse(405, "the generic webhook takes POST only")

    def verify(self, request: WebhookRequest) -> WebhookAnswer | None:
        secret = secret_text(self._settings.webhook_secret)
        if secret is None:
            return WebhookAnswer.refuse(503, "WEBHOOK_SECRET is not configured")
        check = verify.check_generic_request(
            request.body,
            signature=request.headers.get("x-socialdesk-signature"),
            timestamp=request.headers.get("x-socialdesk-timestamp"),
            secret=secret,
            now=request.now,
        )
        if check.failure is not None:
            return WebhookAnswer.refuse(check.failure.http_status, f"X-Socialdesk-Signature: {check.reason}")
        return None

    def normalize(self, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        return generic_normalizer.normalize(payload, brand)

    def reply(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        return self.connector.send(reply, now=now)

    def samples(self) -> list[SamplePayload]:
        return sample_payloads(self._now(), secret_text(self._settings.webhook_secret))


def build_generic(
    settings: GenericSettings, http: httpx.Client, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> GenericSource:
    secret = present(settings.webhook_secret)
    connector: ReplyConnector
    if settings.generic_reply_url is None:
        connector = Unconfigured(ErrorKind.UNSUPPORTED, NO_RECEIVER)
    elif secret is None:
        connector = Unconfigured(ErrorKind.AUTH, NO_SECRET)
    else:
        connector = GenericReplyConnector(http, url=settings.generic_reply_url, secret=secret)
    return GenericSource(settings, connector=connector, now=now)
