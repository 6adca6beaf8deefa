"""`cases_repo.joinable_and_earlier` for a whole ingest batch from one read.

Ingest asks, for every new mention, which open case it continues (the thread's newest, else the
author's newest with a post in the window before it) and how many cases the author has on the platform
(priority). One statement per mention was most of the SQL left in a batch; here one statement reads the
rows every mention of the batch could need (the cases of its threads and of its authors,
each with the time of its newest post) and `JoinableLookup.answer` gives the same answers from them.

The answers are those of the database as it was read: the caller (bot/ingest/batch.py) asks the database
again, one mention at a time, for a mention whose thread, author or parent an earlier row of the batch
touched (a case opened or joined), and for every mention after a row that changes cases otherwise (an
edit, a survey answer, a delivery failure).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from socialdesk.clock import as_utc
from socialdesk.domain.enums import OPEN_STATUSES, CaseStatus, Platform
from socialdesk.domain.models import Case, Mention


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the joinable rule reads of one case."""

    id: int
    platform: Platform
    conversation_key: str
    author_id: str
    status: CaseStatus
    newest_post: datetime | None


@dataclass(frozen=True, slots=True)
class Wanted:
    """One mention's question: its platform, thread and author."""

    platform: Platform
    conversation_key: str
    author_id: str


class JoinableLookup:
    def __init__(self, cases: Sequence[CaseFacts]) -> None:
        self._cases = sorted(cases, key=lambda c: c.id, reverse=True)  # newest first, as the query orders

    def answer(
        self, *, platform: Platform, conversation_key: str, author_id: str, window_start: datetime
    ) -> tuple[int | None, int]:
        """The id of the open case the mention continues (or None), and the author's cases on the platform:
        what `cases_repo.joinable_and_earlier` answers for a mention without a parent."""
        start = as_utc(window_start)
        thread = author_recent = None
        earlier = 0
        for case in self._cases:
            if case.platform != platform:
                continue
            if case.author_id == author_id:
                earlier += 1
            if case.status not in OPEN_STATUSES:
                continue
            if thread is None and case.conversation_key == conversation_key:
                thread = case.id
            if (
                author_recent is None
                and case.author_id == author_id
                and case.newest_post is not None
                and as_utc(case.newest_post) >= start
            ):
                author_recent = case.id
        return (thread if thread is not None else author_recent), earlier


def joinable_lookup(session: Session, wanted: Collection[Wanted]) -> JoinableLookup:
    """One statement for the mentions of a batch. Each half of its condition is an indexed lookup (the
    thread's key, the author on the platform); the exact pairs are matched in `answer`."""
    if not wanted:
        return JoinableLookup([])
    threads = sorted({w.conversation_key for w in wanted})
    platforms = sorted({w.platform for w in wanted}, key=str)
    authors = sorted({w.author_id for w in wanted})
    stmt = _FACTS.where(
        or_(
            # No status here: SQLite would then search by status (every open case in a spike).
            col(Case.conversation_key).in_(threads),
            and_(col(Case.platform).in_(platforms), col(Case.author_id).in_(authors)),
        )
    )
    rows = session.execute(stmt).all()  # through the session: the batch's own flushed rows count
    return JoinableLookup([CaseFacts(*row) for row in rows])


def _facts() -> Any:
    post = aliased(Mention)
    newest_post = (
        select(func.max(post.posted_at))
        .where(col(post.case_id) == col(Case.id))
        .correlate(Case)
        .scalar_subquery()
    )
    return select(
        col(Case.id),
        col(Case.platform),
        col(Case.conversation_key),
        col(Case.author_id),
        col(Case.status),
        newest_post,
    )


_FACTS = _facts()
