"""the clock: SLA levels and pauses on cases, notices sent exactly once, survey responses

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolution_due", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("sla_level", sa.String(length=16), nullable=False, server_default="ok"))
        batch_op.add_column(sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("paused_seconds", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_notice_case_id"), ["case_id"], unique=False)
    op.create_table(
        "survey_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_ref", sa.String(length=200), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "kind", "source_ref", name="uq_survey_case_kind_ref"),
    )
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_response_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_survey_response_received_at"), ["received_at"], unique=False)


def downgrade() -> None:
    op.drop_table("survey_response")
    op.drop_table("notice")
    with op.batch_alter_table("case", schema=None) as batch_op:
        for column in ("paused_seconds", "waiting_since", "snoozed_until", "sla_level", "resolution_due"):
            batch_op.drop_column(column)
