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

The helpers at the end are shared by the httpx connectors: one POST with transport failures turned into
UNAVAILABLE, `Retry-After` parsing, and quoting a platform's own error text into a message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any, Protocol

import httpx

from socialdesk.domain.enums import MentionKind, Platform, ReplyVisibility


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
    # Set when the platform takes one answer per item (`ReplyCapabilities.one_answer`) and we answered it
    # before: the platform's id of that answer, which this text replaces (an edit, not a second answer).
    replaces: str | None = None


@dataclass(frozen=True, slots=True)
class SentReply:
    external_id: str  # the platform's id of our reply
    url: str | None = None


class ReplyConnector(Protocol):
    def send(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        """Post once; raise `PlatformError` on any failure. Never retries on its own."""
        ...


# --- helpers for the httpx connectors ------------------------------------------------------------------


def post(
    client: httpx.Client, url: str, *, content: bytes, headers: Mapping[str, str], platform: str
) -> httpx.Response:
    """One POST, never retried; a timeout or network failure becomes UNAVAILABLE.

    A failure to connect means nothing left us; any later failure leaves it unknown whether the platform
    posted the reply, and the message says so, because sending again could post it twice.
    """
    try:
        return client.post(url, content=content, headers=dict(headers))
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        message = f"Could not reach {platform} ({type(exc).__name__}); nothing was posted. Try again later."
        raise PlatformError(ErrorKind.UNAVAILABLE, message) from exc
    except httpx.TimeoutException as exc:
        message = (
            f"{platform} did not answer in time. The reply may or may not have been posted: "
            f"check on {platform} before sending it again."
        )
        raise PlatformError(ErrorKind.UNAVAILABLE, message) from exc
    except httpx.HTTPError as exc:
        message = (
            f"The connection to {platform} failed ({type(exc).__name__}). The reply may or may not have "
            f"been posted: check on {platform} before sending it again."
        )
        raise PlatformError(ErrorKind.UNAVAILABLE, message) from exc


def response_json(response: httpx.Response) -> Any:
    """The decoded body, or None when it is empty or not JSON (a proxy's HTML error page)."""
    try:
        return response.json()
    except ValueError:
        return None


def retry_after(headers: httpx.Headers, now: datetime) -> datetime | None:
    """`Retry-After` as delta-seconds or an HTTP date; None when absent or unreadable."""
    value = (headers.get("retry-after") or "").strip()
    if value.isdigit():
        return now + timedelta(seconds=int(value))
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def quote(text: Any, limit: int = 200) -> str:
    """A platform's own error text, on one line and cut short, fit to show inside our message."""
    flat = " ".join(str(text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
