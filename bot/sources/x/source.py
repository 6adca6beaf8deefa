"""X: the Account Activity webhook at `/webhooks/x` (CRC + signed deliveries) and the mentions poller."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

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
from socialdesk.sources.settings_base import present, secret_text
from socialdesk.sources.unconfigured import Unconfigured
from socialdesk.sources.x import normalize as x_normalizer
from socialdesk.sources.x import normalize_poll as x_poll
from socialdesk.sources.x import verify
from socialdesk.sources.x.poller import XMentionsPolling
from socialdesk.sources.x.replies import DM_LIMIT, POST_LIMIT, XReplyConnector
from socialdesk.sources.x.samples import sample_payloads
from socialdesk.sources.x.settings import XSettings
from socialdesk.sources.x.text import URL_WEIGHT, weighted_length

# X counts 280 weighted characters (links 23, wide characters 2) for a post; a DM is answered privately.
X = PlatformSpec(
    "x",
    "X",
    ReplyCapabilities(
        public=True,
        private=True,
        max_length=POST_LIMIT,
        length=weighted_length,  # the one counter: preview, connector and statement checks agree
        private_max_length=DM_LIMIT,
        link_note=f"each link counts as {URL_WEIGHT}",
    ),
)
NO_TOKEN = "Replies on X need X_ACCESS_TOKEN, which is not set: ask an admin to connect X."


class XSource(Source):
    name = "x"
    platforms = (X,)
    accepts_webhooks = True

    def __init__(
        self,
        settings: XSettings,
        *,
        connector: ReplyConnector,
        poller: XMentionsPolling | None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._settings = settings
        self.connector = connector  # public: a test may put one on another client in its place
        self.poller = poller
        self._now = now  # the samples' delivery time

    @property
    def can_reply(self) -> bool:
        return not isinstance(self.connector, Unconfigured)

    def configured(self) -> bool:
        s = self._settings
        return any(present(v) is not None for v in (s.x_consumer_secret, s.x_access_token))

    def unconfigured(self) -> list[str]:
        s = self._settings
        notes = [
            f"{name} is not set: {effect}"
            for name, value, effect in (
                ("X_CONSUMER_SECRET", s.x_consumer_secret, "the webhook answers 503"),
                ("X_ACCESS_TOKEN", s.x_access_token, "replies are refused and nothing is polled"),
            )
            if present(value) is None
        ]
        if present(s.x_access_token) is not None and s.x_user_id is None:
            notes.append("X_USER_ID is not set: mentions are not polled")
        return notes

    def challenge(self, request: WebhookRequest) -> WebhookAnswer:
        secret = secret_text(self._settings.x_consumer_secret)
        if secret is None:
            return WebhookAnswer.refuse(503, "X_CONSUMER_SECRET is not configured")
        crc_token = request.query.get("crc_token")
        if not crc_token:
            return WebhookAnswer.refuse(400, "crc_token query parameter is missing")
        return WebhookAnswer(200, verify.x_crc_response(crc_token, secret))

    def verify(self, request: WebhookRequest) -> WebhookAnswer | None:
        secret = secret_text(self._settings.x_consumer_secret)
        if secret is None:
            return WebhookAnswer.refuse(503, "X_CONSUMER_SECRET is not configured")
        header = request.headers.get("x-twitter-webhooks-signature")
        if not header:
            return WebhookAnswer.refuse(401, "x-twitter-webhooks-signature header is missing")
        if not verify.verify_x_signature(request.body, header, secret):
            return WebhookAnswer.refuse(401, "x-twitter-webhooks-signature does not match the body")
        return None

    def normalize(self, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        return x_normalizer.normalize(payload, brand)

    def normalize_poll(self, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        # API v2 pages, not Account Activity events: readable even with the poller off (no X_USER_ID),
        # so that pages fetched before stay readable.
        return x_poll.normalize(payload, brand)

    def reply(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        return self.connector.send(reply, now=now)

    def samples(self) -> list[SamplePayload]:
        return sample_payloads(self._now(), secret_text(self._settings.x_consumer_secret))


def build_x(
    settings: XSettings, http: httpx.Client, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> XSource:
    token = present(settings.x_access_token)
    connector: ReplyConnector = (
        XReplyConnector(http, base_url=settings.x_api_url, access_token=token)
        if token is not None
        else Unconfigured(ErrorKind.AUTH, NO_TOKEN)
    )
    poller = None
    if token is not None and settings.x_user_id is not None:
        poller = XMentionsPolling(http, base_url=settings.x_api_url, user_id=settings.x_user_id, token=token)
    return XSource(settings, connector=connector, poller=poller, now=now)
