"""crisis playbooks: crises, statements, approvals, publications, timeline; cases tagged with a crisis

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "crisis",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("playbook_id", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        _ts("started_at", nullable=False),
        sa.Column("started_by", sa.String(length=64), nullable=False),
        _ts("ended_at"),
        sa.Column("ended_by", sa.String(length=64), nullable=True),
        sa.Column("end_summary", sa.Text(), nullable=True),
        sa.Column("war_room", sa.String(length=80), nullable=False),
        _ts("next_update_at"),
        sa.Column("assignments", sa.JSON(), nullable=False),
        sa.Column("slots", sa.JSON(), nullable=False),
        sa.Column("lessons", sa.Text(), nullable=True),
        sa.Column("trigger", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_crisis_playbook_id", "crisis", ["playbook_id"])
    op.create_index("ix_crisis_status", "crisis", ["status"])
    op.create_index(
        "uq_crisis_active_playbook",
        "crisis",
        ["playbook_id"],
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "crisis_statement",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("crisis_id", sa.Integer(), sa.ForeignKey("crisis.id"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("text_sha", sa.String(length=64), nullable=False),
        sa.Column("drafted_by", sa.String(length=64), nullable=False),
        _ts("drafted_at", nullable=False),
        _ts("stale_at"),
        sa.Column("rejected_by", sa.String(length=64), nullable=True),
        sa.Column("rejected_reason", sa.Text(), nullable=True),
        sa.Column("published_by", sa.String(length=64), nullable=True),
        _ts("published_at"),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_crisis_statement_crisis_id", "crisis_statement", ["crisis_id"])
    op.create_table(
        "crisis_approval",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("statement_id", sa.Integer(), sa.ForeignKey("crisis_statement.id"), nullable=False),
        sa.Column("text_sha", sa.String(length=64), nullable=False),
        sa.Column("approver", sa.String(length=64), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        _ts("at", nullable=False),
        sa.UniqueConstraint("statement_id", "text_sha", "approver", name="uq_crisis_approval"),
    )
    op.create_index("ix_crisis_approval_statement_id", "crisis_approval", ["statement_id"])
    op.create_table(
        "crisis_publication",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("statement_id", sa.Integer(), sa.ForeignKey("crisis_statement.id"), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        _ts("created_at", nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _ts("attempted_at"),
        _ts("sent_at"),
        sa.Column("external_id", sa.String(length=128), nullable=True),
        sa.Column("url", sa.String(length=512), nullable=True),
        sa.Column("error_kind", sa.String(length=32), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.UniqueConstraint("statement_id", "target", name="uq_crisis_publication"),
    )
    op.create_index("ix_crisis_publication_statement_id", "crisis_publication", ["statement_id"])
    op.create_table(
        "crisis_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("crisis_id", sa.Integer(), sa.ForeignKey("crisis.id"), nullable=False),
        _ts("at", nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_crisis_event_crisis_id", "crisis_event", ["crisis_id"])
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("crisis_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_case_crisis_id", ["crisis_id"], unique=False)
    # The early warning counts the last minutes' mentions every minute: a range read, not a table scan.
    op.create_index("ix_mention_received_at", "mention", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_mention_received_at", table_name="mention")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index("ix_case_crisis_id")
        batch_op.drop_column("crisis_id")
    for table in ("crisis_event", "crisis_publication", "crisis_approval", "crisis_statement", "crisis"):
        op.drop_table(table)
