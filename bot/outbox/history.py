"""Finding a message an earlier attempt posted although its answer never came back, by the outbox id
every top-level post carries in its message metadata."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import col

from socialdesk.domain.enums import OutboxStatus
from socialdesk.domain.models import OutboxMessage
from socialdesk.outbox.transport import ChatApi

MAX_PAGES = 5  # 1,000 messages back: far more than a channel receives while a retry waits


def find_posted(api: ChatApi, channel_id: str, *, outbox_id: int | None, oldest: float) -> str | None:
    """The ts of the message posted for `outbox_id` since `oldest`, or None. Raises CallError."""
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = api.history(channel_id, oldest=f"{oldest:.6f}", cursor=cursor)
        for message in page.get("messages") or []:
            if _outbox_id(message) == outbox_id:
                return str(message.get("ts"))
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return None
    return None


def _outbox_id(message: dict[str, Any]) -> int | None:
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != "socialdesk_outbox":
        return None
    value = (metadata.get("event_payload") or {}).get("outbox_id")
    return value if isinstance(value, int) else None


# A top-level post is marked in flight (committed) before its call. A marker left by another sender
# instance means that sender died during the call (SIGKILL, power cut, OOM): Slack may have the post
# although no answer was recorded, so it is looked up like a lost answer before posting again.
IN_FLIGHT = "in_flight"
_LOOKUP_ERRORS = ("network", "http_5", IN_FLIGHT)


def sender_token() -> str:
    """The marker this sender instance writes: another instance's marker means a crash mid-call."""
    return f"{IN_FLIGHT}:{uuid.uuid4().hex[:16]}"


def needs_lookup(attempts: int, last_error: str | None, token: str) -> bool:
    """Whether an earlier attempt may have posted this row without us knowing."""
    error = last_error or ""
    if error.startswith(IN_FLIGHT):
        return error != token
    return bool(attempts) and error.startswith(("network", "http_5"))


def mark_in_flight(engine: Engine, item: OutboxMessage, token: str) -> None:
    """Record, committed, that `item` is about to be posted, unless its last error already makes a retry
    look first. One short transaction of its own, before the row is claimed for the send."""
    if item.method != "chat.postMessage" or (item.last_error or "").startswith(_LOOKUP_ERRORS):
        return
    with engine.begin() as conn:
        conn.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == item.id, col(OutboxMessage.status) == OutboxStatus.PENDING)
            .values(last_error=token)
        )
    item.last_error = token
