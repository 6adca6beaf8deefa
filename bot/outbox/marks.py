"""What one pass of the outbox sender writes about its rows, and when it commits it.

A card used to cost a write transaction of its own after its call (marked sent, its ts on the case), and
on PostgreSQL a transaction holding its row lock across the call. Here a pass's sent-marks wait and go
together, in one UPDATE per table (executemany) and one commit for up to `max_rows` rows, when
correctness allows it:

- A mark may wait only for a row that another sender (or this one after a restart) would look up before
  posting it again if the mark were lost: a top-level post whose committed state says "look first" (our
  in-flight marker, committed before its call: outbox/history.py). A crash between the post and the
  mark then costs one `conversations.history` look, never a second card. Every other outcome (a thread
  reply, an upload, a call already done, a failure) is written at once, with whatever waited.
- A row that depends on a waiting mark (the same case's thread lines and updates need the card's ts; a
  row whose `after` post waits) has the marks written before it is looked at.
- The marks never wait longer than `max_hold` (the card's ts is what its thread waits for).
- If writing them fails, `forget` is called: the sender then takes a new in-flight token, so the rows it
  marked (posted or not) are looked up like a dead sender's, never posted again unseen.

PostgreSQL (`locking`): the rows are claimed (`FOR UPDATE SKIP LOCKED`, outbox/claim.py) in one
transaction that stays open across the pass's calls until the marks are written: a second sender skips
them until then, and finds them sent after. The posts just marked in flight are locked together, in one
statement (`claim_ahead`), not one each. A crash rolls that transaction back; the in-flight markers,
committed before, make the next sender look the rows up. The in-flight mark keeps its own transaction:
it must be committed before the call, and committing the claim's would release its locks.

SQLite has one writer and no row locks: no transaction is held across a call (it would hold SQLite's
write lock and stall every webhook); the waiting marks are written in one short write transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, update
from sqlmodel import Session, col, select

from socialdesk.clock import as_utc
from socialdesk.domain.enums import OutboxStatus
from socialdesk.domain.models import Mention, OutboxMessage
from socialdesk.outbox.claim import Claim, lock_row
from socialdesk.outbox.renderers import Post, RenderTable

log = logging.getLogger(__name__)

_OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]
_MENTION = Mention.__table__  # type: ignore[attr-defined]

# Core statements with their parameters bound per row (one executemany per table when marks are written).
_MARK_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("row_id"))
    .values(
        status=OutboxStatus.SENT,
        attempts=_OUTBOX.c.attempts + 1,
        sent_at=bindparam("sent_at"),
        result_ts=bindparam("ts"),
        last_error=None,
    )
)
_MENTION_TS = (
    update(_MENTION).where(_MENTION.c.id == bindparam("mention_id")).values(slack_ts=bindparam("ts"))
)


@dataclass(frozen=True, slots=True)
class _Sent:
    item: OutboxMessage
    ts: str | None
    channel_id: str
    at: datetime


class SendMarks:
    """The claims and marks of one drain pass (see the module's docstring). Use as a context manager: on
    leaving normally or by an `Exception` the waiting marks are written; on a `BaseException` (the
    process going down) nothing more is written and `forget` is called."""

    def __init__(
        self,
        *,
        engine: Engine,
        writer: Engine,
        renderers: RenderTable,
        locking: bool,
        forget: Callable[[], None],
        max_rows: int,
        max_hold: timedelta,
    ) -> None:
        self._engine = engine
        self._writer = writer
        self._renderers = renderers
        self._locking = locking
        self._forget = forget
        self._max_rows = max_rows
        self._max_hold = max_hold
        self._session: Session | None = None  # PostgreSQL: the transaction holding the claimed rows
        self._since: datetime | None = None  # when the first waiting mark (or claim) began
        self._waiting: list[_Sent] = []
        # Rows locked ahead of their turn (`claim_ahead`), by id: what the lock read of each.
        self._held: dict[int, tuple[int, str | None, dict[str, Any]]] = {}

    def __enter__(self) -> SendMarks:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        if kind is None:
            try:
                self.flush()
            finally:
                self._close()
            return
        if issubclass(kind, Exception):
            try:
                self.flush()
            except Exception:  # the pass's own error is the one to raise; `forget` has been called
                log.exception("outbox: the sent-marks of a failed pass could not be written")
            finally:
                self._close()
            return
        # Going down: whatever waited is lost with the process; the rows are looked up by whoever
        # sends next (this sender too, under a new token, if it is not going down after all).
        self._waiting.clear()
        self._close()
        self._forget()

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def claim(self, item: OutboxMessage, now: datetime, *, saves_progress: bool) -> Claim | None:
        """Take `item` for its send, or None when another sender holds it or it is no longer due."""
        if not self._locking:
            return Claim(None)
        session = self._open(now)
        held = self._held.pop(item.id, None) if item.id is not None else None
        if held is None:
            row = lock_row(session, item, now, saves_progress)
            if row is None:
                return None
            held = (row.attempts, row.last_error, dict(row.payload))
        # What another sender may have changed since the row was read.
        item.attempts, item.last_error, item.payload = held
        return Claim(session)

    def claim_ahead(self, items: Sequence[OutboxMessage], now: datetime) -> None:
        """PostgreSQL: lock the rows just marked in flight together (one statement instead of one per
        row), in the claims' transaction, for `claim` to find. A row locked that does not go in this
        pass stays held until the marks are written (at most `max_hold`): another sender skips it."""
        if not self._locking:
            return
        ids = [i.id for i in items if i.id is not None and i.id not in self._held]
        if not ids:
            return
        session = self._open(now)
        stmt = select(OutboxMessage).where(col(OutboxMessage.id).in_(ids)).with_for_update(skip_locked=True)
        for row in session.exec(stmt):
            if (
                row.id is not None
                and row.status is OutboxStatus.PENDING
                and as_utc(row.next_attempt_at) <= now
            ):
                self._held[row.id] = (row.attempts, row.last_error, dict(row.payload))

    def _open(self, now: datetime) -> Session:
        if self._session is None:
            self._session = Session(self._engine)
            self._since = self._since or now
        return self._session

    def waits_on(self, item: OutboxMessage) -> bool:
        """Whether `item` needs a waiting mark written first: a row of the same case (its card's ts) or
        the row it points at (`payload["after"]`)."""
        if not self._waiting:
            return False
        after = item.payload.get("after")
        return any(
            (item.case_id is not None and sent.item.case_id == item.case_id)
            or (after is not None and sent.item.dedupe_key == str(after))
            for sent in self._waiting
        )

    def sent(
        self, item: OutboxMessage, ts: str | None, channel_id: str, now: datetime, *, can_wait: bool
    ) -> None:
        """Record `item` as sent; written now unless `can_wait` (a lost mark would be looked up), in which
        case it waits for the batch, `max_rows` or `max_hold`."""
        self._waiting.append(_Sent(item, ts, channel_id, now))
        self._since = self._since or now
        if not can_wait or self.due(now):
            self.flush()

    def due(self, now: datetime) -> bool:
        """Whether the waiting marks are to be written now: `max_rows` of them once the rows locked ahead
        have had their turn (writing ends the claims' transaction, and the rest of a batch would then
        be locked one by one), four times that in any case, or `max_hold` after the first."""
        count = len(self._waiting)
        if count >= 4 * self._max_rows or (count >= self._max_rows and not self._held):
            return True
        return self._since is not None and now - self._since >= self._max_hold

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A transaction to write in now (the claim's on PostgreSQL), committed at once with the marks
        that waited."""
        if self._session is not None:
            yield self._session
        else:
            with Session(self._writer) as session:
                yield session
                self._commit(session)
                return
        self.flush()

    def flush(self) -> None:
        """Write the waiting marks and commit (PostgreSQL: the claims' transaction, releasing its locks)."""
        if self._session is not None:
            self._commit(self._session)
            self._close()
        elif self._waiting:
            with Session(self._writer) as session:
                self._commit(session)
        self._since = None

    def after_send(self) -> None:
        """Between two rows of one claims' transaction: forget the rows read for the last one, so the next
        draw reads the database, not the session's copies."""
        if self._session is not None:
            self._session.expunge_all()

    def _commit(self, session: Session) -> None:
        waiting, self._waiting = self._waiting, []
        try:
            if waiting:
                self._write(session, waiting)
            session.commit()
        except BaseException:
            if any(s.item.method == "chat.postMessage" for s in waiting):
                self._forget()  # posted, not recorded: look them up before posting any again
            raise

    def _write(self, session: Session, waiting: list[_Sent]) -> None:
        conn = session.connection()
        conn.execute(_MARK_SENT, [{"row_id": s.item.id, "sent_at": s.at, "ts": s.ts} for s in waiting])
        posts = [s for s in waiting if s.item.method == "chat.postMessage" and s.ts]
        mentions = [
            {"mention_id": s.item.mention_id, "ts": s.ts} for s in posts if s.item.mention_id is not None
        ]
        if mentions:
            conn.execute(_MENTION_TS, mentions)
        by_kind: dict[str, list[Post]] = {}
        for s in posts:
            kind = s.item.payload.get("render")
            if s.item.mention_id is None and kind is not None and s.ts is not None:
                by_kind.setdefault(str(kind), []).append(Post(s.item, s.ts, s.channel_id))
        for kind, kind_posts in by_kind.items():
            posted = self._renderers.lookup(kind).posted
            if posted is not None:
                posted(session, kind_posts)  # a case card: its ts goes on the case

    def _close(self) -> None:
        self._held.clear()  # their locks go with the transaction
        if self._session is not None:
            self._session.close()  # rolls back what was not committed: the claims are released
            self._session = None
        self._since = None
