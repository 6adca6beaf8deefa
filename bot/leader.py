"""Leader election: only one `serve` process runs the scheduled sends (SLA alerts, digests, polls).

PostgreSQL (several replicas): each process keeps one dedicated connection, outside the request
pool, and tries `pg_try_advisory_lock(LOCK_KEY)` on it. The lock is session-level, so whoever gets
it holds it for as long as that connection lives. When the leader dies, its connection closes and
PostgreSQL releases the lock. A follower retries every `retry_seconds` (15 s), so another replica
takes over well within a minute. The leader checks its connection every `check_seconds` and asks
pg_locks whether the lock is still held. If the check fails, it steps down at once: leader-only
jobs stop until it wins the lock again.

The dedicated connection also sets TCP keepalives on both ends. If the leader's host vanishes
without closing the socket (power loss, network partition), PostgreSQL drops the session within
about 25 s and the lock is freed. A partitioned leader finds out at its next check. For the few
seconds in between, two processes may both believe they lead. Notice keys
(`socialdesk.store.notices_repo`) keep sends exactly-once in that window too. Leadership alone is not the
guarantee.

SQLite: one `serve` process is assumed (README), so the process is always the leader.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

from socialdesk.metrics import Metrics
from socialdesk.store.db import is_sqlite

log = logging.getLogger(__name__)

# Fixed, so that every replica on one database competes for the same lock: "socialdk" as 8 bytes.
# Advisory locks are per database, so deployments sharing a server do not collide.
LOCK_KEY = int.from_bytes(b"socialdk", "big")
RETRY_SECONDS = 15.0  # follower: how often to try for the lock (takeover within a minute)
CHECK_SECONDS = 5.0  # leader: how often to check that the lock and its connection are still there

# libpq settings for the dedicated connection. Client keepalives and tcp_user_timeout let a check
# fail within seconds when the network is gone, instead of hanging. The server-side keepalives
# (options) make PostgreSQL drop a vanished leader's session, and so release its lock, within
# about 25 s. statement_timeout bounds each check.
_PG_CONNECT_ARGS: dict[str, Any] = {
    "application_name": "socialdesk-leader",
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 15_000,
    "options": "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3"
    " -c statement_timeout=5000",
}

_HOLDS_LOCK = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND pid = pg_backend_pid() AND classid::bigint = :hi AND objid::bigint = :lo AND objsubid = 1)"
)


class LeaderElector:
    """`is_leader()` says whether this process may run leader-only jobs right now.

    `start()` runs the election on a daemon thread (PostgreSQL) or becomes leader at once (SQLite).
    `stop()` releases the lock so another replica takes over without waiting for the retry.
    `on_change(leading)` is called on the election thread at every change, for example to run the
    leader-only jobs at once on the new leader. `step()` does one round synchronously; tests drive
    the elector with it.
    """

    def __init__(
        self,
        database_url: str,
        *,
        lock_key: int = LOCK_KEY,
        retry_seconds: float = RETRY_SECONDS,
        check_seconds: float = CHECK_SECONDS,
        metrics: Metrics | None = None,
        on_change: Callable[[bool], None] | None = None,
    ) -> None:
        if not -(2**63) <= lock_key < 2**63:
            raise ValueError("lock_key must fit in a PostgreSQL bigint")
        self.single_process = is_sqlite(database_url)
        self.lock_key = lock_key
        self.retry_seconds = retry_seconds
        self.check_seconds = check_seconds
        self.on_change = on_change
        self._url = database_url
        self._metrics = metrics
        self._engine: Engine | None = None
        self._conn: Connection | None = None
        self._leading = False
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._step_lock = threading.Lock()  # step() from the thread and stop() from another
        unsigned = lock_key & 0xFFFF_FFFF_FFFF_FFFF
        self._key_parts = {"hi": unsigned >> 32, "lo": unsigned & 0xFFFF_FFFF}
        if metrics is not None:
            metrics.leader.set(0)

    def is_leader(self) -> bool:
        return self._leading

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the elector is already started")
        self._stopping.clear()
        if self.single_process:
            self._set_leading(True)
            return
        self._thread = threading.Thread(target=self._run, name="leader-elector", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop electing and release the lock (closing the connection would release it too)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        with self._step_lock:
            if self._conn is not None and self._leading:
                with contextlib.suppress(Exception):
                    self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.lock_key})
            self._drop_connection()
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None
            self._set_leading(False)

    def _run(self) -> None:
        while not self._stopping.is_set():
            leading = self.step()
            self._stopping.wait(self.check_seconds if leading else self.retry_seconds)

    # -- one round ---------------------------------------------------------------------------------

    def step(self) -> bool:
        """Try for the lock (follower) or check it is still held (leader); returns `is_leader()`."""
        with self._step_lock:
            if self._stopping.is_set():  # stopped: never take the lock again
                return self._leading
            if self.single_process:
                self._set_leading(True)
                return True
            self._set_leading(self._attempt())
            return self._leading

    def _attempt(self) -> bool:
        reused = self._conn is not None
        try:
            return self._query()
        except Exception as exc:
            self._drop_connection()
            if self._leading or not reused:
                # A leader whose connection broke must step down now. Its session may still hold
                # the lock on the server, so there is no point trying again at once.
                log.warning("leader election: database connection failed: %s", _brief(exc))
                return False
        # A follower's idle connection went stale (server restart, idle timeout): a fresh one may
        # well work, and waiting a whole retry interval would only delay a takeover.
        try:
            return self._query()
        except Exception as exc:
            self._drop_connection()
            log.warning("leader election: database connection failed: %s", _brief(exc))
            return False

    def _query(self) -> bool:
        conn = self._connection()
        if self._leading:
            return bool(conn.execute(_HOLDS_LOCK, self._key_parts).scalar())
        return bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.lock_key}).scalar())

    def _connection(self) -> Connection:
        if self._conn is None:
            if self._engine is None:
                # Its own engine without a pool: the lock lives and dies with exactly this connection.
                self._engine = create_engine(self._url, poolclass=NullPool, connect_args=_PG_CONNECT_ARGS)
            # Autocommit: no transaction stays open between checks (idle-in-transaction timeouts
            # would kill the session, and with it the lock).
            self._conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._conn

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.invalidate()
            with contextlib.suppress(Exception):
                conn.close()

    def _set_leading(self, leading: bool) -> None:
        if leading == self._leading:
            return
        self._leading = leading
        if self._metrics is not None:
            self._metrics.leader.set(1 if leading else 0)
        log.info("leader election: this process is now %s", "the leader" if leading else "a follower")
        if self.on_change is not None:
            try:
                self.on_change(leading)
            except Exception:
                log.exception("leader election: on_change callback failed")


_ANY_HOLDS_LOCK = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    " AND classid::bigint = :hi AND objid::bigint = :lo AND objsubid = 1)"
)


def leader_running(engine: Engine, *, lock_key: int = LOCK_KEY) -> bool:
    """Whether some process leads on this PostgreSQL database now (holds the leader's lock): a running
    `serve` (bot/sender_turn.py asks). False on SQLite, which has no lock to ask about."""
    if engine.dialect.name != "postgresql":
        return False
    unsigned = lock_key & 0xFFFF_FFFF_FFFF_FFFF
    with engine.connect() as conn:
        return bool(
            conn.execute(_ANY_HOLDS_LOCK, {"hi": unsigned >> 32, "lo": unsigned & 0xFFFF_FFFF}).scalar()
        )


def _brief(exc: BaseException) -> str:
    first = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {first[0] if first else ''}"
