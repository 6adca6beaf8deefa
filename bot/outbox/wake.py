"""Waking the outbox sender when a transaction that queued rows commits.

The sender's worker waits on an event between passes (bot/workers.py). Whoever queues a row inside a
transaction (a claim's card update, a reply's thread line) registers the sender's `wake` here, so the
worker starts its next pass as soon as the row is committed and visible to it: never before the commit
(it would find nothing) and never for a transaction that rolled back.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlmodel import Session

_PENDING = "socialdesk_outbox_wakes"  # session.info: the wake callbacks already registered


def wake_after_commit(session: Session, wake: Callable[[], None] | None) -> None:
    """Call `wake` once, after the session's next commit (a no-op when `wake` is None)."""
    if wake is None:
        return
    pending: list[Callable[[], None]] = session.info.setdefault(_PENDING, [])
    if wake in pending:
        return  # one wake per commit, however many rows the transaction queues
    pending.append(wake)

    def after_commit(_session: object) -> None:
        pending.remove(wake)
        wake()

    event.listen(session, "after_commit", after_commit, once=True)
