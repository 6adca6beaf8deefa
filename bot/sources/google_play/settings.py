"""The Google Play source's settings: `GOOGLE_PLAY_PACKAGES` (comma-separated application ids,
`com.acme.app`), `GOOGLE_SERVICE_ACCOUNT_FILE` (shared with Google Business Profile; the account needs
the Play Console permission "Reply to reviews"), `GOOGLE_TOKEN_URL`, `GOOGLE_PLAY_API_URL`. Without the
packages or the key file the plugin is off."""

from __future__ import annotations

import re

from pydantic import field_validator

from socialdesk.sources.google_auth.settings import GoogleServiceAccountSettings
from socialdesk.sources.settings_base import base_url

PACKAGE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+")


def parse_packages(value: str | None) -> list[str]:
    found: list[str] = []
    for part in (value or "").split(","):
        name = part.strip()
        if not name:
            continue
        if not PACKAGE.fullmatch(name):
            raise ValueError(f"{name!r} is not an Android application id like com.acme.app")
        if name not in found:
            found.append(name)
    return found


class GooglePlaySettings(GoogleServiceAccountSettings):
    google_play_api_url: str = "https://androidpublisher.googleapis.com"
    google_play_packages: str | None = None

    @field_validator("google_play_packages", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("google_play_packages")
    @classmethod
    def _packages(cls, value: str | None) -> str | None:
        parse_packages(value)
        return value

    @field_validator("google_play_api_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        return base_url(value.strip())
