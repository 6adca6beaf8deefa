"""A subject access export: everything socialdesk holds about one author, as JSON-ready data.

Staff are named by role only ("staff" or "system"): the export is the customer's data, and the Slack
ids of the agents who worked their case are not theirs to receive.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any

from sqlmodel import Session, col, select

from socialdesk.clock import as_utc
from socialdesk.domain.crisis_models import Crisis
from socialdesk.domain.models import Case, CaseEvent, Mention, PlatformReply, SurveyResponse
from socialdesk.privacy.subject import AuthorRef, Subject, UnknownAuthor, resolve

MENTION_FIELDS = (
    "id", "platform", "external_id", "kind", "is_private", "case_id", "author_id", "author_handle",
    "author_name", "author_followers", "author_verified", "author_url", "text_raw", "url", "posted_at",
    "received_at", "sentiment", "category",
)  # fmt: skip
CASE_FIELDS = (
    "id", "platform", "status", "priority", "category", "sentiment", "is_private", "team", "author_id",
    "author_handle", "author_name", "opened_at", "first_response_at", "resolved_at", "outcome", "crisis_id",
)  # fmt: skip
REPLY_FIELDS = (
    "id",
    "case_id",
    "visibility",
    "platform",
    "text",
    "purpose",
    "status",
    "created_at",
    "sent_at",
)
SURVEY_FIELDS = ("id", "case_id", "kind", "score", "comment", "received_at")
CRISIS_FIELDS = ("id", "title", "playbook_id", "severity", "status", "started_at", "ended_at")


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _row(obj: object, fields: Iterable[str]) -> dict[str, Any]:
    return {name: _value(getattr(obj, name)) for name in fields}


def _event(event: CaseEvent) -> dict[str, Any]:
    actor = "system" if event.actor == "system" else "staff"
    return {"at": _value(event.at), "actor": actor, "kind": event.kind, "detail": dict(event.detail)}


def export(session: Session, author: AuthorRef | Subject, *, now: datetime | None = None) -> dict[str, Any]:
    """Mentions with their raw text, the author's cases with their timelines, the replies sent to
    them, their survey answers and the crises their cases were part of. Raises UnknownAuthor."""
    subject = author if isinstance(author, Subject) else resolve(session, author)
    mentions = session.exec(
        select(Mention)
        .where(Mention.platform == subject.platform, Mention.author_id == subject.author_id)
        .order_by(col(Mention.id))
    ).all()
    cases = session.exec(
        select(Case)
        .where(Case.platform == subject.platform, Case.author_id == subject.author_id)
        .order_by(col(Case.id))
    ).all()
    if not mentions and not cases:
        raise UnknownAuthor(f"No data for {subject}.")
    case_ids = [c.id for c in cases if c.id is not None]
    events: dict[int, list[dict[str, Any]]] = {cid: [] for cid in case_ids}
    for event in session.exec(
        select(CaseEvent)
        .where(col(CaseEvent.case_id).in_(case_ids))
        .order_by(col(CaseEvent.at), col(CaseEvent.id))
    ):
        events[event.case_id].append(_event(event))
    replies = session.exec(
        select(PlatformReply).where(col(PlatformReply.case_id).in_(case_ids)).order_by(col(PlatformReply.id))
    ).all()
    surveys = session.exec(
        select(SurveyResponse)
        .where(col(SurveyResponse.case_id).in_(case_ids))
        .order_by(col(SurveyResponse.id))
    ).all()
    crisis_ids = sorted({c.crisis_id for c in cases if c.crisis_id is not None})
    crises = session.exec(select(Crisis).where(col(Crisis.id).in_(crisis_ids)).order_by(col(Crisis.id))).all()
    return {
        "author": str(subject),
        "exported_at": _value(now) if now is not None else None,
        "mentions": [_row(m, MENTION_FIELDS) for m in mentions],
        "cases": [{**_row(c, CASE_FIELDS), "events": events.get(c.id or 0, [])} for c in cases],
        "replies": [_row(r, REPLY_FIELDS) for r in replies],
        "survey_responses": [_row(s, SURVEY_FIELDS) for s in surveys],
        "crises": [_row(c, CRISIS_FIELDS) for c in crises],
    }


def summary(data: dict[str, Any]) -> dict[str, int]:
    """How many of each the export holds: what Slack is told (the file itself stays out of Slack)."""
    return {key: len(data[key]) for key in ("mentions", "cases", "replies", "survey_responses", "crises")}
