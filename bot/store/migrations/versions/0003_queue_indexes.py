"""queue indexes: open cases by priority and due time, overall and per team

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_queue", ["status", "priority", "first_response_due", "id"], unique=False
        )
        batch_op.create_index(
            "ix_case_team_queue", ["team", "status", "priority", "first_response_due"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index("ix_case_team_queue")
        batch_op.drop_index("ix_case_queue")
