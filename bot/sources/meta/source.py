"""Facebook Pages, Instagram and Messenger: one Meta app, one signed callback at `/webhooks/meta`.

Meta sends every product's objects to the one callback, so this source owns the shared route `meta`;
another plugin for a Meta product (WhatsApp) sets `shared_route = "meta"` and claims its own objects.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from socialdesk.plugins.mentions import NormalizedMention, NormalizeResult
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
from socialdesk.sources.meta import normalize as meta_normalizer
from socialdesk.sources.meta import webhook
from socialdesk.sources.meta.mention_fetch import MentionFetcher
from socialdesk.sources.meta.replies import MESSAGE_LIMIT, PRIVATE_REPLY_WINDOW, MetaReplyConnector
from socialdesk.sources.meta.samples import sample_payloads
from socialdesk.sources.meta.settings import MetaSettings
from socialdesk.sources.settings_base import present, secret_text
from socialdesk.sources.unconfigured import Unconfigured

# Lengths as Meta's own limits; the brand's `brand_voice.max_length` may set lower ones.
# A private reply to a comment is a Send API message: its own limit, within Meta's window.
FACEBOOK = PlatformSpec(
    "facebook",
    "Facebook",
    ReplyCapabilities(
        public=True,
        private=True,
        max_length=8000,
        private_window=PRIVATE_REPLY_WINDOW,
        private_max_length=MESSAGE_LIMIT,
    ),
    shares_accounts_with=("messenger",),  # one Page id for the Page and its Messenger inbox
)
INSTAGRAM = PlatformSpec(
    "instagram",
    "Instagram",
    ReplyCapabilities(
        public=True,
        private=True,
        max_length=2200,
        private_window=PRIVATE_REPLY_WINDOW,
        private_max_length=MESSAGE_LIMIT,
    ),
)
# A Messenger thread is private by nature: it is answered by a message, within Meta's messaging window.
MESSENGER = PlatformSpec(
    "messenger",
    "Messenger",
    ReplyCapabilities(public=False, private=True, max_length=MESSAGE_LIMIT, private_max_length=MESSAGE_LIMIT),
    shares_accounts_with=("facebook",),
)
NO_PAGE_TOKEN = (
    "Replies on Facebook, Instagram and Messenger need META_PAGE_TOKEN, which is not set: ask an "
    "admin to connect the Page."
)


class MetaSource(Source):
    name = "meta"
    platforms = (FACEBOOK, INSTAGRAM, MESSENGER)
    accepts_webhooks = True

    def __init__(
        self,
        settings: MetaSettings,
        *,
        connector: ReplyConnector,
        mentions: MentionFetcher | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._settings = settings
        # Public so that a test can put a connector on another client (a short timeout) in its place.
        self.connector = connector
        # Instagram @mentions arrive as ids: their author and text are fetched at ingest (`complete`).
        self.mentions = mentions
        self._now = now

    @property
    def can_reply(self) -> bool:
        return not isinstance(self.connector, Unconfigured)

    def configured(self) -> bool:
        s = self._settings
        secrets = (s.meta_app_secret, s.meta_verify_token, s.meta_page_token)
        return any(present(v) is not None for v in secrets)

    def unconfigured(self) -> list[str]:
        s = self._settings
        return [
            f"{name} is not set: {effect}"
            for name, value, effect in (
                ("META_APP_SECRET", s.meta_app_secret, "the webhook answers 503"),
                ("META_VERIFY_TOKEN", s.meta_verify_token, "the subscription check answers 503"),
                ("META_PAGE_TOKEN", s.meta_page_token, "replies are refused"),
            )
            if present(value) is None
        ]

    def challenge(self, request: WebhookRequest) -> WebhookAnswer:
        return webhook.answer_challenge(request, self._settings.meta_verify_token)

    def verify(self, request: WebhookRequest) -> WebhookAnswer | None:
        return webhook.check_signature(request, self._settings.meta_app_secret)

    def claims(self, payload: Any) -> bool:
        return isinstance(payload, dict) and payload.get("object") in meta_normalizer.SUPPORTED_OBJECTS

    def normalize(self, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        return meta_normalizer.normalize(payload, brand)

    def complete(self, mention: NormalizedMention, *, now: datetime) -> NormalizedMention:
        # An Instagram @mention (`extra["hydrate"]`) is read from the Graph API here, at ingest only:
        # the webhook answers Meta without waiting on Graph.
        if self.mentions is None or "hydrate" not in mention.extra:
            return mention
        return self.mentions.complete(mention, now=now)

    def reply(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        return self.connector.send(reply, now=now)

    def samples(self) -> list[SamplePayload]:
        return sample_payloads(self._now(), secret_text(self._settings.meta_app_secret))


def build_meta(
    settings: MetaSettings, http: Any, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> MetaSource:
    token = present(settings.meta_page_token)
    connector: ReplyConnector = (
        MetaReplyConnector(
            http,
            graph_url=settings.meta_graph_url,
            page_token=token,
            app_secret=present(settings.meta_app_secret),
            page_id=settings.meta_page_id,
        )
        if token is not None
        else Unconfigured(ErrorKind.AUTH, NO_PAGE_TOKEN)
    )
    mentions = MentionFetcher(
        http,
        graph_url=settings.meta_graph_url,
        page_token=token,
        app_secret=present(settings.meta_app_secret),
    )
    return MetaSource(settings, connector=connector, mentions=mentions, now=now)


__all__ = ["FACEBOOK", "INSTAGRAM", "MESSENGER", "MetaSource", "build_meta"]
