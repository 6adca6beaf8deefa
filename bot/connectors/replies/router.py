"""Replies on the built-in channels without a runtime: the built-in source plugins, started from a
`Settings`, behind the same `SourceReplies` the running socialdesk uses (bot/plugin_host/replies.py).

A reply goes to the source that declares its platform: X to `socialdesk.sources.x`, Facebook, Instagram
and Messenger to `socialdesk.sources.meta`, reddit, review sites and other to `socialdesk.sources.generic`.
A channel whose settings are missing still answers, refusing every reply with a message naming the
variable an admin must set, so the agent learns what is missing instead of the bot failing at start-up.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import httpx

from socialdesk.connectors.owned import OwnsClient
from socialdesk.plugin_host.loading import start_plugin
from socialdesk.plugin_host.registry import PluginSet
from socialdesk.plugin_host.replies import SourceReplies
from socialdesk.plugins.plugin import PluginHost
from socialdesk.settings import Settings

log = logging.getLogger(__name__)

# Long enough for a slow platform, short enough that an agent's click gets an answer while they wait.
DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)


class ReplyConnectors(OwnsClient, SourceReplies):
    """`SourceReplies` over the built-in sources; closes the client only if it made it."""

    def __init__(self, plugins: PluginSet, *, owned_client: httpx.Client | None = None) -> None:
        super().__init__(plugins)
        self._owned_client = owned_client  # closed by close(); a client passed in belongs to the caller


def make_reply_client(timeout: httpx.Timeout = DEFAULT_TIMEOUT) -> httpx.Client:
    """No base URL (each connector builds absolute URLs) and no redirects: a redirected POST is not ours."""
    return httpx.Client(timeout=timeout, headers={"User-Agent": "socialdesk"}, follow_redirects=False)


def build_reply_connectors(settings: Settings, *, client: httpx.Client | None = None) -> ReplyConnectors:
    # Imported here: the built-in sources import the connectors of this package.
    from socialdesk.sources.preset import BUILTIN_PLUGINS, builtin_settings

    http = client if client is not None else make_reply_client()
    host = PluginHost(http=http, now=lambda: datetime.now(UTC), log=logging.getLogger("socialdesk.plugin"))
    presets = builtin_settings(settings)
    records = [
        start_plugin(plugin, host, origin="socialdesk", preset=presets.get(plugin.name))
        for plugin in BUILTIN_PLUGINS
    ]
    return ReplyConnectors(PluginSet(records), owned_client=http if client is None else None)
