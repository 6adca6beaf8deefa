"""Claiming many notice keys in one statement: the scan's alerts for a whole batch of cases.

The same contract as `socialdesk.store.notices_repo.claim_notice` (an INSERT ... ON CONFLICT (key) DO
NOTHING: whoever commits a key first sends, everyone else learns it is taken), one round trip for
the batch instead of one per alert, which is what keeps a busy minute's scan short on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from socialdesk.domain.models import Notice
from socialdesk.sla.notify import Alert

NOTICE_KIND = "sla"
_NOTICE = cast(Table, Notice.__table__)  # type: ignore[attr-defined]  # SQLModel sets it at class creation


def claim_alerts(session: Session, alerts: list[tuple[Alert, dict[str, Any]]], now: datetime) -> set[str]:
    """Insert a notice per alert (with its detail); returns the keys this call inserted."""
    if not alerts:
        return set()
    rows = [
        {"key": a.notice_key, "kind": NOTICE_KIND, "case_id": a.case_id, "created_at": now, "detail": detail}
        for a, detail in alerts
    ]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(_NOTICE).values(rows).on_conflict_do_nothing(index_elements=["key"])
    elif dialect == "sqlite":
        stmt = sqlite.insert(_NOTICE).values(rows).on_conflict_do_nothing(index_elements=["key"])
    else:  # pragma: no cover - the product supports these two databases only
        raise NotImplementedError(f"claim_alerts: unsupported database {dialect!r}")
    return set(session.connection().execute(stmt.returning(_NOTICE.c.key)).scalars())


def claimed_keys(session: Session, keys: Iterable[str]) -> set[str]:
    """Which of these keys are claimed already (sent, or queued to be)."""
    wanted = sorted(set(keys))
    if not wanted:
        return set()
    return set(session.connection().execute(select(_NOTICE.c.key).where(_NOTICE.c.key.in_(wanted))).scalars())
