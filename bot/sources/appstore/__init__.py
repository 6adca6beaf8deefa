"""The built-in App Store plugin, entry point `socialdesk.sources.appstore:plugin`: customer reviews from
App Store Connect, polled, answered with the developer response (one per review, replaced on edit).

| variable                    | what                                                                   |
| --------------------------- | ---------------------------------------------------------------------- |
| `APPSTORE_ISSUER_ID`        | the issuer id of the team's API keys (App Store Connect > Integrations) |
| `APPSTORE_KEY_ID`           | the key's id                                                           |
| `APPSTORE_PRIVATE_KEY_FILE` | the key's `.p8` file                                                   |
| `APPSTORE_APP_IDS`          | comma-separated Apple ids of the apps whose reviews are read           |
| `APPSTORE_API_URL`          | default `https://api.appstoreconnect.apple.com`                         |
| `APPSTORE_TERRITORIES`      | comma-separated territories to read (USA, GBR); unset: all             |

Without all of the first four the plugin is off (listed as such, not an error); an unreadable key file
fails the plugin with a reason naming the variable.
"""

from __future__ import annotations

from collections.abc import Iterable

from socialdesk.plugins.plugin import Contribution, Plugin, PluginHost, PluginOff
from socialdesk.sources.appstore.api import AppStoreApi
from socialdesk.sources.appstore.poller import AppStorePoller
from socialdesk.sources.appstore.replies import AppStoreReplies
from socialdesk.sources.appstore.settings import AppStoreSettings
from socialdesk.sources.appstore.source import APPSTORE, AppStoreSource
from socialdesk.sources.appstore.token import TokenMaker, load_private_key


def _build(settings: AppStoreSettings, host: PluginHost) -> Iterable[Contribution]:
    needed = (
        ("APPSTORE_ISSUER_ID", settings.appstore_issuer_id),
        ("APPSTORE_KEY_ID", settings.appstore_key_id),
        ("APPSTORE_PRIVATE_KEY_FILE", settings.appstore_private_key_file),
        ("APPSTORE_APP_IDS", settings.appstore_app_ids),
    )
    missing = [name for name, value in needed if not value]
    if missing:
        raise PluginOff(f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set")
    assert settings.appstore_issuer_id and settings.appstore_key_id and settings.appstore_private_key_file
    tokens = TokenMaker(
        issuer_id=settings.appstore_issuer_id,
        key_id=settings.appstore_key_id,
        private_key=load_private_key(settings.appstore_private_key_file),
    )
    api = AppStoreApi(host.http, settings.appstore_api_url, tokens)
    source = AppStoreSource(
        poller=AppStorePoller(api, settings.app_ids(), settings.territories()),
        replies=AppStoreReplies(api),
        now=host.now,
    )
    return [source]


plugin = Plugin(
    name="appstore",
    version="1.0",
    build=_build,
    settings=AppStoreSettings,
    env_prefix="",  # APPSTORE_ISSUER_ID, APPSTORE_KEY_ID, APPSTORE_PRIVATE_KEY_FILE, APPSTORE_APP_IDS, ...
    description="App Store: customer reviews polled from App Store Connect, one developer response each",
)

__all__ = ["APPSTORE", "AppStoreSettings", "AppStoreSource", "plugin"]
