"""triage: a case's needs_reply and historical flags, agents' corrections kept as labelled examples

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("needs_reply", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column("historical", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "triage_correction",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("case.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("from_value", sa.String(length=32), nullable=False),
        sa.Column("to_value", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("text_masked", sa.Text(), nullable=False),
        sa.Column("model_category", sa.String(length=32), nullable=False),
        sa.Column("model_priority", sa.String(length=8), nullable=False),
        sa.Column("model_needs_reply", sa.Boolean(), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
    )
    op.create_index("ix_triage_correction_case_id", "triage_correction", ["case_id"])
    op.create_index("ix_triage_correction_at", "triage_correction", ["at"])


def downgrade() -> None:
    op.drop_index("ix_triage_correction_at", table_name="triage_correction")
    op.drop_index("ix_triage_correction_case_id", table_name="triage_correction")
    op.drop_table("triage_correction")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_column("historical")
        batch_op.drop_column("needs_reply")
