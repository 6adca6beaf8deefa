"""The generic source's settings: the variables of the interface contract."""

from __future__ import annotations

from pydantic import SecretStr, field_validator

from socialdesk.sources.settings_base import BuiltinSettings


class GenericSettings(BuiltinSettings):
    webhook_secret: SecretStr | None = None  # signs deliveries to /webhooks/generic and our replies
    # Where replies to generic mentions (reddit, review sites, other) are POSTed, signed with
    # WEBHOOK_SECRET; unset, those mentions cannot be answered from Slack.
    generic_reply_url: str | None = None

    @field_validator("generic_reply_url")
    @classmethod
    def _optional_http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not value.startswith(("http://", "https://")) or any(c.isspace() for c in value):
            raise ValueError("must be an http(s) URL")
        return value
