"""casework: case measures and platform replies

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reply_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("escalation_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("reopen_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("outcome", sa.String(length=64), nullable=True))
    op.create_table(
        "platform_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("mention_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("visibility", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("canned_reply_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("external_id", sa.String(length=128), nullable=True),
        sa.Column("error_kind", sa.String(length=32), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.ForeignKeyConstraint(["mention_id"], ["mention.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("platform_reply", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_platform_reply_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_platform_reply_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("platform_reply", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_reply_status"))
        batch_op.drop_index(batch_op.f("ix_platform_reply_case_id"))
    op.drop_table("platform_reply")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_column("outcome")
        batch_op.drop_column("reopen_count")
        batch_op.drop_column("escalation_count")
        batch_op.drop_column("reply_count")
        batch_op.drop_column("claimed_at")
