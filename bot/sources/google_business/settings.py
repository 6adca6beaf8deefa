"""The Google Business Profile source's settings.

`GOOGLE_BUSINESS_LOCATIONS` lists the locations whose reviews are polled, comma-separated, each as its
resource name `accounts/{account}/locations/{location}`, optionally followed by `=` and the label the
card shows (`accounts/1/locations/2=Main Street store`). `GOOGLE_SERVICE_ACCOUNT_FILE` is the service
account's JSON key; the account must be a manager of those locations. Without either the plugin is off.
"""

from __future__ import annotations

import re

from pydantic import field_validator

from socialdesk.sources.google_auth.settings import GoogleServiceAccountSettings
from socialdesk.sources.settings_base import base_url

LOCATION = re.compile(r"accounts/[A-Za-z0-9_-]+/locations/[A-Za-z0-9_-]+")


def parse_locations(value: str | None) -> dict[str, str]:
    """`accounts/1/locations/2=Main Street, accounts/1/locations/3` -> {name: label} (label "" when none)."""
    found: dict[str, str] = {}
    for part in (value or "").split(","):
        name, _, label = part.strip().partition("=")
        name = name.strip().strip("/")
        if not name:
            continue
        if not LOCATION.fullmatch(name):
            raise ValueError(f"{name!r} is not a location name like accounts/123/locations/456")
        found[name] = label.strip()
    return found


class GoogleBusinessSettings(GoogleServiceAccountSettings):
    google_business_api_url: str = "https://mybusiness.googleapis.com"
    google_business_locations: str | None = None

    @field_validator("google_business_locations", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("google_business_locations")
    @classmethod
    def _locations(cls, value: str | None) -> str | None:
        parse_locations(value)
        return value

    @field_validator("google_business_api_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        return base_url(value.strip())
