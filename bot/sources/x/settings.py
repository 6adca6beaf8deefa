"""The X source's settings: the variables of the interface contract, plus the account to poll."""

from __future__ import annotations

from pydantic import SecretStr, field_validator

from socialdesk.sources.settings_base import BuiltinSettings, base_url


class XSettings(BuiltinSettings):
    x_consumer_secret: SecretStr | None = None  # CRC answers and delivery signatures
    x_access_token: SecretStr | None = None  # replies, and the mentions poller's bearer token
    x_api_url: str = "https://api.x.com/2/"
    # Our X account's numeric id, whose mentions are polled (X_USER_ID). A runtime built from `Settings`
    # takes the first of the config's `ingest.brand_ids.x`, as the poller always has.
    x_user_id: str | None = None

    @field_validator("x_api_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        return base_url(value)

    @field_validator("x_user_id")
    @classmethod
    def _numeric(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.strip().isdigit():  # it goes into the URL path
            raise ValueError("must be the numeric id of the X account")
        return value.strip()
