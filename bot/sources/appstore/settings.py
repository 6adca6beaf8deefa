"""The App Store source's settings, read with `env_prefix=""`: `APPSTORE_ISSUER_ID`, `APPSTORE_KEY_ID`,
`APPSTORE_PRIVATE_KEY_FILE`, `APPSTORE_APP_IDS`, `APPSTORE_API_URL`, `APPSTORE_TERRITORIES`.

An App Store Connect API key (App Store Connect > Users and Access > Integrations > Team Keys) with a role
that may read and answer customer reviews (Customer Support, App Manager or Admin): its issuer id, its key
id and the `.p8` file downloaded once when it was made. The file's path is not a secret; the file is, and
socialdesk never prints what is in it. Without any of them the plugin is off.
"""

from __future__ import annotations

from pydantic import field_validator

from socialdesk.sources.settings_base import BuiltinSettings, base_url


def _listed(value: object) -> list[str]:
    """`123, 456` (the environment's comma-separated form) as a list; a list stays a list."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


class AppStoreSettings(BuiltinSettings):
    appstore_issuer_id: str | None = None  # a UUID, shown above the team keys in App Store Connect
    appstore_key_id: str | None = None  # ten characters, the key's id (the `kid` of every token)
    appstore_private_key_file: str | None = None  # the AuthKey_<key id>.p8 file (PEM, P-256)
    appstore_app_ids: str | None = None  # comma-separated Apple ids of the apps (App Information > Apple ID)
    appstore_api_url: str = "https://api.appstoreconnect.apple.com/"
    # Comma-separated territory codes (USA, GBR, DEU: ISO 3166-1 alpha-3) to read; unset: every territory.
    appstore_territories: str | None = None

    @field_validator("appstore_issuer_id", "appstore_key_id", "appstore_private_key_file", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return (value.strip() or None) if isinstance(value, str) else value

    @field_validator("appstore_api_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        return base_url(value.strip())

    @field_validator("appstore_app_ids")
    @classmethod
    def _app_ids(cls, value: str | None) -> str | None:
        ids = _listed(value) if value is not None else []
        bad = [i for i in ids if not i.isdigit()]
        if bad:
            raise ValueError(f"Apple ids are numbers (App Information > Apple ID), got {', '.join(bad)}")
        return ",".join(str(i) for i in ids) if ids else None

    @field_validator("appstore_territories")
    @classmethod
    def _territories(cls, value: str | None) -> str | None:
        codes = [c.upper() for c in _listed(value)] if value is not None else []
        bad = [c for c in codes if len(c) != 3 or not c.isalpha()]
        if bad:
            raise ValueError(f"territories are three-letter codes (USA, GBR), got {', '.join(bad)}")
        return ",".join(codes) if codes else None

    def app_ids(self) -> list[str]:
        return [i for i in (self.appstore_app_ids or "").split(",") if i]

    def territories(self) -> list[str]:
        return [t for t in (self.appstore_territories or "").split(",") if t]
