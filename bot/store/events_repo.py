"""The case audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from socialdesk.domain.models import CaseEvent

SYSTEM = "system"


def record(
    session: Session, *, case_id: int, actor: str, kind: str, at: datetime, **detail: Any
) -> CaseEvent:
    event = CaseEvent(case_id=case_id, actor=actor, kind=kind, at=at, detail=detail)
    session.add(event)
    return event


def events_of(session: Session, case_id: int) -> list[CaseEvent]:
    stmt = (
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(col(CaseEvent.at), col(CaseEvent.id))
    )
    return list(session.exec(stmt).all())
