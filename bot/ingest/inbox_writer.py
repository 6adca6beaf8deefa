"""Group commit for webhook acceptance: the payloads of concurrent requests made durable together.

Every webhook answer waits for its payload's commit (bot/ingest/inbox.py). One transaction per request
means one commit each, and on SQLite concurrent requests queue on the single write lock through its
busy handler, which sleeps in steps of up to 100 ms: that, not the insert, set the tail latency of a
burst. Here one thread owns the inbox writes: it takes every payload that arrived while the previous
commit ran and stores them in one transaction, then answers each request. A request is still only
answered once its own row is committed; a failed commit fails every request of that batch (each gets
its 5xx and the platform redelivers), and nothing is answered 200 that is not stored.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from socialdesk.domain.enums import InboxStatus
from socialdesk.domain.models import InboxItem
from socialdesk.ingest.inbox import AcceptResult, body_digest, decode_body
from socialdesk.store.db import writer

log = logging.getLogger(__name__)

MAX_BATCH = 128  # payloads per transaction: bounds how long one commit holds the write lock
BACKLOG_BATCH = 8  # a commit this full means acceptance, not traffic, sets the pace


@dataclass(slots=True)
class _Pending:
    row: dict[str, Any]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[AcceptResult] = field(repr=False)


class InboxWriter:
    """Stores accepted payloads in batches from one thread; `accept` resolves once the row is committed."""

    def __init__(self, engine: Engine, *, max_batch: int = MAX_BATCH) -> None:
        self._engine = engine
        self._urgent = writer(engine, urgent=True)  # SQLite: before queued background writes (write_gate.py)
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._insert = _insert_ignoring_duplicates(engine)
        self.batches = 0  # commits made, for tests and benchmarks
        self.stored = 0
        self.last_batch = 0  # payloads in the latest commit: many means requests are queueing for it

    async def accept(self, *, source: str, body: bytes, content_type: str, now: datetime) -> AcceptResult:
        """Queue the payload and wait for its commit. Raises what the commit raised."""
        self._ensure_started()
        loop = asyncio.get_running_loop()
        row = {
            "source": source,
            "received_at": now,
            "body_sha256": body_digest(body),
            "body": decode_body(body),
            "content_type": content_type[:128],
            "status": InboxStatus.PENDING,
            "reason": None,
            "attempts": 0,
            "processed_at": None,
        }
        pending = _Pending(row=row, loop=loop, future=loop.create_future())
        self._queue.put(pending)
        return await pending.future

    def warm(self) -> None:
        """Start the thread and open its database connection now, not on the first webhook."""
        self._ensure_started()
        with self._urgent.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    def backlogged(self) -> bool:
        """Whether requests are queueing for the commit (the latest batch held BACKLOG_BATCH or more)."""
        return self.last_batch >= BACKLOG_BATCH

    def close(self) -> None:
        """Store what is queued, then stop the thread."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    def _ensure_started(self) -> None:
        if self._thread is not None:
            return
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="inbox-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            self._write(batch)
            if stop:
                return

    def _write(self, batch: list[_Pending]) -> None:
        try:
            with self._urgent.begin() as conn:
                results = [self._store_one(conn, item.row) for item in batch]
        except Exception as exc:  # every waiting request must learn of the failure
            log.exception("inbox batch of %d not stored", len(batch))
            for item in batch:
                item.loop.call_soon_threadsafe(_fail, item.future, exc)
            return
        self.batches += 1
        self.last_batch = len(batch)
        self.stored += sum(not r.duplicate for r in results)
        for item, result in zip(batch, results, strict=True):
            item.loop.call_soon_threadsafe(_resolve, item.future, result)

    def _store_one(self, conn: Connection, row: dict[str, Any]) -> AcceptResult:
        inserted = conn.execute(self._insert, row).scalar()
        if inserted is not None:
            return AcceptResult(inbox_id=int(inserted), duplicate=False)
        # A redelivery: the same source and bytes are stored already (maybe earlier in this batch).
        existing = conn.execute(
            select(InboxItem.id).where(  # type: ignore[call-overload]
                InboxItem.source == row["source"], InboxItem.body_sha256 == row["body_sha256"]
            )
        ).scalar_one()
        return AcceptResult(inbox_id=int(existing), duplicate=True)


def _insert_ignoring_duplicates(engine: Engine) -> Any:
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    table = InboxItem.__table__  # type: ignore[attr-defined]
    return (
        dialect.insert(table)
        .on_conflict_do_nothing(index_elements=["source", "body_sha256"])
        .returning(table.c.id)
    )


def _resolve(future: asyncio.Future[AcceptResult], result: AcceptResult) -> None:
    if not future.done():  # the request may have been cancelled (client gone); the row is stored anyway
        future.set_result(result)


def _fail(future: asyncio.Future[AcceptResult], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
