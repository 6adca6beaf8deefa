"""Notices: the record that makes every alert, nudge, page and digest go out exactly once.

A service claims the notice's key and queues its outbox row in the same transaction. Whoever commits
the key first sends. Everyone else (another replica, a retry, a restarted process, a job that
overlaps with itself) learns that the key is taken and sends nothing. If the transaction rolls back,
the key goes with it, so a failed attempt can be retried.

    with session_scope(writer(engine)) as session:
        if claim_notice(session, "digest:daily:2026-11-24", "digest", now):
            enqueue(session, dedupe_key="digest:daily:2026-11-24", ...)

The claim is one `INSERT ... ON CONFLICT (key) DO NOTHING RETURNING id`, so two callers never both
see True. On PostgreSQL, the second insert waits on the first's uncommitted index entry and then
yields nothing; on SQLite, writers are serialised. Don't read first and insert after: two callers
could both see "absent".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from socialdesk.domain.models import Notice

_NOTICE = cast(Table, Notice.__table__)  # type: ignore[attr-defined]  # SQLModel sets it at class creation


def claim_notice(
    session: Session,
    key: str,
    kind: str,
    now: datetime,
    case_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> bool:
    """Record `key` in the caller's transaction. Returns True if this caller inserted it, and False if
    the key already exists (committed by someone else, or claimed earlier in this transaction).

    Works under concurrency on SQLite and PostgreSQL. If the transaction reads before this call, open
    it with `socialdesk.store.db.writer(engine)` on SQLite, or the upgrade to a write lock can fail.
    """
    values = {
        "key": key,
        "kind": kind,
        "case_id": case_id,
        "created_at": now,
        "detail": detail or {},
    }
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        pg_stmt = postgresql.insert(_NOTICE).values(values).on_conflict_do_nothing(index_elements=["key"])
        stmt: Any = pg_stmt.returning(_NOTICE.c.id)
    elif dialect == "sqlite":
        lite_stmt = sqlite.insert(_NOTICE).values(values).on_conflict_do_nothing(index_elements=["key"])
        stmt = lite_stmt.returning(_NOTICE.c.id)
    else:  # pragma: no cover - the product supports these two databases only
        raise NotImplementedError(f"claim_notice: unsupported database {dialect!r}")
    return session.connection().execute(stmt).first() is not None


def mark_sent(session: Session, key: str, now: datetime) -> bool:
    """Set `sent_at` on a claimed notice, once. Returns False if the key is unknown or already marked."""
    result = session.connection().execute(
        update(_NOTICE).where(_NOTICE.c.key == key, _NOTICE.c.sent_at.is_(None)).values(sent_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


def was_sent(session: Session, key: str) -> bool:
    """True once `mark_sent` has run for `key`. A claimed notice that is not marked yet is not sent."""
    sent_at = session.connection().execute(select(_NOTICE.c.sent_at).where(_NOTICE.c.key == key)).first()
    return sent_at is not None and sent_at[0] is not None


def is_claimed(session: Session, key: str) -> bool:
    """True if a notice with this key exists, whether sent or not."""
    found = session.connection().execute(select(_NOTICE.c.id).where(_NOTICE.c.key == key)).first()
    return found is not None
