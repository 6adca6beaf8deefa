"""SQLModel tables of a running crisis: the crisis, its statements, their approvals and publications,
and the timeline. Times are timezone-aware UTC (naive on SQLite; read back with `as_utc`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from socialdesk.domain.column_types import EnumText
from socialdesk.domain.enums import ReplyStatus


class CrisisStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


class StatementStatus(StrEnum):
    DRAFT = "draft"  # being written or waiting for approvals
    REJECTED = "rejected"  # an approver sent it back with a reason; a redraft makes a new draft
    PUBLISHING = "publishing"  # publish started; some targets may have failed (retry publishes the rest)
    PUBLISHED = "published"  # every target took it
    SUPERSEDED = "superseded"  # a newer statement of the crisis replaced this draft


def _ts(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable, index=index))


class Crisis(SQLModel, table=True):
    """A running (or ended) playbook; `id` is the public reference (`crisis 3`)."""

    __tablename__ = "crisis"

    id: int | None = Field(default=None, primary_key=True)
    playbook_id: str = Field(max_length=40, index=True)
    title: str = Field(max_length=200)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False))
    severity: str = Field(max_length=20)
    status: CrisisStatus = Field(
        default=CrisisStatus.ACTIVE, sa_column=Column(EnumText(CrisisStatus), nullable=False, index=True)
    )
    started_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    started_by: str = Field(max_length=64)
    ended_at: datetime | None = _ts()
    ended_by: str | None = Field(default=None, max_length=64)
    end_summary: str | None = Field(default=None, sa_column=Column(Text))
    war_room: str = Field(max_length=80)  # channel name, created through the outbox
    # The time the last published statement promised the next update; reminders count down to it.
    next_update_at: datetime | None = _ts()
    # People added to playbook roles for this crisis (`/crisis role comms_lead @maria`): role -> ids.
    assignments: dict[str, list[str]] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Slot values the lead filled in (facts, unknowns, actions...), used by every later draft.
    slots: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    lessons: str | None = Field(default=None, sa_column=Column(Text))
    trigger: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 0


# One active crisis per playbook: a second start finds the running one (and a race loses here).
_CRISIS_TABLE: Any = Crisis.__table__  # type: ignore[attr-defined]  # set by SQLModel
Index(
    "uq_crisis_active_playbook",
    _CRISIS_TABLE.c.playbook_id,
    unique=True,
    sqlite_where=_CRISIS_TABLE.c.status == "active",
    postgresql_where=_CRISIS_TABLE.c.status == "active",
)


class CrisisStatement(SQLModel, table=True):
    """One statement (holding, update or resolution): a text per target, approved as a whole."""

    __tablename__ = "crisis_statement"

    id: int | None = Field(default=None, primary_key=True)
    crisis_id: int = Field(foreign_key="crisis.id", index=True)
    kind: str = Field(max_length=16)  # StatementKind
    status: StatementStatus = Field(
        default=StatementStatus.DRAFT, sa_column=Column(EnumText(StatementStatus), nullable=False)
    )
    texts: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    text_sha: str = Field(max_length=64)  # of the texts; approvals name it, so an edit voids them
    drafted_by: str = Field(max_length=64)
    drafted_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    # The next-update time the text promises; approvals lapse then, since the text would be stale.
    stale_at: datetime | None = _ts()
    rejected_by: str | None = Field(default=None, max_length=64)
    rejected_reason: str | None = Field(default=None, sa_column=Column(Text))
    published_by: str | None = Field(default=None, max_length=64)
    published_at: datetime | None = _ts()
    version: int = 0


class CrisisApproval(SQLModel, table=True):
    __tablename__ = "crisis_approval"
    __table_args__ = (UniqueConstraint("statement_id", "text_sha", "approver", name="uq_crisis_approval"),)

    id: int | None = Field(default=None, primary_key=True)
    statement_id: int = Field(foreign_key="crisis_statement.id", index=True)
    text_sha: str = Field(max_length=64)
    approver: str = Field(max_length=64)
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class CrisisPublication(SQLModel, table=True):
    """A statement on one target. The unique key is written before the platform is called, so a retry
    or a second click never posts it twice (pending -> sending -> sent | failed, like replies)."""

    __tablename__ = "crisis_publication"
    __table_args__ = (UniqueConstraint("statement_id", "target", name="uq_crisis_publication"),)

    id: int | None = Field(default=None, primary_key=True)
    statement_id: int = Field(foreign_key="crisis_statement.id", index=True)
    target: str = Field(max_length=16)
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: ReplyStatus = Field(
        default=ReplyStatus.PENDING, sa_column=Column(EnumText(ReplyStatus), nullable=False)
    )
    actor: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    attempts: int = 0
    attempted_at: datetime | None = _ts()
    sent_at: datetime | None = _ts()
    external_id: str | None = Field(default=None, max_length=128)
    url: str | None = Field(default=None, max_length=512)
    error_kind: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, sa_column=Column(Text))


class CrisisEvent(SQLModel, table=True):
    """The timeline: every action on a crisis, who and when (the review is built from it)."""

    __tablename__ = "crisis_event"

    id: int | None = Field(default=None, primary_key=True)
    crisis_id: int = Field(foreign_key="crisis.id", index=True)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    actor: str = Field(max_length=64)  # a Slack user id, or "system"
    kind: str = Field(max_length=32)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
