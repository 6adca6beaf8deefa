"""Reading and locking crisis rows; recording the timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from socialdesk.domain.crisis import Approval
from socialdesk.domain.crisis_models import (
    Crisis,
    CrisisApproval,
    CrisisEvent,
    CrisisPublication,
    CrisisStatement,
    CrisisStatus,
    StatementStatus,
)

SYSTEM = "system"


def record(session: Session, crisis_id: int, *, actor: str, kind: str, at: datetime, **detail: Any) -> None:
    session.add(CrisisEvent(crisis_id=crisis_id, actor=actor, kind=kind, at=at, detail=detail))


def lock(session: Session, crisis_id: int) -> Crisis | None:
    """The crisis row, locked for the rest of the transaction on PostgreSQL (SQLite's writer
    transaction already holds the database)."""
    stmt = select(Crisis).where(Crisis.id == crisis_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def active(session: Session) -> list[Crisis]:
    stmt = select(Crisis).where(Crisis.status == CrisisStatus.ACTIVE).order_by(col(Crisis.id))
    return list(session.exec(stmt).all())


def active_for_playbook(session: Session, playbook_id: str) -> Crisis | None:
    stmt = select(Crisis).where(Crisis.playbook_id == playbook_id, Crisis.status == CrisisStatus.ACTIVE)
    return session.exec(stmt).first()


def by_war_room(session: Session, channel: str) -> Crisis | None:
    """The crisis whose war room is `channel` (a name, with or without #); the latest if reused."""
    name = channel.lstrip("#")
    stmt = select(Crisis).where(Crisis.war_room == name).order_by(col(Crisis.id).desc())
    return session.exec(stmt).first()


def latest(session: Session) -> Crisis | None:
    return session.exec(select(Crisis).order_by(col(Crisis.id).desc())).first()


def statements(session: Session, crisis_id: int) -> list[CrisisStatement]:
    stmt = (
        select(CrisisStatement)
        .where(CrisisStatement.crisis_id == crisis_id)
        .order_by(col(CrisisStatement.id))
    )
    return list(session.exec(stmt).all())


def open_statement(session: Session, crisis_id: int) -> CrisisStatement | None:
    """The statement being worked on: the newest that is a draft, rejected or partly published."""
    waiting = {StatementStatus.DRAFT, StatementStatus.REJECTED, StatementStatus.PUBLISHING}
    found = [s for s in statements(session, crisis_id) if s.status in waiting]
    return found[-1] if found else None


def approvals(session: Session, statement_id: int) -> list[Approval]:
    rows = session.exec(
        select(CrisisApproval)
        .where(CrisisApproval.statement_id == statement_id)
        .order_by(col(CrisisApproval.at), col(CrisisApproval.id))
    ).all()
    return [Approval(r.approver, tuple(r.roles), r.at, r.text_sha) for r in rows]


def publications(session: Session, statement_id: int) -> list[CrisisPublication]:
    stmt = (
        select(CrisisPublication)
        .where(CrisisPublication.statement_id == statement_id)
        .order_by(col(CrisisPublication.id))
    )
    return list(session.exec(stmt).all())


def events(session: Session, crisis_id: int) -> list[CrisisEvent]:
    stmt = (
        select(CrisisEvent)
        .where(CrisisEvent.crisis_id == crisis_id)
        .order_by(col(CrisisEvent.at), col(CrisisEvent.id))
    )
    return list(session.exec(stmt).all())
