"""The shape every reply connector shares, and the one exception tree agents are told about.

    PlatformError                    the platform refused or could not be reached; nothing was posted
      kind = AUTH                    token expired or revoked: an admin must reconnect the account
      kind = GONE                    the post / comment / conversation was deleted or is not visible
      kind = WINDOW_CLOSED           a private reply after the platform's window (Meta: 7 days)
      kind = RATE_LIMITED            try again after `retry_at`
      kind = REJECTED                the platform refused the content (too long, duplicate, policy)
      kind = UNSUPPORTED             this platform / kind / visibility cannot be answered from here
      kind = UNAVAILABLE             5xx, timeout or network error: unknown whether it arrived

`message` is written for the agent in Slack (what happened and what to do); it never holds a token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from bot.domain.enums import MentionKind, Platform, ReplyVisibility


class ErrorKind(StrEnum):
    AUTH = "auth"
    GONE = "gone"
    WINDOW_CLOSED = "window_closed"
    RATE_LIMITED = "rate_limited"
    REJECTED = "rejected"
    UNSUPPORTED = "unsupported"
    UNAVAILABLE = "unavailable"


class PlatformError(Exception):
    def __init__(self, kind: ErrorKind, message: str, *, retry_at: datetime | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_at = retry_at


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    """The customer's mention being answered, as stored by ingest."""

    platform: Platform
    kind: MentionKind
    external_id: str  # the post / comment / message id on the platform
    conversation_key: str
    author_id: str  # the customer's id on the platform (PSID for Messenger, user id on X)
    posted_at: datetime
    is_private: bool
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OutgoingReply:
    idempotency_key: str  # stable for one click / command; sent as a header where the platform allows
    target: ReplyTarget
    visibility: ReplyVisibility
    text: str  # the final text, signature included


@dataclass(frozen=True, slots=True)
class SentReply:
    external_id: str  # the platform's id of our reply
    url: str | None = None


class ReplyConnector(Protocol):
    def send(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        """Post once; raise `PlatformError` on any failure. Never retries on its own."""
        ...
