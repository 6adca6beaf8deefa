"""the SLA scan: when each case next needs a look (indexed), and the resolution clock's level

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = "('new', 'claimed', 'waiting_customer', 'escalated')"


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("resolution_level", sa.String(length=16), nullable=False, server_default="ok")
        )
        batch_op.add_column(sa.Column("sla_check_at", sa.DateTime(timezone=True), nullable=True))
    # Open cases get looked at by the first scan, which works out their real next check time. Early is
    # harmless (the scan recomputes from the due times); late would miss alerts.
    op.execute(f'UPDATE "case" SET sla_check_at = opened_at WHERE status IN {_OPEN}')
    op.create_index(
        "ix_case_sla_check",
        "case",
        ["sla_check_at"],
        unique=False,
        sqlite_where=sa.text("sla_check_at IS NOT NULL"),
        postgresql_where=sa.text("sla_check_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_case_sla_check", table_name="case")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_column("sla_check_at")
        batch_op.drop_column("resolution_level")
