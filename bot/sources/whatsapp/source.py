"""WhatsApp Business Cloud API: signed webhooks at `/webhooks/whatsapp` and on the shared `/webhooks/meta`,
and replies as messages to the customer's number within the 24-hour window (templates outside it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from socialdesk.plugins.mentions import NormalizeResult
from socialdesk.plugins.payloads import BrandAccounts
from socialdesk.plugins.replies import OutgoingReply, ReplyConnector, SentReply
from socialdesk.plugins.source import SamplePayload, Source, WebhookAnswer, WebhookRequest
from socialdesk.sources.meta import webhook
from socialdesk.sources.settings_base import present, secret_text
from socialdesk.sources.whatsapp.normalize import WhatsAppNormalizer, is_whatsapp_delivery
from socialdesk.sources.whatsapp.samples import sample_payloads
from socialdesk.sources.whatsapp.settings import WhatsAppSettings
from socialdesk.sources.whatsapp.spec import WHATSAPP


class WhatsAppSource(Source):
    name = "whatsapp"
    platforms = (WHATSAPP,)
    accepts_webhooks = True
    # One callback URL for every Meta product of an app: on `/webhooks/meta` the Meta source asks this
    # one whether a delivery (object `whatsapp_business_account`) is its own.
    shared_route = "meta"

    def __init__(
        self,
        settings: WhatsAppSettings,
        *,
        connector: ReplyConnector,
        normalizer: WhatsAppNormalizer,
        now: Callable[[], datetime],
    ) -> None:
        self._settings = settings
        self.connector = connector  # public: a test may put one on another client in its place
        self._normalizer = normalizer
        self._now = now

    def configured(self) -> bool:
        s = self._settings
        return s.whatsapp_phone_number_id is not None or present(s.whatsapp_token) is not None

    def unconfigured(self) -> list[str]:
        s = self._settings
        missing = [
            ("WHATSAPP_PHONE_NUMBER_ID", s.whatsapp_phone_number_id is not None, "replies are refused"),
            ("WHATSAPP_TOKEN", present(s.whatsapp_token) is not None, "replies are refused"),
            ("META_APP_SECRET", present(s.meta_app_secret) is not None, "the webhook answers 503"),
            (
                "META_VERIFY_TOKEN",
                present(s.meta_verify_token) is not None,
                "the subscription check answers 503",
            ),
        ]
        return [f"{name} is not set: {effect}" for name, is_set, effect in missing if not is_set]

    def challenge(self, request: WebhookRequest) -> WebhookAnswer:
        return webhook.answer_challenge(request, self._settings.meta_verify_token)

    def verify(self, request: WebhookRequest) -> WebhookAnswer | None:
        return webhook.check_signature(request, self._settings.meta_app_secret)

    def claims(self, payload: Any) -> bool:
        return is_whatsapp_delivery(payload)

    def normalize(self, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        return self._normalizer.normalize(payload, brand)

    def reply(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        return self.connector.send(reply, now=now)

    def samples(self) -> list[SamplePayload]:
        return sample_payloads(
            self._now(),
            secret_text(self._settings.meta_app_secret),
            phone_number_id=self._settings.whatsapp_phone_number_id,
        )
