"""platform replies that are not answers: `purpose` marks brand messages such as satisfaction surveys

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no default: every existing row is an agent's answer, which is what NULL means.
    with op.batch_alter_table("platform_reply", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purpose", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("platform_reply", schema=None) as batch_op:
        batch_op.drop_column("purpose")
