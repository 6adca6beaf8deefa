"""Reads behind the figures (`socialdesk.domain.metrics`) and the Home tab: the cases a period touches, copied
into plain `CaseFacts`, and the case lists the Home tab shows."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from socialdesk.clock import as_utc
from socialdesk.domain.enums import OPEN_STATUSES
from socialdesk.domain.metrics import CaseFacts, Period, quickest_reopen
from socialdesk.domain.metrics.tally import REOPEN_KIND, RESOLUTION_KINDS
from socialdesk.domain.models import Case, CaseEvent


def _maybe_utc(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def facts_of(case: Case, *, quickest_reopen: timedelta | None = None) -> CaseFacts:
    """The measured fields of a case row, as timezone-aware UTC (SQLite hands them back naive).

    ``quickest_reopen`` comes from the case's events (`reopen_gaps`); without it, a reopened case counts
    as reopened quickly (see `metrics.is_first_contact`)."""
    if case.id is None:
        raise ValueError("a case must be saved before it can be measured")
    return CaseFacts(
        case_id=case.id,
        team=case.team,
        platform=case.platform,
        priority=case.priority,
        status=case.status,
        opened_at=as_utc(case.opened_at),
        first_response_due=as_utc(case.first_response_due),
        first_response_at=_maybe_utc(case.first_response_at),
        claimed_at=_maybe_utc(case.claimed_at),
        resolved_at=_maybe_utc(case.resolved_at),
        reply_count=case.reply_count,
        escalation_count=case.escalation_count,
        reopen_count=case.reopen_count,
        outcome=case.outcome,
        quickest_reopen=quickest_reopen,
        category=case.category,
        sentiment=case.sentiment,
        assignee=case.assignee,
        needs_reply=case.needs_reply,
        historical=case.historical,
    )


def reopen_gaps(session: Session, case_ids: Collection[int]) -> dict[int, timedelta | None]:
    """`metrics.quickest_reopen` of each case, from its resolved / spam / reopened events."""
    if not case_ids:
        return {}
    kinds = [*RESOLUTION_KINDS, REOPEN_KIND]
    trails: dict[int, list[tuple[datetime, str]]] = {i: [] for i in case_ids}
    rows = session.exec(
        select(CaseEvent.case_id, CaseEvent.at, CaseEvent.kind).where(
            col(CaseEvent.case_id).in_(list(case_ids)), col(CaseEvent.kind).in_(kinds)
        )
    ).all()
    for case_id, at, kind in rows:
        trails[case_id].append((as_utc(at), kind))
    return {case_id: quickest_reopen(trail) for case_id, trail in trails.items()}


def case_facts(session: Session, period: Period, *, teams: Collection[str] | None = None) -> list[CaseFacts]:
    """Every case any figure over ``period`` may look at: a superset, which the metrics functions filter.

    That is: opened, answered, due or resolved since the period started (a case resolved after it
    ended was still open at its end), plus every case open now (the backlog).
    """
    # Bound as UTC: SQLite stores the naive UTC wall time, so an aware value must be UTC to compare.
    start = period.start.astimezone(UTC)
    stmt = select(Case).where(
        or_(
            col(Case.opened_at) >= start,
            col(Case.first_response_at) >= start,
            col(Case.first_response_due) >= start,
            col(Case.resolved_at) >= start,
            col(Case.status).in_(OPEN_STATUSES),
        )
    )
    if teams is not None:
        stmt = stmt.where(col(Case.team).in_(list(teams)))
    cases = list(session.exec(stmt.order_by(col(Case.id))).all())
    # Only reopened cases need their events, and they are few.
    gaps = reopen_gaps(session, [c.id for c in cases if c.reopen_count and c.id is not None])
    return [facts_of(case, quickest_reopen=gaps.get(case.id or 0)) for case in cases]


def my_open_cases(session: Session, user_id: str, *, limit: int) -> list[Case]:
    """The user's open cases, most urgent first (priority, then first-response due time)."""
    stmt = (
        select(Case)
        .where(col(Case.status).in_(OPEN_STATUSES), Case.assignee == user_id)
        .order_by(col(Case.priority), col(Case.first_response_due), col(Case.id))
        .limit(limit)
    )
    return list(session.exec(stmt).all())


def unclaimed_cases(session: Session, *, teams: Collection[str] | None = None, limit: int) -> list[Case]:
    """Open cases nobody holds, most urgent first; ``teams=None`` means every team.

    Callers that know which teams a user works in pass them; until that membership exists, the Home tab
    shows every team's queue.
    """
    stmt = select(Case).where(col(Case.status).in_(OPEN_STATUSES), col(Case.assignee).is_(None))
    if teams is not None:
        stmt = stmt.where(col(Case.team).in_(list(teams)))
    stmt = stmt.order_by(col(Case.priority), col(Case.first_response_due), col(Case.id)).limit(limit)
    return list(session.exec(stmt).all())


def count_open(
    session: Session,
    *,
    assignee: str | None = None,
    unclaimed: bool = False,
    teams: Collection[str] | None = None,
) -> int:
    """How many open cases there are (for "15 of 42 shown"): one user's, or the unclaimed ones."""
    stmt = select(func.count()).select_from(Case).where(col(Case.status).in_(OPEN_STATUSES))
    if assignee is not None:
        stmt = stmt.where(Case.assignee == assignee)
    if unclaimed:
        stmt = stmt.where(col(Case.assignee).is_(None))
    if teams is not None:
        stmt = stmt.where(col(Case.team).in_(list(teams)))
    return int(session.exec(stmt).one())
