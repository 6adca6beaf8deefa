"""What every Google source reads to sign in: the service account's key file and the token endpoint."""

from __future__ import annotations

from pydantic import field_validator

from socialdesk.sources.google_auth.account import DEFAULT_TOKEN_URL
from socialdesk.sources.settings_base import BuiltinSettings


class GoogleServiceAccountSettings(BuiltinSettings):
    google_service_account_file: str | None = None  # the JSON key's path (the file is the secret)
    google_token_url: str = DEFAULT_TOKEN_URL

    @field_validator("google_service_account_file", mode="before")
    @classmethod
    def _blank_file(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("google_token_url")
    @classmethod
    def _token_url(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"must be an http(s) URL, got {value!r}")
        return value
