"""Replies go to the source that answers on the mention's platform, through the plugin guard.

`SourceReplies` is the `ReplyConnector` the reply desk holds. A platform no active source declares (its
plugin is not installed, off, or was switched off) is refused with a `PlatformError` telling the agent
what an admin must do; a source whose `reply` raises anything but `PlatformError` is switched off, and
the agent is told the reply may or may not have gone out (nobody knows how far the call got).
"""

from __future__ import annotations

import logging
from datetime import datetime

from socialdesk.domain.enums import Platform
from socialdesk.plugin_host.registry import PluginSet
from socialdesk.plugins.replies import ErrorKind, OutgoingReply, PlatformError, SentReply
from socialdesk.plugins.source import ReplyCapabilities, Source

log = logging.getLogger(__name__)


def no_source(platform: Platform) -> PlatformError:
    return PlatformError(
        ErrorKind.UNSUPPORTED,
        f"No running source answers on {platform.label}: ask an admin to install or configure the plugin "
        "for it (`socialdesk plugins list` shows each plugin's status). Answer on the site itself meanwhile.",
    )


class SourceReplies:
    def __init__(self, plugins: PluginSet) -> None:
        self._plugins = plugins

    def source_for(self, platform: Platform) -> Source | None:
        return self._plugins.source_for_platform(platform.value)

    def capabilities(self, platform: Platform) -> ReplyCapabilities | None:
        """What answering on `platform` allows, as its source declares; None without a source."""
        source = self.source_for(platform)
        return source.capabilities_for(platform) if source is not None else None

    def reachable(self, platform: Platform) -> bool:
        """A reply on `platform` could be sent now: a source answers there and has what it needs. The
        built-in sources say `can_reply = False` when their token is missing; others are assumed able."""
        source = self.source_for(platform)
        return source is not None and bool(getattr(source, "can_reply", True))

    def send(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        platform = reply.target.platform
        try:
            sent = self._send(reply, now)
        except PlatformError as exc:
            log.warning(
                "reply %s on %s not sent: %s: %s",
                reply.idempotency_key,
                platform.value,
                exc.kind,
                exc.message,
            )
            raise
        log.info("reply %s sent on %s as %s", reply.idempotency_key, platform.value, sent.external_id)
        return sent

    def _send(self, reply: OutgoingReply, now: datetime) -> SentReply:
        platform = reply.target.platform
        source = self.source_for(platform)
        if source is None:
            raise no_source(platform)
        sent = self._plugins.guarded(
            source, "reply", lambda: source.reply(reply, now=now), None, expected=(PlatformError,)
        )
        if sent is None:
            raise PlatformError(
                ErrorKind.UNAVAILABLE,
                f"The {source.name} source failed while sending and was switched off. The reply may or may "
                f"not have been posted: check on {platform.label} before sending it again.",
            )
        return sent
