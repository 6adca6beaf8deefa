"""The post-crisis review as plain data: what happened (the timeline, each statement and who approved
it), how fast (time to the first statement, approvals, the update cadence) and what the crisis did to
the desk (mentions, sentiment, first response before, during and after it).

Read from the tables only; the figures before, during and after and the chart over them are read by
`socialdesk.crisis.review_chart`. The data types are in `socialdesk.domain.crisis_review`.
Drawn by `socialdesk.slack.blocks.crisis_review_text` (Markdown),
`socialdesk.crisis.review_chart` (PNG)
and `socialdesk.slack.blocks.crisis_review_view` (Block Kit); no renderer queries.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from sqlmodel import Session

from socialdesk.clock import as_utc
from socialdesk.crisis.review_chart import read_chart, read_figures
from socialdesk.domain.crisis import CrisisError
from socialdesk.domain.crisis_models import Crisis, CrisisStatement, StatementStatus
from socialdesk.domain.crisis_review import (
    ApprovalEntry,
    CadenceStep,
    CrisisReview,
    KeyTimes,
    PublicationEntry,
    SeverityChange,
    StatementEntry,
    TimelineEntry,
)
from socialdesk.domain.enums import ReplyStatus
from socialdesk.domain.playbooks.schema import Playbook
from socialdesk.slack.blocks.crisis_review_text import event_text
from socialdesk.store import crisis_repo


class CrisisNotFound(CrisisError):
    def __init__(self, crisis_id: int) -> None:
        super().__init__(f"There is no crisis {crisis_id}.")
        self.crisis_id = crisis_id


def build_review(
    session: Session,
    crisis_id: int,
    *,
    now: datetime,
    tz: str,
    playbook_title: str | None = None,
    first_statement_target_minutes: int | None = None,
    update_every_minutes: int | None = None,
    playbook: Playbook | None = None,
) -> CrisisReview:
    """The review of crisis ``crisis_id`` as of ``now``. Raises `CrisisNotFound`.

    Given the ``playbook``, its title and targets fill what is not passed: the first-statement target
    of the severity the crisis started at, and the update cadence of the severity it has now."""
    crisis = session.get(Crisis, crisis_id)
    if crisis is None or crisis.id is None:
        raise CrisisNotFound(crisis_id)
    events = crisis_repo.events(session, crisis.id)
    changes = tuple(
        SeverityChange(as_utc(e.at), e.actor, str(e.detail.get("before", "")), str(e.detail.get("after", "")))
        for e in events
        if e.kind == "severity"
    )
    if playbook is not None:
        first_level = changes[0].before if changes else crisis.severity
        playbook_title = playbook_title or playbook.title
        first_statement_target_minutes = first_statement_target_minutes or _minutes(
            playbook, first_level, "first_statement_within_minutes"
        )
        update_every_minutes = update_every_minutes or _minutes(
            playbook, crisis.severity, "update_every_minutes"
        )
    statements = tuple(_statement(session, s, events) for s in crisis_repo.statements(session, crisis.id))
    kinds = {s.id: s.kind for s in statements}
    timeline = tuple(
        TimelineEntry(as_utc(e.at), e.actor, e.kind, event_text(e.kind, e.detail, kinds)) for e in events
    )
    started = as_utc(crisis.started_at)
    ended = as_utc(crisis.ended_at) if crisis.ended_at is not None else None
    figures = read_figures(session, crisis.id, started=started, ended=ended, now=now)
    return CrisisReview(
        crisis_id=crisis.id,
        playbook_id=crisis.playbook_id,
        playbook_title=playbook_title or crisis.title,
        title=crisis.title,
        severity=crisis.severity,
        severity_changes=changes,
        summary=crisis.summary,
        status=crisis.status.value,
        started_at=started,
        started_by=crisis.started_by,
        ended_at=ended,
        ended_by=crisis.ended_by,
        end_summary=crisis.end_summary,
        war_room=crisis.war_room,
        timezone=tz,
        built_at=now,
        timeline=timeline,
        statements=statements,
        key_times=_key_times(started, statements, first_statement_target_minutes, update_every_minutes),
        figures=figures,
        chart=read_chart(
            session,
            figures,
            title=f"Crisis {crisis.id}: {crisis.title}",
            statements=[(s.published_at, s.kind) for s in statements if s.published_at is not None],
            now=now,
            timezone=tz,
        ),
        lessons=(crisis.lessons or "").strip() or None,
    )


def _minutes(playbook: Playbook, level: str, name: str) -> int | None:
    severity = playbook.severities.get(level)
    return None if severity is None else int(getattr(severity, name))


# --- statements ------------------------------------------------------------------------------------


def _statement(session: Session, row: CrisisStatement, events: list[Any]) -> StatementEntry:
    assert row.id is not None
    approvals = tuple(
        ApprovalEntry(a.approver, tuple(a.roles), as_utc(a.at), a.text_sha == row.text_sha)
        for a in crisis_repo.approvals(session, row.id)
    )
    publications = tuple(
        PublicationEntry(
            target=p.target,
            status=p.status.value,
            url=p.url,
            external_id=p.external_id,
            error_kind=p.error_kind,
            error=p.error,
            sent_at=as_utc(p.sent_at) if p.sent_at else None,
            attempts=p.attempts,
        )
        for p in crisis_repo.publications(session, row.id)
    )
    rejections = [e for e in events if e.kind == "rejected" and e.detail.get("statement_id") == row.id]
    return StatementEntry(
        id=row.id,
        kind=row.kind,
        status=row.status.value,
        drafted_by=row.drafted_by,
        drafted_at=as_utc(row.drafted_at),
        texts=dict(row.texts),
        approvals=approvals,
        rejected_by=row.rejected_by,
        rejected_reason=row.rejected_reason,
        rejected_at=as_utc(rejections[-1].at) if rejections else None,
        published_by=row.published_by,
        published_at=_public_at(row, publications),
        publications=publications,
    )


def _public_at(row: CrisisStatement, publications: tuple[PublicationEntry, ...]) -> datetime | None:
    """When the public first saw the statement: the first target that took it. The row's own
    `published_at` is when the last target did (a retry may come much later), and is the answer only
    for a statement published without any platform post (status page only)."""
    sent = [p.sent_at for p in publications if p.status == ReplyStatus.SENT.value and p.sent_at]
    if sent:
        return min(sent)
    if row.status is StatementStatus.PUBLISHED and row.published_at is not None:
        return as_utc(row.published_at)
    return None


def _key_times(
    started: datetime,
    statements: tuple[StatementEntry, ...],
    target_minutes: int | None,
    every_minutes: int | None,
) -> KeyTimes:
    public = sorted(
        (s for s in statements if s.published_at is not None), key=lambda s: s.published_at or started
    )
    every = timedelta(minutes=every_minutes) if every_minutes else None
    steps: list[CadenceStep] = []
    for previous, current in pairwise(public):
        assert previous.published_at is not None and current.published_at is not None
        gap = current.published_at - previous.published_at
        on_cadence = None if every is None else gap <= every
        steps.append(CadenceStep(current.id, current.kind, current.published_at, gap, on_cadence))
    first = public[0].published_at if public else None
    return KeyTimes(
        first_statement_at=first,
        to_first_statement=None if first is None else max(first - started, timedelta(0)),
        first_statement_target=timedelta(minutes=target_minutes) if target_minutes else None,
        update_every=every,
        steps=tuple(steps),
        updates=sum(1 for s in public if s.kind == "update"),
    )
