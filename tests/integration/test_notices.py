"""`socialdesk.store.notices_repo`: a notice key is claimed once, whoever races for it, on SQLite and
PostgreSQL.

The races release every thread with a barrier and leave the outcome to the database. Each thread
has its own pooled connection, so the race happens in the database and not at pool checkout.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from sqlalchemy import Engine, func, text
from sqlmodel import Session, col, select

from socialdesk.clock import ManualClock
from socialdesk.domain.models import Notice, OutboxMessage
from socialdesk.outbox.queue import enqueue
from socialdesk.store.db import session_scope, writer
from socialdesk.store.notices_repo import claim_notice, is_claimed, mark_sent, was_sent
from tests import support
from tests.integration.claim_worker import BARRIER_TIMEOUT, warm_up, wide_engine

THREADS = 32
KEY = "digest:daily:2026-11-24"


@pytest.fixture
def wide(database_url: str) -> Iterator[Engine]:
    engine = wide_engine(database_url, THREADS)
    warm_up(engine, THREADS)
    yield engine
    engine.dispose()


def notices(engine: Engine) -> list[Notice]:
    with Session(engine) as session:
        return list(session.exec(select(Notice).order_by(col(Notice.id))).all())


def test_the_first_claim_wins_and_every_later_one_is_told_no(engine: Engine, clock: ManualClock) -> None:
    now = clock.now()
    with session_scope(engine) as session:
        assert claim_notice(session, KEY, "digest", now, detail={"team": "all"}) is True
        assert claim_notice(session, KEY, "digest", now) is False  # same transaction
    with session_scope(engine) as session:
        assert claim_notice(session, KEY, "digest", now) is False  # later transaction
        assert claim_notice(session, "sla:42:breached", "sla", now, case_id=42) is True
    rows = notices(engine)
    assert [(n.key, n.kind, n.case_id, n.detail, n.sent_at) for n in rows] == [
        (KEY, "digest", None, {"team": "all"}, None),
        ("sla:42:breached", "sla", 42, {}, None),
    ]


def test_a_claim_that_rolls_back_leaves_the_key_free_for_a_retry(engine: Engine, clock: ManualClock) -> None:
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        assert claim_notice(session, KEY, "digest", clock.now()) is True
        raise RuntimeError("the digest failed to render")
    assert notices(engine) == []
    with session_scope(engine) as session:
        assert claim_notice(session, KEY, "digest", clock.now()) is True


def test_mark_sent_once_and_was_sent(engine: Engine, clock: ManualClock) -> None:
    claimed_at = clock.now()
    with session_scope(engine) as session:
        assert was_sent(session, KEY) is False
        assert is_claimed(session, KEY) is False
        assert mark_sent(session, KEY, claimed_at) is False  # unknown key
        claim_notice(session, KEY, "digest", claimed_at)
        assert is_claimed(session, KEY) is True
        assert was_sent(session, KEY) is False  # claimed, not sent yet
    sent_at = clock.advance(5)
    with session_scope(engine) as session:
        assert mark_sent(session, KEY, sent_at) is True
        assert was_sent(session, KEY) is True
        assert mark_sent(session, KEY, clock.advance(5)) is False  # the first time stays
    [row] = notices(engine)
    assert row.sent_at is not None and row.sent_at.replace(tzinfo=None) == sent_at.replace(tzinfo=None)


class Attempt:
    """What one racer does; a class so the race helper's signature says what it calls."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self, engine: Engine, i: int) -> bool:
        with session_scope(engine) as session:
            return claim_notice(session, KEY, "digest", self.now, detail={"racer": i})


class ClaimAndQueue(Attempt):
    """As a service does it: read, claim, queue the message, all in one write transaction."""

    def __call__(self, engine: Engine, i: int) -> bool:
        with session_scope(writer(engine)) as session:
            session.exec(select(func.count()).select_from(Notice)).one()  # a read before the write
            if not claim_notice(session, KEY, "digest", self.now, detail={"racer": i}):
                return False
            enqueue(
                session,
                dedupe_key=KEY,
                method="chat.postMessage",
                channel="#social-managers",
                payload={"text": f"digest from racer {i}"},
                now=self.now,
            )
            return True


def race(engine: Engine, n: int, attempt: Attempt) -> list[bool]:
    barrier = threading.Barrier(n, timeout=BARRIER_TIMEOUT)

    def one(i: int) -> bool:
        barrier.wait()
        return attempt(engine, i)

    with ThreadPoolExecutor(max_workers=n, thread_name_prefix="notice") as pool:
        return list(pool.map(one, range(n)))


def test_many_threads_claiming_one_key_get_exactly_one_yes(wide: Engine, clock: ManualClock) -> None:
    results = race(wide, THREADS, Attempt(clock.now()))
    assert results.count(True) == 1
    [row] = notices(wide)
    assert row.detail == {"racer": results.index(True)}


def test_many_threads_claiming_and_queueing_leave_one_notice_and_one_outbox_row(
    wide: Engine, clock: ManualClock
) -> None:
    results = race(wide, THREADS, ClaimAndQueue(clock.now()))
    assert results.count(True) == 1
    winner = results.index(True)
    assert [n.detail for n in notices(wide)] == [{"racer": winner}]
    with Session(wide) as session:
        rows = session.exec(select(OutboxMessage)).all()
    assert [(r.dedupe_key, r.payload["text"]) for r in rows] == [(KEY, f"digest from racer {winner}")]


@pytest.mark.postgres
@pytest.mark.skipif(not support.postgres_url(), reason="needs PostgreSQL: a claim waiting on a row lock")
def test_postgres_a_claimer_waiting_on_an_uncommitted_claim_wins_when_that_one_rolls_back(
    wide: Engine, clock: ManualClock
) -> None:
    """On PostgreSQL the second INSERT waits on the first one's uncommitted key and then decides.
    If the first rolls back, the waiter inserts and gets True. A check-then-insert would get this
    wrong one way or the other."""
    now = clock.now()
    first = Session(wide)
    assert claim_notice(first, KEY, "digest", now) is True  # uncommitted
    with ThreadPoolExecutor(max_workers=1) as pool:
        waiter = pool.submit(Attempt(now), wide, 1)
        wait_until_blocked_on_a_lock(wide)
        first.rollback()
        first.close()
        assert waiter.result(timeout=30) is True
    assert [n.detail for n in notices(wide)] == [{"racer": 1}]


def wait_until_blocked_on_a_lock(engine: Engine, deadline_seconds: float = 10.0) -> None:
    """Poll pg_stat_activity until some session of this database waits on a lock (bounded)."""
    deadline = time.monotonic() + deadline_seconds
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO notice%'"
    )
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if conn.execute(query).scalar():
                return
        time.sleep(0.01)  # sleep-ok: polling another session's state, not waiting for time to pass
    raise AssertionError("the second claim never waited on the first one's lock")
