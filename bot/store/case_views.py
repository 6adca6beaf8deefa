"""Builds the read-only views that the Slack renderers draw (renderers never query)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as select_many
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from socialdesk.clock import as_utc
from socialdesk.domain.case_view import (
    AuthorView,
    CaseView,
    HistoryView,
    MentionView,
    SlaAlertView,
    enrichment_tags,
)
from socialdesk.domain.enums import CaseStatus, ReplyStatus
from socialdesk.domain.errors import CaseNotFound
from socialdesk.domain.models import Case, Mention, PlatformReply
from socialdesk.domain.ratings import valid_rating
from socialdesk.domain.sla import no_clock_reason
from socialdesk.store import cases_repo

_CHUNK = 500  # ids per IN (...) list


def author_view(mention: Mention) -> AuthorView:
    return AuthorView(
        id=mention.author_id,
        handle=mention.author_handle,
        name=mention.author_name,
        followers=mention.author_followers,
        verified=mention.author_verified,
        url=mention.author_url,
    )


def mention_view(mention: Mention) -> MentionView:
    assert mention.id is not None and mention.case_id is not None
    return MentionView(
        id=mention.id,
        case_id=mention.case_id,
        platform=mention.platform,
        kind=mention.kind,
        is_private=mention.is_private,
        author=author_view(mention),
        text_masked=mention.text_masked,
        url=mention.url,
        posted_at=as_utc(mention.posted_at),
        sentiment=mention.sentiment,
        sentiment_score=mention.sentiment_score,
        rating=valid_rating(mention.rating),
        details=tuple(
            (str(pair[0]), str(pair[1]))
            for pair in mention.details or []
            if isinstance(pair, list | tuple) and len(pair) == 2
        ),
        edited_at=as_utc(mention.edited_at) if mention.edited_at else None,
        edit_count=mention.edit_count,
    )


def history_view(earlier: list[Case]) -> HistoryView:
    statuses = [c.status for c in earlier]
    return HistoryView(
        total=len(earlier),
        resolved=statuses.count(CaseStatus.RESOLVED),
        escalated=statuses.count(CaseStatus.ESCALATED),
        spam=statuses.count(CaseStatus.SPAM),
        open=sum(1 for s in statuses if s.is_open),
        recent=tuple((c.id, c.status, as_utc(c.opened_at)) for c in earlier[:3] if c.id is not None),
    )


def case_view(session: Session, case: Case, *, now: datetime) -> CaseView:
    assert case.id is not None
    first = cases_repo.first_mention(session, case.id)
    if first is None:
        raise LookupError(f"case #{case.id} has no mention")
    earlier = cases_repo.earlier_cases(
        session, platform=case.platform, author_id=case.author_id, before_case=case.id
    )
    return _view(case, first, earlier, _undelivered(session, case.id), now)


def case_and_view(session: Session, case_id: int, *, now: datetime) -> tuple[Case, CaseView] | None:
    """The case and its view in one statement where the author has no earlier case (a card's usual
    draw: the outbox draws one per card sent), two where they have: the case joined to its first
    mention and to its latest answer's delivery error, with the count of the author's earlier cases;
    those are read only when there are some. None when there is no such case; LookupError when it has no
    mention. What `case_view` builds from four reads."""
    row = session.execute(_CARD_STATE.where(col(Case.id) == case_id)).first()
    if row is None:
        return None
    case, first, error_kind, error, earlier_count = row
    if first is None:
        raise LookupError(f"case #{case_id} has no mention")
    earlier = (
        cases_repo.earlier_cases(
            session, platform=case.platform, author_id=case.author_id, before_case=case_id
        )
        if earlier_count
        else []
    )
    return case, _view(case, first, earlier, _undelivered_reason(error_kind, error), now)


def _card_state() -> Any:
    """The statement of `case_and_view`, built once (a cached compiled form per dialect)."""
    # Aliases inside the subqueries, so that they never read as the outer join's rows.
    mention, reply = aliased(Mention), aliased(PlatformReply)
    first_id = (
        select(func.min(mention.id)).where(mention.case_id == Case.id).correlate(Case).scalar_subquery()
    )
    latest_answer_id = (
        select(reply.id)
        .where(reply.case_id == Case.id, reply.status == ReplyStatus.SENT, col(reply.purpose).is_(None))
        .order_by(col(reply.sent_at).desc(), col(reply.id).desc())
        .limit(1)
        .correlate(Case)
        .scalar_subquery()
    )
    other = aliased(Case)
    earlier_count = (
        select(func.count())
        .select_from(other)
        .where(other.platform == Case.platform, other.author_id == Case.author_id, col(other.id) < Case.id)
        .correlate(Case)
        .scalar_subquery()
    )
    # SQLAlchemy's own select: SQLModel's types at most four columns.
    return (
        select_many(Case, Mention, col(PlatformReply.error_kind), col(PlatformReply.error), earlier_count)
        .select_from(Case)
        .outerjoin(Mention, col(Mention.id) == first_id)
        .outerjoin(PlatformReply, col(PlatformReply.id) == latest_answer_id)
    )


_CARD_STATE = _card_state()


def _view(
    case: Case, first: Mention, earlier: list[Case], undelivered: str | None, now: datetime
) -> CaseView:
    assert case.id is not None
    return CaseView(
        id=case.id,
        platform=case.platform,
        status=case.status,
        priority=case.priority,
        priority_reason=case.priority_reason,
        category=case.category,
        sentiment=case.sentiment,
        sentiment_score=first.sentiment_score,
        is_private=case.is_private,
        team=case.team,
        author=author_view(first),
        first=mention_view(first),
        opened_at=as_utc(case.opened_at),
        first_response_due=as_utc(case.first_response_due),
        first_response_at=as_utc(case.first_response_at) if case.first_response_at else None,
        assignee=case.assignee,
        mention_count=case.mention_count,
        history=history_view(earlier),
        claimed_at=as_utc(case.claimed_at) if case.claimed_at else None,
        outcome=case.outcome,
        now=now,
        needs_reply=case.needs_reply,
        tags=enrichment_tags(case.enrichment or {}),
        undelivered=undelivered,
        **_sla_fields(case),
    )


def _undelivered(session: Session, case_id: int) -> str | None:
    """Why the case's latest sent reply did not reach the customer, when the platform said it did not."""
    latest = session.exec(
        select(PlatformReply)
        .where(PlatformReply.case_id == case_id, PlatformReply.status == ReplyStatus.SENT)
        .where(col(PlatformReply.purpose).is_(None))
        .order_by(col(PlatformReply.sent_at).desc(), col(PlatformReply.id).desc())
    ).first()
    if latest is None:
        return None
    return _undelivered_reason(latest.error_kind, latest.error)


