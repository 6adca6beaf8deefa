"""The flood-control table: one roll-up message per (channel, topic, window) collecting low-priority
cases while a channel is flooded (bot/flood/). Times are aware UTC (naive on SQLite; read with `as_utc`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from socialdesk.domain.models import OutboxMessage


class Rollup(SQLModel, table=True):
    """A summary message standing in for the cases that joined it (`case.rollup_id`).

    Windows are aligned to the clock (`window_start` is a multiple of the window length), so two
    pipelines opening the roll-up at the same moment name the same row and the unique key lets only
    one of them insert it."""

    __tablename__ = "rollup"
    __table_args__ = (UniqueConstraint("channel", "topic", "window_start", name="uq_rollup_window"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=80)
    topic: str = Field(max_length=32)  # the cases' category
    window_start: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    opened_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    closes_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    last_case_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    case_count: int = 0
    last_case_id: int | None = None
    promoted_count: int = 0  # cases that left for a card of their own (someone acted on them)
    # The dedupe key of the latest chat.update queued for the message: while it is pending, joins add
    # nothing (the update is drawn from the state when sent), so 10,000 joins make a few updates.
    update_key: str | None = Field(default=None, max_length=200)


_OUTBOX: Any = OutboxMessage.__table__  # type: ignore[attr-defined]  # SQLModel sets it at class creation
# Flood control's two questions per low-priority case: card posts queued for a channel in the last
# minute, and that channel's pending backlog. Both are bounded range reads on these indexes.
Index("ix_outbox_channel_created", _OUTBOX.c.channel, _OUTBOX.c.created_at)
Index("ix_outbox_channel_status", _OUTBOX.c.channel, _OUTBOX.c.status)
