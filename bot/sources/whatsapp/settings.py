"""The WhatsApp source's settings, read with `env_prefix=""` (the names of issue 14's configuration list).

| variable                   | what                                                                      |
| -------------------------- | ------------------------------------------------------------------------- |
| `WHATSAPP_PHONE_NUMBER_ID` | the business phone number's id (numeric): replies go from it, and only    |
|                            | deliveries for it are ours                                                |
| `WHATSAPP_TOKEN`           | a system-user token with `whatsapp_business_messaging`                    |
| `META_GRAPH_URL`           | the Graph base, default `https://graph.facebook.com/v21.0/`               |
| `META_APP_SECRET`          | signs every webhook delivery (`X-Hub-Signature-256`), as for all Meta ones |
| `META_VERIFY_TOKEN`        | the subscription check's `hub.verify_token`                               |

Without a phone number id and a token the plugin is off; with one of them it takes webhooks and lists
what it runs without.
"""

from __future__ import annotations

from pydantic import SecretStr, field_validator

from socialdesk.sources.settings_base import BuiltinSettings, base_url


class WhatsAppSettings(BuiltinSettings):
    whatsapp_phone_number_id: str | None = None
    whatsapp_token: SecretStr | None = None
    meta_graph_url: str = "https://graph.facebook.com/v21.0/"
    meta_app_secret: SecretStr | None = None
    meta_verify_token: SecretStr | None = None

    @field_validator("meta_graph_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        return base_url(value)

    @field_validator("whatsapp_phone_number_id")
    @classmethod
    def _numeric(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.strip().isdigit():  # it goes into the Graph URL path
            raise ValueError("must be the numeric id of the WhatsApp business phone number")
        return value.strip()
