"""The Trustpilot plugin's settings, read with `env_prefix=""`:

`TRUSTPILOT_API_KEY` and `TRUSTPILOT_API_SECRET` (an application's key and secret, Trustpilot Business >
Integrations > API), `TRUSTPILOT_BUSINESS_UNIT_ID` (the profile whose reviews are read), the API's and
the token endpoint's URLs, and `TRUSTPILOT_BUSINESS_USER_ID`, the business user named as the author of
the replies socialdesk sends (a client-credentials token belongs to the application, not to a person).
Without the key, the secret or the business unit the plugin is off.
"""

from __future__ import annotations

from pydantic import SecretStr, field_validator

from socialdesk.sources.settings_base import BuiltinSettings, base_url

API_URL = "https://api.trustpilot.com"
TOKEN_URL = "https://api.trustpilot.com/v1/oauth/oauth-business-users-for-applications/accesstoken"


class TrustpilotSettings(BuiltinSettings):
    trustpilot_api_key: SecretStr | None = None  # the application's API key (OAuth client id)
    trustpilot_api_secret: SecretStr | None = None
    trustpilot_business_unit_id: str | None = None  # 24 hex characters, from /v1/business-units/find
    trustpilot_business_user_id: str | None = None  # the author of the replies (Business user profile)
    trustpilot_api_url: str = API_URL
    trustpilot_token_url: str = TOKEN_URL

    @field_validator("trustpilot_business_unit_id", "trustpilot_business_user_id", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return (value.strip() or None) if isinstance(value, str) else value

    @field_validator("trustpilot_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        return base_url(value.strip())

    @field_validator("trustpilot_token_url")
    @classmethod
    def _token_url(cls, value: str) -> str:
        value = value.strip()
        base_url(value)  # an http(s) URL; the endpoint itself has no trailing slash
        return value
