"""Threads: Meta's Threads webhooks at `/webhooks/threads` and on the shared `/webhooks/meta`, a poller
for teams without webhooks, and two-step replies of up to 500 characters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from socialdesk.plugins.mentions import NormalizeResult
from socialdesk.plugins.payloads import BrandAccounts
from socialdesk.plugins.replies import OutgoingReply, SentReply
from socialdesk.plugins.source import SamplePayload, Source, WebhookAnswer, WebhookRequest
from socialdesk.sources.meta import webhook
from socialdesk.sources.settings_base import secret_text
from socialdesk.sources.threads.normalize import ThreadsNormalizer, is_threads_delivery
from socialdesk.sources.threads.poller import ThreadsPolling
from socialdesk.sources.threads.replies import ThreadsReplyConnector
from socialdesk.sources.threads.samples import sample_payloads
from socialdesk.sources.threads.settings import ThreadsSettings
from socialdesk.sources.threads.spec import THREADS


class ThreadsSource(Source):
    name = "threads"
    platforms = (THREADS,)
    accepts_webhooks = True
    # Meta sends every product of an app to one callback URL: on `/webhooks/meta` the Meta source asks
    # this one whether a delivery is a Threads one (`claims`).
    shared_route = "meta"

    def __init__(
        self,
        settings: ThreadsSettings,
        *,
        connector: ThreadsReplyConnector,
        poller: ThreadsPolling | None,
        normalizer: ThreadsNormalizer,
        now: Callable[[], datetime],
    ) -> None:
        self._settings = settings
        self.connector = connector  # public: a test may put one on another client in its place
        self.poller = poller
        self._normalizer = normalizer
        self._now = now

    def challenge(self, request: WebhookRequest) -> WebhookAnswer:
        return webhook.answer_challenge(request, self._settings.meta_verify_token)

    def verify(self, request: WebhookRequest) -> WebhookAnswer | None:
        return webhook.check_signature(request, self._settings.meta_app_secret)

    def unconfigured(self) -> list[str]:
        missing = []
        if secret_text(self._settings.meta_app_secret) is None:
            missing.append(
                "META_APP_SECRET is not set: /webhooks/threads answers 503 (the poller still runs)"
            )
        if secret_text(self._settings.meta_verify_token) is None:
            missing.append("META_VERIFY_TOKEN is not set: Meta's subscription check is answered 503")
        return missing

    def claims(self, payload: Any) -> bool:
        return is_threads_delivery(payload)

    def normalize(self, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        return self._normalizer.webhook(payload, brand)

    def reply(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        return self.connector.send(reply, now=now)

    def samples(self) -> list[SamplePayload]:
        return sample_payloads(self._now(), secret_text(self._settings.meta_app_secret))
