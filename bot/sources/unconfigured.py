"""A reply connector for a channel whose credentials are missing: it tells the agent what to ask for."""

from __future__ import annotations

from datetime import datetime

from socialdesk.plugins.replies import ErrorKind, OutgoingReply, PlatformError, SentReply


class Unconfigured:
    """Refuses every reply with `message`, which names the variable an admin must set (never a value)."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        self.kind = kind
        self.message = message

    def send(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        raise PlatformError(self.kind, self.message)
