"""The built-in Meta plugin (Pages, Instagram, Messenger): entry point `socialdesk.sources.meta:plugin`."""

from __future__ import annotations

from collections.abc import Iterable

from socialdesk.plugins.plugin import Contribution, Plugin, PluginHost
from socialdesk.sources.meta.settings import MetaSettings
from socialdesk.sources.meta.source import MetaSource, build_meta


def _build(settings: MetaSettings, host: PluginHost) -> Iterable[Contribution]:
    return [build_meta(settings, host.http, now=host.now)]


plugin = Plugin(
    name="meta",
    version="1.0",
    build=_build,
    settings=MetaSettings,
    env_prefix="",  # META_APP_SECRET, META_VERIFY_TOKEN, ... as in the interface contract
    description="Facebook Pages, Instagram and Messenger through one Meta app",
)

__all__ = ["MetaSettings", "MetaSource", "plugin"]
