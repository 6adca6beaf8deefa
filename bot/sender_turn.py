"""Which process sends the outbox to Slack: one per database while a `serve` runs.

`serve` sends from its outbox loop. On PostgreSQL that is the leader (bot/leader.py), and each row is
locked for its send (bot/outbox/claim.py), so even two senders never post a row twice. SQLite has no
row locks: the only guard is the in-flight marker a sender commits before each post, and another
sender reads that marker as "its sender died mid-call", looks the post up, does not find it yet, and
posts it too. So on SQLite the process that sends holds an exclusive lock on a file beside the
database (`<database>.sender`, `SenderLock`): `serve` takes it and keeps it; while another process
holds it, `serve` sends nothing and tries again at its next pass. The operating system releases the
lock when its process ends, however it ends (a SIGKILL included).

The command-line senders (`socialdesk digest send`, `socialdesk sla scan --send`) queue their rows
like anything else and then send only if no `serve` sends this database (`command_may_send`):
otherwise they leave the rows to it, and its outbox loop takes them at its next poll (a second).
They used to drain the whole outbox from their own process, a running serve's rows in flight
included. Sending only the rows they queued would not be enough: serve's loop drains every pending
row, the command's too, as soon as they are committed, so the two would still meet on SQLite.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from sqlalchemy import Engine, make_url

from socialdesk.leader import leader_running
from socialdesk.store.db import is_sqlite


def lock_path(database_url: str) -> Path | None:
    """The file whose lock makes a process the sender: beside a SQLite file; None for PostgreSQL and
    an in-memory SQLite (one process sees it)."""
    if not is_sqlite(database_url):
        return None
    database = make_url(database_url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(f"{database}.sender")


class SenderLock:
    """This process's claim to send a SQLite database's outbox (always granted elsewhere)."""

    def __init__(self, database_url: str) -> None:
        self._path = lock_path(database_url)
        self._file: IO[str] | None = None
        self._guard = threading.Lock()

    def hold(self) -> bool:
        """Whether this process holds the lock now, taking it if it is free; never waits."""
        if self._path is None:
            return True
        with self._guard:
            if self._file is not None:
                return True
            handle = self._path.open("a")  # created on first use; its content is never read
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                return False
            self._file = handle
            return True

    def release(self) -> None:
        with self._guard:
            handle, self._file = self._file, None
        if handle is not None:
            handle.close()  # closing the file releases its lock


@contextmanager
def command_may_send(engine: Engine, database_url: str) -> Iterator[bool]:
    """For a command that queued rows: True if it may send the outbox itself now, False if a running
    `serve` sends it. On SQLite the sender's lock is held until the block ends, so a serve started
    meanwhile waits for it instead of sending beside the command."""
    if not is_sqlite(database_url):
        # No lock to hold: the row locks keep a command and a serve that becomes leader meanwhile
        # from posting a row twice; this only leaves the work to the one that leads.
        yield not leader_running(engine)
        return
    lock = SenderLock(database_url)
    try:
        yield lock.hold()
    finally:
        lock.release()
