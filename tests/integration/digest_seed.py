"""Hand-built days of cases for the digest tests: rows inserted as the case services would leave them,
so every figure can be worked out by hand (see `seed_tuesday`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from socialdesk.domain.enums import (
    CaseStatus,
    Category,
    MentionKind,
    Platform,
    ReplyStatus,
    ReplyVisibility,
    Sentiment,
)
from socialdesk.domain.models import Case, CaseEvent, Mention, PlatformReply, SurveyResponse

_ids = count(1)


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def add_case(
    session: Session,
    *,
    opened: datetime,
    due_minutes: int = 15,
    team: str = "support",
    platform: Platform = Platform.X,
    status: CaseStatus = CaseStatus.NEW,
    answered: datetime | None = None,
    claimed: datetime | None = None,
    resolved: datetime | None = None,
    replies: Sequence[tuple[datetime, str, str | None]] = (),
    assignee: str | None = None,
    text: str = "Where is my order?",
    sentiment: Sentiment = Sentiment.NEUTRAL,
    category: Category = Category.QUESTION,
    **extra: Any,
) -> Case:
    """One case and its mention, replies and events; ``replies`` are ``(sent_at, agent, canned id)``."""
    n = next(_ids)
    case = Case(
        platform=platform,
        conversation_key=f"seed:{n}",
        status=status,
        category=category,
        sentiment=sentiment,
        team=team,
        route=extra.pop("route", team),
        author_id=f"author-{n}",
        opened_at=opened,
        first_response_due=opened + timedelta(minutes=due_minutes),
        first_response_at=answered,
        last_activity_at=resolved or answered or opened,
        resolved_at=resolved,
        claimed_at=claimed,
        assignee=assignee,
        reply_count=len(replies),
        outcome="answered" if status is CaseStatus.RESOLVED else None,
        **extra,
    )
    session.add(case)
    session.flush()
    assert case.id is not None
    session.add(
        Mention(
            platform=platform,
            external_id=f"seed-{n}",
            kind=MentionKind.POST,
            conversation_key=case.conversation_key,
            case_id=case.id,
            author_id=case.author_id,
            text_raw=text,
            text_masked=text,
            posted_at=opened,
            received_at=opened,
            sentiment=sentiment,
            sentiment_score=-0.6 if sentiment in (Sentiment.NEGATIVE, Sentiment.VERY_NEGATIVE) else 0.1,
            category=category,
        )
    )
    for index, (sent_at, agent, canned) in enumerate(replies):
        session.add(
            PlatformReply(
                idempotency_key=f"seed:{n}:{index}",
                case_id=case.id,
                actor=agent,
                visibility=ReplyVisibility.PUBLIC,
                platform=platform,
                text="Thanks, we're on it.",
                canned_reply_id=canned,
                status=ReplyStatus.SENT,
                created_at=sent_at,
                sent_at=sent_at,
            )
        )
    if resolved is not None:
        kind = "spam" if status is CaseStatus.SPAM else "resolved"
        session.add(CaseEvent(case_id=case.id, at=resolved, actor=assignee or "system", kind=kind))
    return case


def add_event(session: Session, case: Case, kind: str, when: datetime, **detail: Any) -> None:
    assert case.id is not None
    session.add(CaseEvent(case_id=case.id, at=when, actor="U0AGENT01", kind=kind, detail=detail))


def add_survey(session: Session, case: Case, score: int, when: datetime, kind: str = "csat") -> None:
    assert case.id is not None
    session.add(
        SurveyResponse(
            case_id=case.id,
            kind=kind,
            score=score,
            source="reply",
            source_ref=f"s-{next(_ids)}",
            received_at=when,
        )
    )


def seed_tuesday(engine: Engine) -> None:
    """Tue 24 Nov 2026 (London is on UTC in November), and one case on Mon 23 Nov to compare with.

    By hand, for Tuesday (spam left out): opened 4 (A, B, C, E); answered 2 (A in 10 min, B in 90 min:
    median 50 min, p90 90 min); SLA decided 3 (A met at 09:10, B missed at 11:00, C missed at 13:15; E
    is due on Wednesday): 1/3; resolved 2 (A, B): resolution rate 2/4; FCR 1/2 (B had two replies);
    AHT (60 + 90) / 2 = 75 min; CSAT 5 and 3: 50 %, mean 4.0; one escalation support -> billing.
    Monday: opened 1, answered after 20 min (SLA missed), resolved with one reply (FCR 1/1).
    """
    with Session(engine) as session:
        a = add_case(  # A
            session,
            opened=at(24, 9),
            answered=at(24, 9, 10),
            claimed=at(24, 9, 5),
            resolved=at(24, 10, 5),
            status=CaseStatus.RESOLVED,
            assignee="U0AGENT01",
            replies=[(at(24, 9, 10), "U0AGENT01", "ack-complaint")],
            text="My parcel arrived damaged, I want a refund",
            sentiment=Sentiment.NEGATIVE,
            category=Category.COMPLAINT,
        )
        b = add_case(  # B
            session,
            opened=at(24, 10),
            due_minutes=60,
            platform=Platform.FACEBOOK,
            answered=at(24, 11, 30),
            claimed=at(24, 10, 30),
            resolved=at(24, 12),
            status=CaseStatus.RESOLVED,
            assignee="U0AGENT02",
            replies=[(at(24, 11, 30), "U0AGENT02", None), (at(24, 11, 45), "U0AGENT02", "ack-complaint")],
            text="Charged twice for my refund, terrible",
            sentiment=Sentiment.VERY_NEGATIVE,
            category=Category.COMPLAINT,
        )
        c = add_case(session, opened=at(24, 13), team="billing", escalation_count=1)  # C
        add_event(session, c, "escalated", at(24, 13, 5), from_team="support", to_team="billing")
        add_case(  # D: spam, left out of every figure
            session,
            opened=at(24, 14),
            platform=Platform.REDDIT,
            status=CaseStatus.SPAM,
            resolved=at(24, 14, 1),
        )
        add_case(session, opened=at(24, 23, 30), team="billing", due_minutes=60, platform=Platform.INSTAGRAM)
        add_case(
            session,
            opened=at(23, 12),
            answered=at(23, 12, 20),
            claimed=at(23, 12, 20),
            resolved=at(23, 13),
            status=CaseStatus.RESOLVED,
            assignee="U0AGENT01",
            replies=[(at(23, 12, 20), "U0AGENT01", None)],
        )
        add_survey(session, a, 5, at(24, 10, 30))
        add_survey(session, b, 3, at(24, 12, 30))
        session.commit()
