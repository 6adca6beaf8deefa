"""The built-in X plugin (webhook and mentions poller): entry point `socialdesk.sources.x:plugin`."""

from __future__ import annotations

from collections.abc import Iterable

from socialdesk.plugins.plugin import Contribution, Plugin, PluginHost
from socialdesk.sources.x.settings import XSettings
from socialdesk.sources.x.source import XSource, build_x


def _build(settings: XSettings, host: PluginHost) -> Iterable[Contribution]:
    return [build_x(settings, host.http, now=host.now)]


plugin = Plugin(
    name="x",
    version="1.0",
    build=_build,
    settings=XSettings,
    env_prefix="",  # X_CONSUMER_SECRET, X_ACCESS_TOKEN, X_API_URL as in the interface contract
    description="X: Account Activity webhook, mentions poller, replies and DMs",
)

__all__ = ["XSettings", "XSource", "plugin"]
