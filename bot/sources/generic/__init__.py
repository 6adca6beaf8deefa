"""The built-in generic webhook plugin: entry point `socialdesk.sources.generic:plugin`."""

from __future__ import annotations

from collections.abc import Iterable

from socialdesk.plugins.plugin import Contribution, Plugin, PluginHost
from socialdesk.sources.generic.settings import GenericSettings
from socialdesk.sources.generic.source import GenericSource, build_generic


def _build(settings: GenericSettings, host: PluginHost) -> Iterable[Contribution]:
    return [build_generic(settings, host.http, now=host.now)]


plugin = Plugin(
    name="generic",
    version="1.0",
    build=_build,
    settings=GenericSettings,
    env_prefix="",  # WEBHOOK_SECRET, GENERIC_REPLY_URL as in the interface contract
    description="socialdesk's documented mention JSON (reddit, review sites, any platform)",
)

__all__ = ["GenericSettings", "GenericSource", "plugin"]
