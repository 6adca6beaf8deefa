"""The inbox: raw inbound payloads made durable before anyone is told 200.

A redelivered body (same source, same bytes) is recognised by its hash and not stored twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from socialdesk.domain.enums import InboxStatus
from socialdesk.domain.models import InboxItem


@dataclass(frozen=True, slots=True)
class AcceptResult:
    inbox_id: int
    duplicate: bool


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def decode_body(body: bytes) -> str:
    # Keep undecodable bytes visible for inspection rather than failing the write; a NUL byte (which
    # PostgreSQL text cannot hold, and which no valid JSON body contains) is written as `\x00` too.
    return body.decode("utf-8", errors="backslashreplace").replace("\x00", "\\x00")


def _store(
    engine: Engine,
    *,
    source: str,
    body: bytes,
    content_type: str,
    now: datetime,
    status: InboxStatus,
    reason: str | None,
) -> AcceptResult:
    digest = body_digest(body)
    # One Core INSERT: this runs before every webhook answer, so it stays as lean as a row can be.
    row = {
        "source": source,
        "received_at": now,
        "body_sha256": digest,
        "body": decode_body(body),
        "content_type": content_type[:128],
        "status": status,
        "reason": reason,
        "attempts": 0,
        "processed_at": now if status is not InboxStatus.PENDING else None,
    }
    try:
        with engine.begin() as conn:
            inserted = conn.execute(insert(InboxItem).values(**row).returning(col(InboxItem.id))).scalar_one()
            assert inserted is not None
            return AcceptResult(inbox_id=inserted, duplicate=False)
    except IntegrityError:
        with Session(engine) as session:
            existing = session.exec(
                select(InboxItem.id).where(InboxItem.source == source, InboxItem.body_sha256 == digest)
            ).first()
        if existing is None:  # the conflict was something else; don't pretend it was stored
            raise
        return AcceptResult(inbox_id=existing, duplicate=True)


def accept(engine: Engine, *, source: str, body: bytes, content_type: str, now: datetime) -> AcceptResult:
    """Store a verified, well-formed payload for processing; returns once it is committed."""
    return _store(
        engine,
        source=source,
        body=body,
        content_type=content_type,
        now=now,
        status=InboxStatus.PENDING,
        reason=None,
    )


def reject(
    engine: Engine, *, source: str, body: bytes, content_type: str, reason: str, now: datetime
) -> AcceptResult:
    """Keep a malformed payload, marked rejected with the reason, so someone can look at it."""
    return _store(
        engine,
        source=source,
        body=body,
        content_type=content_type,
        now=now,
        status=InboxStatus.REJECTED,
        reason=reason[:2000],
    )


def pending_ids(session: Session, *, limit: int, for_update: bool, after: int = 0) -> list[int]:
    """Ids of the oldest pending (or failed, to retry) items above `after`; each is locked when it is
    processed. A pass over the inbox moves `after` on, so it takes each row at most once: a row that
    fails waits for the next pass instead of being retried on the spot."""
    stmt = (
        select(InboxItem.id)
        .where(InboxItem.status.in_([InboxStatus.PENDING, InboxStatus.FAILED]))  # type: ignore[attr-defined]
        .where(InboxItem.attempts < MAX_ATTEMPTS)
        .where(col(InboxItem.id) > after)
        .order_by(InboxItem.id)  # type: ignore[arg-type]
        .limit(limit)
    )
    if for_update:
        stmt = stmt.with_for_update(skip_locked=True)
    return [i for i in session.exec(stmt).all() if i is not None]


MAX_ATTEMPTS = 5
