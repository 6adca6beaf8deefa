"""Engine and session factory for SQLite (default, one process) and PostgreSQL (several replicas)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.sql.compiler import InsertmanyvaluesSentinelOpts
from sqlmodel import Session

from socialdesk.store import sql_census
from socialdesk.store.write_gate import WriteGate, gate_key, release_after

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    engine = _make_engine(url, pool_size=pool_size)
    sql_census.watch(engine)  # opt-in statement counts (SOCIALDESK_SQL_CENSUS); nothing when unset
    return engine


def _make_engine(url: str, *, pool_size: int) -> Engine:
    if is_sqlite(url):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        gate = WriteGate(SQLITE_BUSY_TIMEOUT_MS / 1000)
        event.listen(engine, "begin", partial(_sqlite_begin, gate))
        # The gate opens once the DBAPI commit or rollback has returned (bot/store/write_gate.py).
        dialect: Any = engine.dialect
        dialect.do_commit = release_after(gate, dialect.do_commit)
        dialect.do_rollback = release_after(gate, dialect.do_rollback)
        dialect.socialdesk_write_gate = gate
        # Several new rows of one table flushed together (a batch of cases opened by ingest) go in one
        # INSERT ... VALUES (...), (...) RETURNING id, as on PostgreSQL, instead of one INSERT each.
        # SQLAlchemy matches the returned ids to the rows by sorting them, which it does not assume
        # SQLite allows because SQLite leaves RETURNING's row order open. The ids themselves are in
        # VALUES order: an INTEGER PRIMARY KEY takes the largest rowid plus one, row after row, and one
        # statement is one writer (SQLite has no other at the same time). So the sort is sound here.
        dialect.insertmanyvalues_implicit_sentinel = InsertmanyvaluesSentinelOpts.ANY_AUTOINCREMENT
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # let the "begin" listener issue BEGIN itself
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(gate: WriteGate, conn: Any) -> None:
    # A transaction that reads and then writes must hold the write lock from its BEGIN: if it upgraded
    # later, SQLite would fail it at once (SQLITE_BUSY_SNAPSHOT) instead of queueing on busy_timeout.
    # Plain reads and single-statement writes keep the cheaper deferred BEGIN so they never queue
    # behind a writer.
    options = conn.get_execution_options()
    if not options.get(WRITE_INTENT, False):
        conn.exec_driver_sql("BEGIN")
        return
    key = gate_key(conn.connection)
    if not gate.enter(key, urgent=options.get(WRITE_URGENT, False)):
        log.warning("write gate not free after %d ms; going on to SQLite's lock", SQLITE_BUSY_TIMEOUT_MS)
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        gate.leave(key)
        raise


WRITE_INTENT = "socialdesk_write_intent"
WRITE_URGENT = "socialdesk_write_urgent"


def writer(engine: Engine, *, urgent: bool = False) -> Engine:
    """The same engine for read-then-write transactions (takes SQLite's write lock at BEGIN). `urgent`:
    a request is waiting for this commit, so it goes before queued background writes."""
    return engine.execution_options(**{WRITE_INTENT: True, WRITE_URGENT: urgent})


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def write_gate(engine: Engine) -> WriteGate | None:
    """The SQLite engine's in-process write gate (bot/store/write_gate.py); None on PostgreSQL."""
    return getattr(engine.dialect, "socialdesk_write_gate", None)


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
