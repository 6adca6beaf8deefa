"""The platform the WhatsApp source declares, and what answering there allows."""

from __future__ import annotations

from datetime import timedelta

from socialdesk.domain.enums import Platform
from socialdesk.plugins.source import PlatformSpec, ReplyCapabilities

TEXT_LIMIT = 4096  # characters of a text message's body
# The customer-service window: free-form messages only within 24 hours of the customer's last message.
SERVICE_WINDOW = timedelta(hours=24)

# A WhatsApp chat is private by nature: every answer is a message to the customer's number. Outside the
# window only an approved template goes (`window_templates`); a sent message cannot be edited.
WHATSAPP = PlatformSpec(
    "whatsapp",
    "WhatsApp",
    ReplyCapabilities(
        public=False,
        private=True,
        max_length=TEXT_LIMIT,
        private_max_length=TEXT_LIMIT,
        private_window=SERVICE_WINDOW,
        window_templates=True,
    ),
)
PLATFORM: Platform = WHATSAPP.register()
