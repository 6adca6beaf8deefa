"""flood control: roll-up messages, the case's roll-up, outbox indexes for the per-channel counts

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "rollup",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(length=80), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        _ts("window_start", nullable=False),
        _ts("opened_at", nullable=False),
        _ts("closes_at", nullable=False),
        _ts("last_case_at", nullable=False),
        sa.Column("case_count", sa.Integer(), nullable=False),
        sa.Column("last_case_id", sa.Integer(), nullable=True),
        sa.Column("promoted_count", sa.Integer(), nullable=False),
        sa.Column("update_key", sa.String(length=200), nullable=True),
        sa.UniqueConstraint("channel", "topic", "window_start", name="uq_rollup_window"),
    )
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rollup_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_case_rollup_id", ["rollup_id"], unique=False)
    op.create_index("ix_outbox_channel_created", "slack_outbox", ["channel", "created_at"], unique=False)
    op.create_index("ix_outbox_channel_status", "slack_outbox", ["channel", "status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_channel_status", table_name="slack_outbox")
    op.drop_index("ix_outbox_channel_created", table_name="slack_outbox")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index("ix_case_rollup_id")
        batch_op.drop_column("rollup_id")
    op.drop_table("rollup")
