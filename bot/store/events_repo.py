"""The case audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from socialdesk.domain.models import CaseEvent

SYSTEM = "system"


def record(
    session: Session, *, case_id: int, actor: str, kind: str, at: datetime, **detail: Any
) -> CaseEvent:
    event = CaseEvent(case_id=case_id, actor=actor, kind=kind, at=at, detail=detail)
    session.add(event)
    return event


_EVENTS: Any = CaseEvent.__table__  # type: ignore[attr-defined]
_APPEND = insert(_EVENTS)


def append(session: Session, *, case_id: int, actor: str, kind: str, at: datetime, **detail: Any) -> None:
    """`record` for an event nothing reads back in this transaction (ingest's `opened` and `followup`,
    one per case): a Core insert on the session's connection, without an ORM object or a flush of its
    own. The case must be flushed already (the event's foreign key)."""
    row = {"case_id": case_id, "actor": actor, "kind": kind, "at": at, "detail": detail}
    session.connection().execute(_APPEND, row)


def append_many(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """`append` for several events (`case_id`, `actor`, `kind`, `at`, `detail` each) in one multi-row
    INSERT: the `opened` events of the cases one ingest transaction opens together."""
    if rows:
        session.connection().execute(insert(_EVENTS).values(list(rows)))


def events_of(session: Session, case_id: int) -> list[CaseEvent]:
    stmt = (
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(col(CaseEvent.at), col(CaseEvent.id))
    )
    return list(session.exec(stmt).all())
