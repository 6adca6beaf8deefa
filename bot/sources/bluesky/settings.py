"""The Bluesky source's settings: `BLUESKY_HANDLE`, `BLUESKY_APP_PASSWORD`, `BLUESKY_SERVICE_URL`.

An app password (Settings > Privacy and security > App passwords on Bluesky), never the account's own
password: it can post and read notifications but cannot change the account. Without the handle or the
password the plugin is off.
"""

from __future__ import annotations

from pydantic import SecretStr, field_validator

from socialdesk.sources.settings_base import BuiltinSettings, base_url


class BlueskySettings(BuiltinSettings):
    bluesky_handle: str | None = None  # the brand's handle (acme.bsky.social) or its DID
    bluesky_app_password: SecretStr | None = None
    bluesky_service_url: str = "https://bsky.social"  # the PDS hosting the account (bsky.social for most)

    @field_validator("bluesky_handle", mode="before")
    @classmethod
    def _handle(cls, value: object) -> object:
        if isinstance(value, str):
            cleaned = value.strip().lstrip("@")
            return cleaned.lower() if cleaned and not cleaned.startswith("did:") else cleaned or None
        return value

    @field_validator("bluesky_service_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        return base_url(value.strip())
