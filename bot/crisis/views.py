"""What the war room shows, read from the store in one place: renderers never query."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from socialdesk.clock import as_utc
from socialdesk.config import Masking
from socialdesk.domain.crisis import approval_state
from socialdesk.domain.crisis_models import Crisis, CrisisStatement, StatementStatus
from socialdesk.domain.crisis_views import CrisisView, PublicationView, RoleView, StatementView
from socialdesk.domain.models import Case
from socialdesk.domain.playbooks.render import check_statement
from socialdesk.domain.playbooks.schema import Playbook
from socialdesk.store import crisis_repo

Mentions = Callable[[str], list[str]]  # playbook role -> Slack mentions of its people


def statement_view(
    session: Session,
    statement: CrisisStatement,
    crisis: Crisis,
    playbook: Playbook,
    *,
    masking: Masking,
    mentions: Mentions,
    now: datetime,
    timezone: str,
) -> StatementView:
    assert statement.id is not None and crisis.id is not None
    rule = playbook.severity(crisis.severity).approvals
    stale_at = as_utc(statement.stale_at) if statement.stale_at else None
    state = approval_state(
        rule,
        crisis_repo.approvals(session, statement.id),
        current_sha=statement.text_sha,
        stale_at=stale_at,
        now=now,
    )
    publications = [
        PublicationView(p.target, p.status.value, p.url, p.error, as_utc(p.sent_at) if p.sent_at else None)
        for p in crisis_repo.publications(session, statement.id)
    ]
    return StatementView(
        id=statement.id,
        crisis_id=crisis.id,
        crisis_title=crisis.title,
        kind=statement.kind,
        status=statement.status,
        texts=dict(statement.texts),
        problems={t: check_statement(playbook, t, text, masking) for t, text in statement.texts.items()},
        drafted_by=statement.drafted_by,
        drafted_at=as_utc(statement.drafted_at),
        stale_at=stale_at,
        stale=state.stale,
        chain=state.chain,
        approved_by={role: (a.approver, as_utc(a.at)) for role, a in state.approved_by.items()},
        missing=state.missing,
        two_person=rule.two_person,
        approver_mentions={role: mentions(role) for role in state.missing},
        rejected_by=statement.rejected_by,
        rejected_reason=statement.rejected_reason,
        publications=publications,
        published_by=statement.published_by,
        published_at=as_utc(statement.published_at) if statement.published_at else None,
        timezone=timezone,
    )


def crisis_view(
    session: Session,
    crisis: Crisis,
    playbook: Playbook,
    *,
    masking: Masking,
    mentions: Mentions,
    now: datetime,
    timezone: str,
) -> CrisisView:
    assert crisis.id is not None
    severity = playbook.severity(crisis.severity)
    statements = crisis_repo.statements(session, crisis.id)
    published = [s for s in statements if s.status is StatementStatus.PUBLISHED and s.published_at]
    open_statement = crisis_repo.open_statement(session, crisis.id)
    tagged = session.exec(select(func.count()).select_from(Case).where(Case.crisis_id == crisis.id)).one()
    open_tagged = session.exec(
        select(func.count()).select_from(Case).where(Case.crisis_id == crisis.id, Case.resolved_at.is_(None))  # type: ignore[union-attr]
    ).one()
    started = as_utc(crisis.started_at)
    return CrisisView(
        id=crisis.id,
        title=crisis.title,
        playbook_id=crisis.playbook_id,
        playbook_title=playbook.title,
        severity=crisis.severity,
        severity_label=severity.label,
        status=crisis.status.value,
        summary=crisis.summary,
        started_at=started,
        started_by=crisis.started_by,
        ended_at=as_utc(crisis.ended_at) if crisis.ended_at else None,
        ended_by=crisis.ended_by,
        war_room=crisis.war_room,
        next_update_at=as_utc(crisis.next_update_at) if crisis.next_update_at else None,
        cadence_minutes=severity.update_every_minutes,
        first_statement_due=started + timedelta(minutes=severity.first_statement_within_minutes),
        first_published_at=min((as_utc(s.published_at) for s in published if s.published_at), default=None),
        roles=[RoleView(name, role.description, mentions(name)) for name, role in playbook.roles.items()],
        tagged_cases=int(tagged),
        open_tagged_cases=int(open_tagged),
        open_statement=(
            statement_view(
                session,
                open_statement,
                crisis,
                playbook,
                masking=masking,
                mentions=mentions,
                now=now,
                timezone=timezone,
            )
            if open_statement is not None
            else None
        ),
        timezone=timezone,
        published_count=len(published),
        sla_minutes=playbook.sla.first_response_minutes if playbook.sla else None,
        where_updates=str(crisis.slots.get("where_updates") or playbook.slots.where_updates),
        checklist=list(playbook.checklist),
    )


__all__ = ["CrisisView", "PublicationView", "RoleView", "StatementView", "crisis_view", "statement_view"]
