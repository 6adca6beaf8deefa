"""The Meta source's settings: the variables of the interface contract, unchanged."""

from __future__ import annotations

from pydantic import SecretStr, field_validator

from socialdesk.sources.settings_base import BuiltinSettings, base_url


class MetaSettings(BuiltinSettings):
    meta_app_secret: SecretStr | None = None  # signs every delivery (X-Hub-Signature-256)
    meta_verify_token: SecretStr | None = None  # the subscription check's hub.verify_token
    meta_page_token: SecretStr | None = None  # replies through the Graph API
    meta_graph_url: str = "https://graph.facebook.com/v21.0/"
    # The Page private replies are sent from; unset, `me/messages` (a Page token's own Page).
    meta_page_id: str | None = None

    @field_validator("meta_graph_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        return base_url(value)

    @field_validator("meta_page_id")
    @classmethod
    def _numeric_page_id(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.strip().isdigit():  # it goes into the Graph URL path
            raise ValueError("must be the numeric id of the Facebook Page")
        return value.strip()
