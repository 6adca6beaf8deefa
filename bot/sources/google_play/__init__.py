"""The built-in Google Play plugin, entry point `socialdesk.sources.google_play:plugin`: reviews of the
brand's Android apps polled (at least hourly: Play lists seven days), answered with the developer reply.

| variable                      | what                                                                 |
| ----------------------------- | -------------------------------------------------------------------- |
| `GOOGLE_SERVICE_ACCOUNT_FILE` | the service account's JSON key (shared with Google Business Profile) |
| `GOOGLE_TOKEN_URL`            | the token endpoint, default `https://oauth2.googleapis.com/token`    |
| `GOOGLE_PLAY_PACKAGES`        | comma-separated application ids (`com.acme.shop`)                    |
| `GOOGLE_PLAY_API_URL`         | the API's base, default `https://androidpublisher.googleapis.com`    |

Without the key file or the packages the plugin is off (listed as such, not an error).
"""

from __future__ import annotations

from collections.abc import Iterable

from socialdesk.plugins.plugin import Contribution, Plugin, PluginHost, PluginOff
from socialdesk.sources.google_auth import AccessTokens, GoogleApi, ServiceAccount
from socialdesk.sources.google_play.poller import PLATFORM, PlayPoller
from socialdesk.sources.google_play.replies import PlayReplies
from socialdesk.sources.google_play.settings import GooglePlaySettings, parse_packages
from socialdesk.sources.google_play.source import GOOGLE_PLAY, GooglePlaySource

SCOPE = "https://www.googleapis.com/auth/androidpublisher"


def _build(settings: GooglePlaySettings, host: PluginHost) -> Iterable[Contribution]:
    missing = [
        name
        for name, value in (
            ("GOOGLE_PLAY_PACKAGES", settings.google_play_packages),
            ("GOOGLE_SERVICE_ACCOUNT_FILE", settings.google_service_account_file),
        )
        if not value
    ]
    if missing:
        raise PluginOff(f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set")
    assert settings.google_service_account_file is not None
    account = ServiceAccount.load(settings.google_service_account_file)
    tokens = AccessTokens(host.http, account, scope=SCOPE, token_url=settings.google_token_url)
    api = GoogleApi(host.http, tokens, settings.google_play_api_url, platform=PLATFORM)
    packages = parse_packages(settings.google_play_packages)
    return [GooglePlaySource(poller=PlayPoller(api, packages), replies=PlayReplies(api), now=host.now)]


plugin = Plugin(
    name="google_play",
    version="1.0",
    build=_build,
    settings=GooglePlaySettings,
    env_prefix="",  # GOOGLE_SERVICE_ACCOUNT_FILE, GOOGLE_TOKEN_URL, GOOGLE_PLAY_*
    description="Google Play: app reviews polled (the API lists 7 days), developer replies of 350 characters",
)

__all__ = ["GOOGLE_PLAY", "GooglePlaySettings", "GooglePlaySource", "plugin"]
