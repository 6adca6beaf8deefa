"""Claiming an outbox row for its send, so that two senders can never post the same row.

Only the leader sends (bot/services.py), but leadership can overlap for a few seconds (bot/leader.py),
so on PostgreSQL each row is locked from before its Slack call until it is marked sent or failed:
`SELECT ... FOR UPDATE SKIP LOCKED`, then a re-check that it is still pending and due. A second sender
skips a held row instead of waiting for it. The lock is held across the HTTP call, which the Slack
client's timeout bounds (10 s), and until the pass writes its marks (at most a batch of rows or a
second: outbox/marks.py, whose transaction holds the locks); outbox rows are otherwise only inserted,
and a pending card's channel changed by an escalation, which then waits for that commit. A lease
column (`claimed_until`) would survive a crashed sender's connection, but PostgreSQL already drops a
dead session's locks, and a lease would need a migration and a second write per call.

SQLite has one `serve` process and the sender's own lock: no claim, and no transaction held open
across an HTTP call (it would hold SQLite's single write lock and stall every webhook).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, text
from sqlmodel import Session, select

from socialdesk.clock import as_utc
from socialdesk.domain.enums import OutboxStatus
from socialdesk.domain.models import OutboxMessage

# pg_try_advisory_xact_lock(CLAIM_LOCK_CLASS, outbox id) claims a row whose kind saves its own progress
# (an upload; see `lock_row`).
# The two-key form never meets the leader's one-key lock (bot/leader.py).
CLAIM_LOCK_CLASS = int.from_bytes(b"sdob", "big")


@dataclass(frozen=True, slots=True)
class Claim:
    """A row this sender may send now; `session` is the transaction holding its lock (None on SQLite)."""

    session: Session | None


def claims_rows(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def lock_row(
    session: Session, item: OutboxMessage, now: datetime, saves_progress: bool
) -> OutboxMessage | None:
    stmt = select(OutboxMessage).where(OutboxMessage.id == item.id)
    if saves_progress:
        # An upload saves its progress on the row in transactions of its own (outbox/upload.py), which a
        # row lock would block: an advisory lock held by this transaction claims the row instead.
        args = {"cls": CLAIM_LOCK_CLASS, "id": item.id}
        if not session.execute(text("SELECT pg_try_advisory_xact_lock(:cls, :id)"), args).scalar():
            return None
    else:
        stmt = stmt.with_for_update(skip_locked=True)
    row = session.exec(stmt).first()
    if row is None or row.status is not OutboxStatus.PENDING or as_utc(row.next_attempt_at) > now:
        return None
    return row
