"""Finding a message an earlier attempt posted although its answer never came back, by the outbox id
every top-level post carries in its message metadata."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, not_, or_, update
from sqlmodel import col, select

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


def looked_up_by_others(attempts: int, last_error: str | None) -> bool:
    """Whether any other sender (or this one under a new token) would look the row up before posting it:
    what makes it safe to post it and write its sent-mark a little later (outbox/marks.py)."""
    return needs_lookup(attempts, last_error, token="")


# Top-level posts marked in flight in one transaction: the rows about to go in this pass, so a card costs
# one write transaction (its sent-mark) plus a share of this one. After a crash, each marked row that was
# not yet sent costs one conversations.history look before it is posted: this bounds that cost.
IN_FLIGHT_BATCH = 16


def wants_in_flight(item: OutboxMessage, token: str) -> bool:
    """Whether `item` must be marked before its call: a post whose last error does not already make a
    retry look first (another sender's marker among them: it is never overwritten)."""
    return item.method == "chat.postMessage" and not (item.last_error or "").startswith(_LOOKUP_ERRORS)


def mark_in_flight(engine: Engine, items: Sequence[OutboxMessage], token: str, *, skip_locked: bool) -> None:
    """Record, committed, that `items` are about to be posted, in one short transaction of its own before
    any of them is claimed for its send. A row whose marker or lookup error was written meanwhile (by
    another sender) keeps it; so does, on PostgreSQL (`skip_locked`), a row another sender holds."""
    wanted = {item.id: item for item in items if item.id is not None and wants_in_flight(item, token)}
    if not wanted:
        return
    last_error = col(OutboxMessage.last_error)
    chosen = select(OutboxMessage.id).where(col(OutboxMessage.id).in_(wanted))
    if skip_locked:
        chosen = chosen.with_for_update(skip_locked=True)
    stmt = (
        update(OutboxMessage)
        .where(
            # The ids again outside the subquery: without them PostgreSQL scanned every pending row and
            # ran the locking subquery once per row (a nested-loop semi join whose LockRows side is not
            # materialised): 84 ms per batch with 2,000 rows pending, growing with the backlog.
            col(OutboxMessage.id).in_(wanted),
            col(OutboxMessage.id).in_(chosen.scalar_subquery()),
            col(OutboxMessage.status) == OutboxStatus.PENDING,
            # `wants_in_flight` again, in SQL, against the row as it is now. Escaped: "_" in "http_5"
            # would match any character, and a row this refuses is not sent until it is marked.
            or_(
                last_error.is_(None),
                not_(or_(*(last_error.startswith(p, autoescape=True) for p in _LOOKUP_ERRORS))),
            ),
        )
        .values(last_error=token)
        .returning(col(OutboxMessage.id))
    )
    with engine.begin() as conn:
        marked = conn.execute(stmt).scalars().all()
    for row_id in marked:
        if row_id is not None:
            wanted[row_id].last_error = token
