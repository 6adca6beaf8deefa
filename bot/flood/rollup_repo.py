"""Flood control's queries: the per-channel counts behind the rule, joining a roll-up race-free, and the
data its message and pages show."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, or_
from sqlalchemy import text as sa_text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from socialdesk.clock import as_utc
from socialdesk.domain.enums import Category, OutboxStatus, Platform, Priority
from socialdesk.domain.models import Case, Mention, OutboxMessage, SlackChannel
from socialdesk.domain.rollup_models import Rollup
from socialdesk.domain.rollup_views import RollupCase, RollupPage, RollupView
from socialdesk.flood.decide import Window

_ROLLUP = cast(Table, Rollup.__table__)  # type: ignore[attr-defined]  # SQLModel sets it at class creation


# --- the counts behind the rule (bounded: they stop at `cap`) -----------------------------------


def channel_load(
    session: Session, channel: str, *, since: datetime, cards_cap: int, pending_cap: int
) -> tuple[int, int]:
    """For `channel`: card posts queued since `since` (sent or not, at most `cards_cap`), and calls still
    waiting in it (at most `pending_cap`). One statement: the rule asks for every new P3/P4 case.

    Waiting calls name the channel either as the config's `#name` or, for thread posts and updates of a
    posted card, by the id Slack gave it (learned into `slack_channel`)."""
    cards = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.channel == channel,
            col(OutboxMessage.created_at) >= since,
            OutboxMessage.method == "chat.postMessage",
            col(OutboxMessage.dedupe_key).startswith("card:"),
        )
        .limit(cards_cap)
        .subquery()
    )
    learned_id = (
        select(SlackChannel.channel_id).where(SlackChannel.name == channel.lstrip("#")).scalar_subquery()
    )
    pending = (
        select(OutboxMessage.id)
        .where(
            or_(col(OutboxMessage.channel) == channel, col(OutboxMessage.channel) == learned_id),
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        .limit(pending_cap)
        .subquery()
    )
    cards_n, pending_n = session.exec(
        select(
            select(func.count()).select_from(cards).scalar_subquery(),
            select(func.count()).select_from(pending).scalar_subquery(),
        )
    ).one()
    return int(cards_n), int(pending_n)


# Held by a PostgreSQL transaction from its first flood decision to its commit. The rule counts the
# cards queued in the last minute; ingest commits a batch of rows at once, so two pipelines deciding at
# the same time would each miss the other's whole uncommitted batch and both card past the limit. One
# lock, not one per channel: a batch touches channels in any order, and per-channel locks deadlock.
FLOOD_LOCK_KEY = int.from_bytes(b"sd-flood", "big")  # beside the leader's b"socialdk" (bot/leader.py)


def hold_flood_lock(session: Session) -> None:
    """Serialise flood decisions between pipelines until this transaction ends (PostgreSQL; SQLite has
    one writer at a time already). Taken once per transaction."""
    if session.get_bind().dialect.name != "postgresql":
        return
    transaction = session.get_transaction()
    if transaction is None or session.info.get(_HOLDER) is transaction:
        return
    session.connection().execute(sa_text("SELECT pg_advisory_xact_lock(:key)"), {"key": FLOOD_LOCK_KEY})
    session.info[_HOLDER] = transaction


_HOLDER = "socialdesk.flood_lock"


# --- joining ------------------------------------------------------------------------------------


def join(
    session: Session, *, channel: str, topic: Category, window: Window, case: Case, now: datetime
) -> tuple[Rollup, bool]:
    """Put `case` in the roll-up of (channel, topic, window), creating it if needed. Returns the row,
    locked for the rest of the transaction, and whether this call created it.

    The insert is `ON CONFLICT DO NOTHING`: of two pipelines opening the same window at once, one
    inserts and the other waits for its commit and then joins the same row; the row lock taken next
    serialises the counter and the "is an update already queued" check."""
    assert case.id is not None
    values = {
        "channel": channel,
        "topic": topic.value,
        "window_start": window.start,
        "opened_at": now,
        "closes_at": window.end,
        "last_case_at": now,
        "case_count": 0,
        "promoted_count": 0,
    }
    created = _insert_if_absent(session, values) is not None
    rollup = session.exec(
        select(Rollup)
        .where(Rollup.channel == channel, Rollup.topic == topic.value, Rollup.window_start == window.start)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    rollup.case_count += 1
    rollup.last_case_id = case.id
    rollup.last_case_at = now
    case.rollup_id = rollup.id
    session.add(rollup)
    session.add(case)
    return rollup, created


def _insert_if_absent(session: Session, values: dict[str, Any]) -> int | None:
    keys = ["channel", "topic", "window_start"]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(_ROLLUP).values(values).on_conflict_do_nothing(index_elements=keys)
    else:
        stmt = sqlite.insert(_ROLLUP).values(values).on_conflict_do_nothing(index_elements=keys)
    return session.execute(stmt.returning(_ROLLUP.c.id)).scalar_one_or_none()


def outbox_status(session: Session, key: str) -> OutboxStatus | None:
    found = session.exec(select(OutboxMessage.status).where(OutboxMessage.dedupe_key == key)).first()
    return OutboxStatus(found) if found is not None else None


def has_card_post(session: Session, case_id: int) -> bool:
    """Whether a card post for the case was ever queued (pending, sent or given up on)."""
    rows = session.exec(
        select(OutboxMessage.payload).where(
            OutboxMessage.case_id == case_id, OutboxMessage.method == "chat.postMessage"
        )
    ).all()
    return any(p.get("render") == "case_card" for p in rows)


def later_mentions(session: Session, case_id: int) -> list[Mention]:
    """The case's mentions after the first: the follow-ups a promoted card's thread still needs."""
    rows = session.exec(select(Mention).where(Mention.case_id == case_id).order_by(col(Mention.id))).all()
    return list(rows[1:])


# --- what the message and the pages show ----------------------------------------------------------


def rollup_view(session: Session, rollup_id: int, *, samples: int, now: datetime) -> RollupView:
    rollup = session.get(Rollup, rollup_id)
    if rollup is None:
        raise LookupError(f"roll-up {rollup_id} not found")
    in_rollup = Case.rollup_id == rollup_id
    by_platform = session.exec(
        select(Case.platform, func.count()).where(in_rollup).group_by(Case.platform)
    ).all()
    by_priority = session.exec(
        select(Case.priority, func.count()).where(in_rollup).group_by(Case.priority)
    ).all()
    latest = session.exec(select(Case).where(in_rollup).order_by(col(Case.id).desc()).limit(samples)).all()
    return RollupView(
        rollup_id=rollup_id,
        topic=Category(rollup.topic),
        now=now,
        first_at=as_utc(rollup.opened_at),
        last_at=as_utc(rollup.last_case_at),
        closes_at=as_utc(rollup.closes_at),
        case_count=sum(n for _, n in by_platform),
        promoted=rollup.promoted_count,
        by_platform=sorted(
            ((Platform.from_store(p), int(n)) for p, n in by_platform), key=lambda pn: (-pn[1], pn[0].value)
        ),
        by_priority=sorted(((Priority(p), int(n)) for p, n in by_priority), key=lambda pn: pn[0].rank),
        samples=_rows(session, list(latest)),
    )


def rollup_page(session: Session, rollup_id: int, *, page: int, page_size: int) -> RollupPage:
    rollup = session.get(Rollup, rollup_id)
    if rollup is None:
        raise LookupError(f"roll-up {rollup_id} not found")
    in_rollup = Case.rollup_id == rollup_id
    total = int(session.exec(select(func.count()).select_from(Case).where(in_rollup)).one())
    last = max(0, -(-total // page_size) - 1)
    page = min(max(page, 0), last)
    cases = session.exec(
        select(Case).where(in_rollup).order_by(col(Case.id)).offset(page * page_size).limit(page_size)
    ).all()
    return RollupPage(
        rollup_id=rollup_id,
        topic=Category(rollup.topic),
        page=page,
        page_size=page_size,
        total=total,
        cases=_rows(session, list(cases)),
    )


def _rows(session: Session, cases: list[Case]) -> list[RollupCase]:
    ids = [c.id for c in cases if c.id is not None]
    first: dict[int, str] = {}
    if ids:
        for case_id, text in session.exec(
            select(Mention.case_id, Mention.text_masked)
            .where(col(Mention.case_id).in_(ids))
            .order_by(col(Mention.id).desc())
        ).all():
            if case_id is not None:
                first[case_id] = text  # descending ids: the first mention is written last
    return [
        RollupCase(
            case_id=c.id,
            priority=c.priority,
            platform=c.platform,
            status=c.status,
            assignee=c.assignee,
            author_handle=c.author_handle,
            author_id=c.author_id,
            text_masked=first.get(c.id, ""),
        )
        for c in cases
        if c.id is not None
    ]
