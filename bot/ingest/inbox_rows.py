"""The ingest pipeline's reads and writes of inbox rows, in SQLAlchemy Core: a batch of rows read in one
statement (before any lock), locked in one, and each row updated once, when its outcome is known.

The ORM would load an `InboxItem` per row twice (once to prepare it, once under the lock) and write it
twice (its attempt, then its status, in separate flushes); none of that is needed to turn it into a case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, bindparam, select, update
from sqlmodel import Session

from socialdesk.domain.enums import InboxStatus
from socialdesk.domain.models import InboxItem

_TABLE = InboxItem.__table__  # type: ignore[attr-defined]
WORKABLE = (InboxStatus.PENDING, InboxStatus.FAILED)  # failed rows are tried again, up to MAX_ATTEMPTS


@dataclass(frozen=True, slots=True)
class InboxRow:
    """What ingest needs of a stored payload."""

    id: int
    source: str
    body: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a row ended in this pass (`processed_at` is when it was prepared)."""

    inbox_id: int
    status: InboxStatus
    reason: str | None
    processed_at: datetime


def read_workable(engine: Engine, ids: Sequence[int]) -> list[InboxRow]:
    """The rows of `ids` still pending or failed, in id order: one read, outside any write lock."""
    if not ids:
        return []
    stmt = (
        select(_TABLE.c.id, _TABLE.c.source, _TABLE.c.body, _TABLE.c.received_at)
        .where(_TABLE.c.id.in_(list(ids)), _TABLE.c.status.in_(WORKABLE))
        .order_by(_TABLE.c.id)
    )
    with engine.connect() as conn:
        return [InboxRow(*r) for r in conn.execute(stmt).all()]


def lock_workable(session: Session, ids: Sequence[int], *, for_update: bool) -> set[int]:
    """Of `ids`, the rows still pending or failed now, locked for this transaction (PostgreSQL: rows
    another pipeline holds are skipped, it is working them; SQLite: the transaction holds the database's
    write lock already). One statement for the batch."""
    stmt = select(_TABLE.c.id).where(_TABLE.c.id.in_(list(ids)), _TABLE.c.status.in_(WORKABLE))
    if for_update:
        stmt = stmt.with_for_update(skip_locked=True)
    return {int(i) for i in session.connection().execute(stmt).scalars()}


_FINISH = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("inbox_id"))
    .values(
        status=bindparam("status"),
        reason=bindparam("reason"),
        processed_at=bindparam("processed_at"),
        attempts=_TABLE.c.attempts + 1,
    )
)


def finish(session: Session, outcomes: Sequence[Outcome]) -> None:
    """Each row's one update (its status, reason and attempt), in the transaction that did its work."""
    if not outcomes:
        return
    params = [
        {"inbox_id": o.inbox_id, "status": o.status, "reason": o.reason, "processed_at": o.processed_at}
        for o in outcomes
    ]
    session.connection().execute(_FINISH, params)


def mark_failed(conn: Connection, inbox_id: int, reason: str) -> None:
    """A row whose work failed keeps its body for a later pass; one more attempt counted."""
    conn.execute(
        update(_TABLE)
        .where(_TABLE.c.id == inbox_id)
        .values(status=InboxStatus.FAILED, reason=reason[:2000], attempts=_TABLE.c.attempts + 1)
    )
