"""One SQLite write transaction at a time within a process, queued in Python rather than in SQLite.

SQLite has one write lock. A transaction that finds it taken waits in SQLite's busy handler, which
sleeps in steps (1, 2, 5, 10, 15, 20, 25 ... 100 ms) and retries: a webhook commit that arrives 1 ms
after the ingest worker took the lock for 8 ms waits 18 ms, not 7. Within one process the gate queues
write-intent transactions (`socialdesk.store.db.writer`) on a condition instead, so the next one starts the
moment the last one ends, and an urgent one (the inbox writer, whose commit a webhook answer waits
for) goes before waiting background work. Other processes (listener processes, CLI commands) still
meet SQLite's own lock and busy handler.

The gate is held from BEGIN IMMEDIATE until the DBAPI commit or rollback has returned. A transaction
that cannot get it within the busy timeout goes ahead without it, so a mistake (a write transaction
opened inside another on the same thread) ends as SQLite's "database is locked", never as a hang.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


class WriteGate:
    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._cond = threading.Condition()
        self._holder: int | None = None  # id() of the DBAPI connection in its write transaction
        self._urgent_waiting = 0

    def enter(self, key: int, *, urgent: bool) -> bool:
        """Wait for the gate; False if the timeout ran out first (the caller goes ahead without it)."""
        deadline = time.monotonic() + self._timeout
        with self._cond:
            if urgent:
                self._urgent_waiting += 1
            try:
                while self._holder is not None or (not urgent and self._urgent_waiting):
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    self._cond.wait(remaining)
                self._holder = key
                return True
            finally:
                if urgent:
                    self._urgent_waiting -= 1

    @property
    def held(self) -> bool:
        return self._holder is not None

    def leave(self, key: int) -> None:
        """Open the gate if `key` holds it (a rollback of a connection that never entered is a no-op)."""
        with self._cond:
            if self._holder == key:
                self._holder = None
                self._cond.notify_all()


def gate_key(connection: Any) -> int:
    """The raw DBAPI connection's identity: SQLAlchemy passes its pool proxy to commit and rollback."""
    return id(getattr(connection, "dbapi_connection", None) or connection)


def release_after(gate: WriteGate, operation: Callable[[Any], None]) -> Callable[[Any], None]:
    """`operation` (the dialect's commit or rollback), then the gate opens for the next writer."""

    def run(connection: Any) -> None:
        try:
            operation(connection)
        finally:
            gate.leave(gate_key(connection))

    return run
