"""Queries about cases and mentions used by ingest and by the card views."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, String, and_, bindparam, func, or_, tuple_
from sqlalchemy import case as when
from sqlmodel import Session, col, select

from socialdesk.domain.enums import OPEN_STATUSES, CaseStatus, Category, Platform
from socialdesk.domain.models import Case, Mention, PlatformReply


def mention_exists(session: Session, platform: Platform, external_id: str) -> bool:
    stmt = select(Mention.id).where(Mention.platform == platform, Mention.external_id == external_id)
    return session.exec(stmt).first() is not None


def mention_by_external_id(session: Session, platform: Platform, external_id: str) -> Mention | None:
    stmt = select(Mention).where(Mention.platform == platform, Mention.external_id == external_id)
    return session.exec(stmt).first()


def mentions_by_external_ids(session: Session, keys: Collection[tuple[Platform, str]]) -> list[Mention]:
    """The stored mentions among `keys` (platform, external id): one statement for a batch of rows."""
    if not keys:
        return []
    wanted = tuple_(col(Mention.platform), col(Mention.external_id)).in_(list(keys))
    return list(session.exec(select(Mention).where(wanted)).all())


def _open_case(session: Session, case_id: int | None) -> Case | None:
    if case_id is None:
        return None
    case = session.get(Case, case_id)
    return case if case is not None and case.status in OPEN_STATUSES else None


def joinable_and_earlier(
    session: Session,
    *,
    platform: Platform,
    conversation_key: str,
    parent_external_id: str | None,
    author_id: str,
    window_start: datetime,
) -> tuple[Case | None, int]:
    """The open case this mention continues (its parent's, its thread's, or the author's recent one), and
    the author's cases on the platform (`count_earlier_cases`: what a new case's priority asks next).
    Ingest asks both for every mention, so the thread's case, the author's recent case and the count
    are one statement, and a case row is read only when there is one to join."""
    if parent_external_id:
        found = _parent_case(session, platform, parent_external_id)
        if found is not None:
            return found, count_earlier_cases(session, platform=platform, author_id=author_id)
    # Through the session, not its connection: rows it holds unflushed (a batch's earlier rows) count.
    params: dict[str, Any] = {
        "platform": platform,
        "conversation_key": conversation_key,
        "author_id": author_id,
        "window_start": window_start,
    }
    case_id, count = session.exec(_JOINABLE_AND_EARLIER, params=params).one()
    return (session.get(Case, case_id) if case_id is not None else None), int(count)


_CASES: Any = Case.__table__  # type: ignore[attr-defined]
_MENTIONS: Any = Mention.__table__  # type: ignore[attr-defined]


def _joinable_and_earlier() -> Select[int | None, int]:
    """Built once (with bound parameters) rather than per mention: building it cost more than running it."""
    platform = bindparam("platform", type_=_CASES.c.platform.type)
    author_id = bindparam("author_id", type_=String())
    # The author's recent case: one of its posts was written within the window before this one. The
    # post times, not when socialdesk processed them: an import of old posts must not join a post to
    # whatever the same author wrote a day later just because both were imported in the same minute.
    recent_post = (
        select(Mention.id)
        .where(
            Mention.case_id == Case.id,
            col(Mention.posted_at) >= bindparam("window_start", type_=_MENTIONS.c.posted_at.type),
        )
        .exists()
    )
    same_thread = col(Case.conversation_key) == bindparam("conversation_key", type_=String())
    # The thread's case first (its newest), else the author's newest recent case.
    joinable = (
        select(Case.id)
        .where(
            col(Case.platform) == platform,
            col(Case.status).in_(OPEN_STATUSES),
            or_(same_thread, and_(col(Case.author_id) == author_id, recent_post)),
        )
        .order_by(when((same_thread, 0), else_=1), col(Case.id).desc())
        .limit(1)
        .scalar_subquery()
    )
    earlier = (
        select(func.count())
        .select_from(Case)
        .where(col(Case.platform) == platform, col(Case.author_id) == author_id)
        .scalar_subquery()
    )
    return select(joinable, earlier)


_JOINABLE_AND_EARLIER: Any = _joinable_and_earlier()  # Any: sqlmodel types exec for its own Select


def _parent_case(session: Session, platform: Platform, parent_external_id: str) -> Case | None:
    parent_case = session.exec(
        select(Mention.case_id).where(Mention.platform == platform, Mention.external_id == parent_external_id)
    ).first()
    found = _open_case(session, parent_case)
    if found is not None:
        return found
    # The customer answered one of our replies: that reply's case, however long ago it was.
    our_reply_case = session.exec(
        select(PlatformReply.case_id).where(
            PlatformReply.platform == platform, PlatformReply.external_id == parent_external_id
        )
    ).first()
    return _open_case(session, our_reply_case)


def earlier_cases(
    session: Session, *, platform: Platform, author_id: str, before_case: int | None
) -> list[Case]:
    stmt = select(Case).where(Case.platform == platform, Case.author_id == author_id)
    if before_case is not None:
        stmt = stmt.where(col(Case.id) < before_case)
    return list(session.exec(stmt.order_by(col(Case.id).desc())).all())


def count_earlier_cases(
    session: Session, *, platform: Platform, author_id: str, before_case: int | None = None
) -> int:
    """The author's cases on the platform (before `before_case` when given: triaging that case again)."""
    stmt = (
        select(func.count()).select_from(Case).where(Case.platform == platform, Case.author_id == author_id)
    )
    if before_case is not None:
        stmt = stmt.where(col(Case.id) < before_case)
    return int(session.exec(stmt).one())


def count_recent_incidents(session: Session, *, since: datetime) -> int:
    """Incident cases opened since `since`, on any platform: an outage is reported wherever customers are."""
    stmt = (
        select(func.count())
        .select_from(Case)
        .where(Case.category == Category.INCIDENT, col(Case.opened_at) >= since)
    )
    return int(session.exec(stmt).one())


def case_mentions(session: Session, case_id: int) -> list[Mention]:
    stmt = select(Mention).where(Mention.case_id == case_id).order_by(col(Mention.posted_at), col(Mention.id))
    return list(session.exec(stmt).all())


def first_mention(session: Session, case_id: int) -> Mention | None:
    stmt = select(Mention).where(Mention.case_id == case_id).order_by(col(Mention.id)).limit(1)
    return session.exec(stmt).first()


def window_start(now: datetime, minutes: int) -> datetime:
    return now - timedelta(minutes=minutes)


def is_final(status: CaseStatus) -> bool:
    return status not in OPEN_STATUSES
