"""The built-in Google Business Profile plugin, entry point `socialdesk.sources.google_business:plugin`:
reviews of the brand's locations polled, answered with the owner's public reply.

| variable                      | what                                                                 |
| ----------------------------- | -------------------------------------------------------------------- |
| `GOOGLE_SERVICE_ACCOUNT_FILE` | the service account's JSON key (shared with Google Play)             |
| `GOOGLE_TOKEN_URL`            | the token endpoint, default `https://oauth2.googleapis.com/token`    |
| `GOOGLE_BUSINESS_LOCATIONS`   | comma-separated `accounts/{a}/locations/{l}` (optionally `=label`)   |
| `GOOGLE_BUSINESS_API_URL`     | the API's base, default `https://mybusiness.googleapis.com`          |

Without the key file or the locations the plugin is off (listed as such, not an error). A key file that
cannot be read fails the plugin with the reason (never its content).
"""

from __future__ import annotations

from collections.abc import Iterable

from socialdesk.plugins.plugin import Contribution, Plugin, PluginHost, PluginOff
from socialdesk.sources.google_auth import AccessTokens, GoogleApi, ServiceAccount
from socialdesk.sources.google_business.poller import PLATFORM, BusinessPoller
from socialdesk.sources.google_business.replies import BusinessReplies
from socialdesk.sources.google_business.settings import GoogleBusinessSettings, parse_locations
from socialdesk.sources.google_business.source import GOOGLE_BUSINESS, GoogleBusinessSource

SCOPE = "https://www.googleapis.com/auth/business.manage"


def _build(settings: GoogleBusinessSettings, host: PluginHost) -> Iterable[Contribution]:
    missing = [
        name
        for name, value in (
            ("GOOGLE_BUSINESS_LOCATIONS", settings.google_business_locations),
            ("GOOGLE_SERVICE_ACCOUNT_FILE", settings.google_service_account_file),
        )
        if not value
    ]
    if missing:
        raise PluginOff(f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set")
    assert settings.google_service_account_file is not None
    account = ServiceAccount.load(settings.google_service_account_file)
    tokens = AccessTokens(host.http, account, scope=SCOPE, token_url=settings.google_token_url)
    api = GoogleApi(host.http, tokens, settings.google_business_api_url, platform=PLATFORM)
    locations = parse_locations(settings.google_business_locations)
    source = GoogleBusinessSource(
        poller=BusinessPoller(api, locations), replies=BusinessReplies(api), now=host.now
    )
    return [source]


plugin = Plugin(
    name="google_business",
    version="1.0",
    build=_build,
    settings=GoogleBusinessSettings,
    env_prefix="",  # GOOGLE_SERVICE_ACCOUNT_FILE, GOOGLE_TOKEN_URL, GOOGLE_BUSINESS_*
    description="Google Business Profile: reviews of the brand's locations polled, owner replies (edits)",
)

__all__ = ["GOOGLE_BUSINESS", "GoogleBusinessSettings", "GoogleBusinessSource", "plugin"]
