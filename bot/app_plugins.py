"""Starting the plugin registry the way a runtime does, for the paths that read or send through sources.

`build_runtime` and the CLI paths without a runtime (`socialdesk ingest`) share `start_runtime_plugins`,
so a JSON Lines import is normalized by the same `generic` source, with the same settings, as a webhook
delivery: the installed plugins (entry points, the built-ins among them) plus any given ones, the
built-in sources taking their settings from `settings` (socialdesk.sources.preset).

`build_reply_connectors` is replies on the built-in channels without a runtime: the built-in source
plugins behind the same `SourceReplies` the running socialdesk uses. A channel whose settings are missing
still answers, refusing every reply with a message naming the variable an admin must set.

Composition, like bot/app.py: the sources import nothing of the plugin host, so this lives above both.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

import httpx

from socialdesk.clock import Clock
from socialdesk.config import Config
from socialdesk.connectors.owned import OwnsClient
from socialdesk.connectors.replies.router import make_reply_client
from socialdesk.metrics import Metrics
from socialdesk.plugin_host.loading import start_plugin
from socialdesk.plugin_host.registry import PluginSet
from socialdesk.plugin_host.replies import SourceReplies
from socialdesk.plugin_host.wiring import start_plugins
from socialdesk.plugins.plugin import Plugin, PluginHost
from socialdesk.settings import Settings
from socialdesk.sources.preset import BUILTIN_PLUGINS, builtin_settings


def start_runtime_plugins(
    settings: Settings,
    config: Config,
    *,
    clock: Clock,
    http: httpx.Client,
    metrics: Metrics,
    plugins: Sequence[Plugin] = (),
    use_entry_points: bool = True,
) -> PluginSet:
    return start_plugins(
        clock=clock,
        http=http,
        metrics=metrics,
        plugins=plugins,
        use_entry_points=use_entry_points,
        presets=builtin_settings(settings, config),
    )


class ReplyConnectors(OwnsClient, SourceReplies):
    """`SourceReplies` over the built-in sources; closes the client only if it made it."""

    def __init__(self, plugins: PluginSet, *, owned_client: httpx.Client | None = None) -> None:
        super().__init__(plugins)
        self._owned_client = owned_client  # closed by close(); a client passed in belongs to the caller


def build_reply_connectors(settings: Settings, *, client: httpx.Client | None = None) -> ReplyConnectors:
    http = client if client is not None else make_reply_client()
    host = PluginHost(http=http, now=lambda: datetime.now(UTC), log=logging.getLogger("socialdesk.plugin"))
    presets = builtin_settings(settings)
    records = [
        start_plugin(plugin, host, origin="socialdesk", preset=presets.get(plugin.name))
        for plugin in BUILTIN_PLUGINS
    ]
    return ReplyConnectors(PluginSet(records), owned_client=http if client is None else None)
