"""Survey queries, and storing an answer with its line in the case's thread (the one write path shared
by answers that arrive as replies and answers from an external survey tool)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from socialdesk.domain.enums import CaseStatus, Platform, ReplyStatus, ReplyVisibility
from socialdesk.domain.models import Case, Notice, PlatformReply, SurveyResponse
from socialdesk.domain.notify import CaseNotifier
from socialdesk.store import events_repo
from socialdesk.surveys import rules

_IS_SURVEY = col(PlatformReply.purpose).startswith(rules.PURPOSE_PREFIX)


def surveyed_since(session: Session, *, platform: Platform, author_id: str, since: datetime) -> bool:
    """Whether this customer was sent (or is being sent) a survey since `since`, on any of their cases.
    A survey the platform refused does not count: it never reached them."""
    stmt = (
        select(PlatformReply.id)
        .join(Case, col(Case.id) == PlatformReply.case_id)
        .where(
            Case.platform == platform,
            Case.author_id == author_id,
            _IS_SURVEY,
            PlatformReply.status != ReplyStatus.FAILED,
            col(PlatformReply.created_at) >= since,
        )
        .limit(1)
    )
    return session.exec(stmt).first() is not None


def due_surveys(session: Session, *, resolved_before: datetime, limit: int) -> list[int]:
    """Case ids whose survey is scheduled, not settled, and due (resolved at least the delay ago).
    A case reopened meanwhile is left out until it is resolved again."""
    stmt = (
        select(Notice.case_id)
        .join(Case, col(Case.id) == Notice.case_id)
        .where(
            Notice.kind == rules.NOTICE_KIND,
            col(Notice.sent_at).is_(None),
            Case.status == CaseStatus.RESOLVED,
            col(Case.resolved_at) <= resolved_before,
        )
        .order_by(col(Notice.id))
        .limit(limit)
    )
    return [case_id for case_id in session.exec(stmt).all() if case_id is not None]


def private_reply_used(session: Session, mention_id: int | None) -> bool:
    """Meta allows one private reply per comment: has this mention had one (not refused)?"""
    if mention_id is None:
        return False
    stmt = select(PlatformReply.id).where(
        PlatformReply.mention_id == mention_id,
        PlatformReply.visibility == ReplyVisibility.PRIVATE,
        PlatformReply.status != ReplyStatus.FAILED,
    )
    return session.exec(stmt.limit(1)).first() is not None


def survey_with_external_id(
    session: Session, *, platform: Platform, external_id: str
) -> PlatformReply | None:
    """Our survey message that the customer answered in its thread."""
    stmt = select(PlatformReply).where(
        PlatformReply.platform == platform,
        PlatformReply.external_id == external_id,
        PlatformReply.status == ReplyStatus.SENT,
        _IS_SURVEY,
    )
    return session.exec(stmt.limit(1)).first()


def latest_survey_to(
    session: Session, *, platform: Platform, author_id: str, sent_after: datetime, sent_before: datetime
) -> PlatformReply | None:
    """The newest survey this customer received in the window (on any of their cases)."""
    stmt = (
        select(PlatformReply)
        .join(Case, col(Case.id) == PlatformReply.case_id)
        .where(
            Case.platform == platform,
            Case.author_id == author_id,
            _IS_SURVEY,
            PlatformReply.status == ReplyStatus.SENT,
            col(PlatformReply.sent_at) >= sent_after,
            col(PlatformReply.sent_at) <= sent_before,
        )
        .order_by(col(PlatformReply.sent_at).desc(), col(PlatformReply.id).desc())
    )
    return session.exec(stmt.limit(1)).first()


def response_id(session: Session, *, case_id: int, kind: str, ref: str) -> int | None:
    stmt = select(SurveyResponse.id).where(
        SurveyResponse.case_id == case_id, SurveyResponse.kind == kind, SurveyResponse.source_ref == ref
    )
    return session.exec(stmt).first()


@dataclass(frozen=True, slots=True)
class Stored:
    response: SurveyResponse
    created: bool  # False: this answer was stored before (a redelivery); nothing was changed
    previous_score: int | None = None  # set when a customer's new reply replaced their earlier score


def record_answer(
    session: Session,
    notifier: CaseNotifier,
    *,
    case: Case,
    kind: str,
    score: int,
    comment: str | None,
    source: str,
    source_ref: str,
    now: datetime,
    replace_earlier_reply: bool = False,
) -> Stored:
    """Store a score and queue its line in the case's thread, in the caller's transaction.

    The same `(case, kind, source_ref)` twice is a redelivery and changes nothing. With
    `replace_earlier_reply`, a customer who replies with a second score ("sorry, I meant 4") corrects
    their earlier reply instead of being counted twice. `comment` must already be masked.
    """
    assert case.id is not None
    same = session.exec(
        select(SurveyResponse).where(
            SurveyResponse.case_id == case.id,
            SurveyResponse.kind == kind,
            SurveyResponse.source_ref == source_ref,
        )
    ).first()
    if same is not None:
        return Stored(same, created=False)
    earlier = None
    if replace_earlier_reply:
        earlier = session.exec(
            select(SurveyResponse).where(
                SurveyResponse.case_id == case.id,
                SurveyResponse.kind == kind,
                SurveyResponse.source == source,
            )
        ).first()
    previous = earlier.score if earlier is not None else None
    row = earlier or SurveyResponse(
        case_id=case.id, kind=kind, score=score, source=source, source_ref=source_ref, received_at=now
    )
    row.score, row.comment, row.source_ref, row.received_at = score, comment, source_ref, now
    session.add(row)
    session.flush()
    detail: dict[str, object] = {
        "survey": kind,  # not "kind": that is the event's own kind
        "score": score,
        "scale": rules.scale_max(kind),
        "source": source,
        "response_id": row.id,
    }
    if comment:
        detail["comment"] = comment
    if previous is not None:
        detail["previous_score"] = previous
    event = events_repo.record(
        session, case_id=case.id, actor=rules.SURVEY_ACTOR, kind=rules.EVENT_ANSWERED, at=now, **detail
    )
    session.flush()
    notifier.event_recorded(session, case, event, now=now)
    return Stored(row, created=True, previous_score=previous)
