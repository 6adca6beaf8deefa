"""Claim racers for tests/integration/test_claim_concurrency.py.

`run_process` is the entry point of each OS process (multiprocessing "spawn" imports this module by
name, so it must stay importable and free of test fixtures): it builds its own engine and `CaseWork` on
the shared database URL, starts its threads, lines them up on a cross-process barrier and claims.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.pool import QueuePool

from socialdesk.casework.roles import Actor, Role
from socialdesk.casework.service import CaseWork
from socialdesk.clock import Clock, SystemClock
from socialdesk.config import load_config
from socialdesk.domain.casework import AlreadyClaimed
from socialdesk.slack.transport.notifier import OutboxNotifier
from socialdesk.store.db import is_sqlite, make_engine
from socialdesk.surveys.schedule import SurveyScheduler

BARRIER_TIMEOUT = 60.0  # only reached when a racer never turns up (a crashed process): fail, don't hang


@dataclass(frozen=True, slots=True)
class ClaimResult:
    """What one claimer saw: it won, it was told who won (`holder`), or something else went wrong."""

    user: str
    won: bool
    holder: str | None = None  # AlreadyClaimed.assignee
    message: str = ""
    error: str | None = None  # any other exception, as repr


def agent(user_id: str) -> Actor:
    return Actor(user_id=user_id, name=user_id, roles=frozenset({Role.AGENT}))


def wide_engine(url: str, connections: int) -> Engine:
    """`make_engine` (so the same pragmas and BEGIN IMMEDIATE listener), with a pool big enough that
    every racer holds its own connection and the race happens in the database, not at pool checkout."""
    if not is_sqlite(url):
        return make_engine(url, pool_size=connections)
    engine = make_engine(url)
    old = engine.pool
    assert isinstance(old, QueuePool)
    engine.pool = QueuePool(
        old._creator,
        pool_size=connections,
        max_overflow=0,
        timeout=30,
        _dispatch=old.dispatch,  # keeps the "connect" listener that sets the SQLite pragmas
        dialect=old._dialect,
    )
    old.dispose()
    return engine


def warm_up(engine: Engine, connections: int) -> None:
    """Open the pool's connections before the race, so that connecting is not part of it."""
    opened = [engine.connect() for _ in range(connections)]
    for conn in opened:
        conn.close()


def claim_once(work: CaseWork, case_id: int, user: str) -> ClaimResult:
    try:
        outcome = work.claim(case_id=case_id, actor=agent(user))
    except AlreadyClaimed as exc:
        return ClaimResult(user=user, won=False, holder=exc.assignee, message=str(exc))
    except Exception as exc:
        return ClaimResult(user=user, won=False, error=repr(exc))
    return ClaimResult(user=user, won=True, message=outcome.message)


def race(work: CaseWork, case_id: int, users: list[str], wait: Callable[[], Any]) -> list[ClaimResult]:
    """One thread per user; each calls `wait()` (a barrier) and then claims."""

    def one(user: str) -> ClaimResult:
        try:
            wait()
        except threading.BrokenBarrierError as exc:
            return ClaimResult(user=user, won=False, error=f"barrier broken: {exc!r}")
        return claim_once(work, case_id, user)

    with ThreadPoolExecutor(max_workers=len(users), thread_name_prefix="claimer") as pool:
        return list(pool.map(one, users))


def build_work(engine: Engine, config_path: str | Path, *, clock: Clock | None = None) -> CaseWork:
    config = load_config(Path(config_path))
    return CaseWork(
        engine=engine,
        config=config,
        clock=clock or SystemClock(),
        notifier=OutboxNotifier(config),
        schedule_survey=SurveyScheduler(config.surveys),
    )


def run_process(
    url: str, config_path: str, case_id: int, users: list[str], barrier: Any, results: Any
) -> None:
    """Process entry point: claims `case_id` once per user, all threads released by `barrier` (a
    multiprocessing Barrier shared by every racer of every process); puts the list of results on the
    `results` queue."""
    try:
        engine = wide_engine(url, len(users))
        warm_up(engine, len(users))
        work = build_work(engine, config_path)
        found = race(work, case_id, users, lambda: barrier.wait(BARRIER_TIMEOUT))
        engine.dispose()
        results.put(found)
    except BaseException as exc:
        barrier.abort()  # let the other racers fail fast instead of waiting for the timeout
        results.put([ClaimResult(user=u, won=False, error=f"process failed: {exc!r}") for u in users])