def _undelivered_reason(error_kind: str | None, error: str | None) -> str | None:
    if error_kind != "undelivered":
        return None
    return error or "the platform did not deliver it"


def _sla_fields(case: Case) -> dict[str, Any]:
    """The SLA clock that runs now: the first response until answered, then the resolution target."""
    fields: dict[str, Any] = {"snoozed_until": as_utc(case.snoozed_until) if case.snoozed_until else None}
    if not case.status.is_open:
        return fields
    fields["no_clock"] = no_clock_reason(case)
    if fields["no_clock"] is not None:
        return fields  # no clock runs on spam, a case that needs no reply, or one from history
    if case.first_response_at is None:
        fields.update(
            sla_clock="first_response", sla_level=case.sla_level, sla_due=as_utc(case.first_response_due)
        )
    elif case.resolution_due is not None:
        fields.update(
            sla_clock="resolution",
            sla_level=case.resolution_level,
            sla_due=as_utc(case.resolution_due),
            sla_paused=case.status is CaseStatus.WAITING_CUSTOMER and case.waiting_since is not None,
        )
    return fields


def sla_alert_views(
    session: Session, alerts: list[tuple[int, str, str]], *, now: datetime, snippets: int | None = None
) -> list[SlaAlertView]:
    """(case id, clock, level) triples as they stand now, most urgent first; missing cases are left out.

    The cases are read in a few queries however many there are (a spike's grouped alert may list
    thousands); only the first `snippets` views (None: all) carry their post's text, which takes a
    query each."""
    wanted = sorted({a[0] for a in alerts})
    cases: dict[int, Case] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        cases.update((c.id, c) for c in session.exec(select(Case).where(col(Case.id).in_(chunk))) if c.id)
    views = [_alert_view(cases[cid], clock, level, now, "") for cid, clock, level in alerts if cid in cases]
    views.sort(key=lambda v: (v.priority.rank, v.due, v.case_id))
    limit = len(views) if snippets is None else min(snippets, len(views))
    for i in range(limit):
        first = cases_repo.first_mention(session, views[i].case_id)
        views[i] = replace(views[i], snippet=first.text_masked if first is not None else "")
    return views


def sla_alert_view(
    session: Session, case_id: int, clock: str, level: str, *, now: datetime
) -> SlaAlertView | None:
    case = session.get(Case, case_id)
    if case is None:
        return None
    first = cases_repo.first_mention(session, case_id)
    return _alert_view(case, clock, level, now, first.text_masked if first is not None else "")


def _alert_view(case: Case, clock: str, level: str, now: datetime, snippet: str) -> SlaAlertView:
    assert case.id is not None
    if clock == "first_response":
        due, still_due = case.first_response_due, case.first_response_at is None
    else:
        due, still_due = case.resolution_due or case.first_response_due, True
    return SlaAlertView(
        case_id=case.id,
        clock=clock,
        level=level,
        due=as_utc(due),
        priority=case.priority,
        platform=case.platform,
        team=case.team,
        opened_at=as_utc(case.opened_at),
        assignee=case.assignee,
        author_handle=case.author_handle,
        snippet=snippet,
        still_due=still_due and case.status.is_open,
        card_channel=case.slack_channel,
        card_ts=case.slack_ts,
        now=now,
    )


def load_case_view(session: Session, case_id: int, *, now: datetime) -> CaseView:
    found = case_and_view(session, case_id, now=now)
    if found is None:
        raise CaseNotFound(case_id)
    return found[1]


def case_history(session: Session, case_id: int, *, now: datetime) -> tuple[CaseView, list[MentionView]]:
    """The case and every mention in it, oldest first; `CaseNotFound` when there is no such case."""
    view = load_case_view(session, case_id, now=now)
    return view, [mention_view(m) for m in cases_repo.case_mentions(session, case_id)]
