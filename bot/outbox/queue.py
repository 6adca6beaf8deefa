"""Putting Slack work into the outbox, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from socialdesk.domain.enums import OutboxStatus
from socialdesk.domain.models import OutboxMessage

# Payload "render" kinds: the message is drawn from the current state when it is sent, so a card
# that changed three times while Slack was down is posted once, as it is now. What draws each kind is
# registered in the sender's table (socialdesk.outbox.renderers) at composition time (bot/app_outbox.py).
RENDER_CASE_CARD = "case_card"
RENDER_FOLLOWUP = "followup"
RENDER_EVENT_LINE = "event_line"  # who did what, in the card's thread
RENDER_MOVED_CARD = "moved_card"  # the old card of an escalated case, pointing to its new channel
# A PNG uploaded into the thread of the post whose dedupe key is payload["after"] (bot/outbox/upload.py)
RENDER_DIGEST_CHART = "digest_chart"
RENDER_SLA_NUDGE = "sla_nudge"  # at risk: a line in the card's thread for the assignee or the team
# One message per channel per `sla.alert_window_minutes` listing the cases that breached (the team's
# channel, or a crisis war room), and the page (the duty channel, or a war room) mentioning the duty
# leads; both drawn from their group's list (bot/sla/groups.py), and updated while the window runs.
RENDER_SLA_BREACHES = "sla_breaches"
RENDER_SLA_PAGE = "sla_page"
RENDER_ROLLUP = "rollup"  # a flood roll-up message standing in for many cases (bot/slack/renderers/rollup.py)


def enqueue(
    session: Session,
    *,
    dedupe_key: str,
    method: str,
    channel: str,
    payload: dict[str, Any],
    now: datetime,
    case_id: int | None = None,
    mention_id: int | None = None,
    needs_case_ts: bool = False,
) -> int | None:
    """Add one call; a key already queued (or sent) is not queued again. Returns the new row's id, or
    None when the key was taken.

    One statement: the insert skips a taken key itself (`ON CONFLICT DO NOTHING` on the unique
    `dedupe_key`), so there is no read first, and two transactions queueing the same key at once are
    not a race either (PostgreSQL makes the second wait for the first, then skip). Core, not the ORM's
    bulk insert: this runs for every card, and the ORM's path costs more than the statement."""
    row = call_row(
        dedupe_key=dedupe_key,
        method=method,
        channel=channel,
        payload=payload,
        now=now,
        case_id=case_id,
        mention_id=mention_id,
        needs_case_ts=needs_case_ts,
    )
    session.flush()  # rows the session holds unflushed: their keys count as taken
    inserted: int | None = session.connection().execute(_insert_once(session), row).scalar()
    return inserted


def call_row(
    *,
    dedupe_key: str,
    method: str,
    channel: str,
    payload: dict[str, Any],
    now: datetime,
    case_id: int | None = None,
    mention_id: int | None = None,
    needs_case_ts: bool = False,
) -> dict[str, Any]:
    """One call as `enqueue_many` takes it (the arguments of `enqueue`)."""
    return {
        "dedupe_key": dedupe_key,
        "method": method,
        "channel": channel,
        "payload": payload,
        "case_id": case_id,
        "mention_id": mention_id,
        "needs_case_ts": needs_case_ts,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
    }


def enqueue_many(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """`enqueue` for several calls (`call_row`s) in one multi-row INSERT, each key taken skipped as
    there. Their ids follow the order of `rows` (both databases number the rows of a VALUES list in its
    order), which is the order the sender sends a channel's rows."""
    if not rows:
        return
    session.flush()
    name = session.get_bind().dialect.name
    dialect = postgresql if name == "postgresql" else sqlite
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    stmt = dialect.insert(table).values(list(rows)).on_conflict_do_nothing(index_elements=["dedupe_key"])
    session.connection().execute(stmt)


_INSERTS: dict[str, Any] = {}


def _insert_once(session: Session) -> Any:
    """The insert, built once per dialect: a prepared statement with its parameters bound per call."""
    name = session.get_bind().dialect.name
    if name not in _INSERTS:
        dialect = postgresql if name == "postgresql" else sqlite
        table = OutboxMessage.__table__  # type: ignore[attr-defined]
        _INSERTS[name] = (
            dialect.insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)
        )
    return _INSERTS[name]


def has_pending(session: Session, *, case_id: int, method: str, render: str) -> bool:
    rows = session.exec(
        select(OutboxMessage.payload).where(
            OutboxMessage.case_id == case_id,
            OutboxMessage.method == method,
            OutboxMessage.status == OutboxStatus.PENDING,
        )
    ).all()
    return any(p.get("render") == render for p in rows)


def pending_card_post(session: Session, *, case_id: int) -> OutboxMessage | None:
    rows = session.exec(
        select(OutboxMessage).where(
            OutboxMessage.case_id == case_id,
            OutboxMessage.method == "chat.postMessage",
            OutboxMessage.status == OutboxStatus.PENDING,
        )
    ).all()
    return next((row for row in rows if row.payload.get("render") == RENDER_CASE_CARD), None)
