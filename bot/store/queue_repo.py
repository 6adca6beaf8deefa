"""The open queue: by priority, then SLA due time."""

from __future__ import annotations

from sqlmodel import Session, col, select

from socialdesk.domain.enums import OPEN_STATUSES, Platform
from socialdesk.domain.models import Case


def open_cases(
    session: Session,
    *,
    team: str | None = None,
    platform: Platform | None = None,
    assignee: str | None = None,
    crisis: bool = False,
    limit: int = 20,
) -> list[Case]:
    stmt = select(Case).where(col(Case.status).in_(OPEN_STATUSES))
    if team is not None:
        stmt = stmt.where(Case.team == team)
    if platform is not None:
        stmt = stmt.where(Case.platform == platform)
    if assignee is not None:
        stmt = stmt.where(Case.assignee == assignee)
    if crisis:  # the war rooms' queue: cases tagged with a crisis
        stmt = stmt.where(col(Case.crisis_id).is_not(None))
    stmt = stmt.order_by(col(Case.priority), col(Case.first_response_due), col(Case.id)).limit(limit)
    return list(session.exec(stmt).all())
