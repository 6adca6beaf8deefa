"""The built-in Bluesky plugin, entry point `socialdesk.sources.bluesky:plugin`: polled, answered in threads.

| variable               | what                                                              |
| ---------------------- | ----------------------------------------------------------------- |
| `BLUESKY_HANDLE`       | the brand's handle (`acme.bsky.social`) or DID                    |
| `BLUESKY_APP_PASSWORD` | an app password of that account (never the account's password)  |
| `BLUESKY_SERVICE_URL`  | the account's PDS, default `https://bsky.social`                  |

Without the handle or the app password the plugin is off (listed as such, not an error).
"""

from __future__ import annotations

from collections.abc import Iterable

from socialdesk.plugins.plugin import Contribution, Plugin, PluginHost, PluginOff
from socialdesk.sources.bluesky.poller import BlueskyPoller
from socialdesk.sources.bluesky.replies import BlueskyReplies
from socialdesk.sources.bluesky.session import Session
from socialdesk.sources.bluesky.settings import BlueskySettings
from socialdesk.sources.bluesky.source import BLUESKY, BlueskySource
from socialdesk.sources.bluesky.xrpc import Xrpc
from socialdesk.sources.settings_base import present


def _build(settings: BlueskySettings, host: PluginHost) -> Iterable[Contribution]:
    password = present(settings.bluesky_app_password)
    if not settings.bluesky_handle or password is None:
        missing = [
            name
            for name, value in (
                ("BLUESKY_HANDLE", settings.bluesky_handle),
                ("BLUESKY_APP_PASSWORD", password),
            )
            if not value
        ]
        raise PluginOff(f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set")
    xrpc = Xrpc(host.http, settings.bluesky_service_url)
    session = Session(xrpc, identifier=settings.bluesky_handle, password=password)
    source = BlueskySource(
        session,
        poller=BlueskyPoller(xrpc, session),
        replies=BlueskyReplies(xrpc, session),
        now=host.now,
    )
    return [source]


plugin = Plugin(
    name="bluesky",
    version="1.0",
    build=_build,
    settings=BlueskySettings,
    env_prefix="",  # BLUESKY_HANDLE, BLUESKY_APP_PASSWORD, BLUESKY_SERVICE_URL
    description="Bluesky: notifications polled (mentions, replies, quotes), replies in the thread",
)

__all__ = ["BLUESKY", "BlueskySettings", "BlueskySource", "plugin"]
