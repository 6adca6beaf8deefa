"""The cases one ingest transaction opens, written together: one multi-row INSERT per table.

A batch of inbox rows is worked in one transaction (bot/ingest/batch.py). Each case it opens costs
four rows: the case, its mention, the `opened` event and the card in the outbox. Written as each row is
worked, that is four INSERTs per case; here the openings of consecutive mentions wait in `Openings` and
are written by `write` in one INSERT per table (the case and mention ids come back by RETURNING).

Waiting rows are invisible to SQL, so they are written before anything that could see them, and every
mention is worked as if the ones before it had been written at once:
- a mention's reads (the case it continues, the author's earlier cases) can meet a waiting opening only
  through the same thread or the same author on the platform, or as a reply to a waiting mention:
  `touches` says so, and the caller writes the openings before the reads;
- the count of recent incident cases (priority) spans platforms and authors: `incidents_since` counts
  the waiting incident cases, which the caller adds to what the database counted;
- every other step (a follow-up joining a case, an edit, a survey answer, a delivery failure) writes
  the openings first, so rows take effect in their order and the outbox keeps it;
- the flood rule counts a channel's queued cards: `cases_opened` queues the cards before each case it
  may roll up (bot/slack/transport/notifier.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from socialdesk.clock import as_utc
from socialdesk.domain.enums import Category, Platform
from socialdesk.domain.models import Case, Mention
from socialdesk.domain.notify import CaseNotifier
from socialdesk.plugins.mentions import NormalizedMention
from socialdesk.store import events_repo


@dataclass(frozen=True, slots=True)
class Opening:
    """A case opened by a mention, not written yet."""

    case: Case
    mention: Mention
    now: datetime
    event: dict[str, Any]  # the `opened` event's detail; `mention_id` goes first once the mention has one


class Openings:
    def __init__(self) -> None:
        self._waiting: list[Opening] = []
        self._threads: set[tuple[Platform, str]] = set()
        self._authors: set[tuple[Platform, str]] = set()
        self._posts: set[tuple[Platform, str]] = set()

    def __len__(self) -> int:
        return len(self._waiting)

    def touches(self, nm: NormalizedMention) -> bool:
        """Whether a read made for `nm` could find a waiting opening (so they must be written first)."""
        platform = nm.platform
        return (
            (platform, nm.conversation_key) in self._threads
            or (platform, nm.author.id) in self._authors
            or (nm.parent_external_id is not None and (platform, nm.parent_external_id) in self._posts)
        )

    def add(self, opening: Opening) -> None:
        case, mention = opening.case, opening.mention
        self._waiting.append(opening)
        self._threads.add((case.platform, case.conversation_key))
        self._authors.add((case.platform, case.author_id))
        self._posts.add((mention.platform, mention.external_id))

    def incidents_since(self, since: datetime) -> int:
        """Waiting incident cases opened since `since`: what `cases_repo.count_recent_incidents` would
        count of them if they were written."""
        start = as_utc(since)
        return sum(
            1
            for o in self._waiting
            if o.case.category is Category.INCIDENT and as_utc(o.case.opened_at) >= start
        )

    def write(self, session: Session, notifier: CaseNotifier) -> list[int]:
        """Write the waiting openings in the order they came, their cards queued; returns their case ids."""
        waiting = self._waiting
        if not waiting:
            return []
        self._waiting = []
        self._threads.clear()
        self._authors.clear()
        self._posts.clear()
        session.add_all([o.case for o in waiting])
        session.flush()  # one INSERT ... RETURNING id (on SQLite too: bot/store/db.py)
        for o in waiting:
            o.mention.case_id = o.case.id
        session.add_all([o.mention for o in waiting])
        session.flush()
        events_repo.append_many(
            session,
            [
                {
                    "case_id": o.case.id,
                    "actor": events_repo.SYSTEM,
                    "kind": "opened",
                    "at": o.now,
                    "detail": {"mention_id": o.mention.id, **o.event},
                }
                for o in waiting
            ],
        )
        notifier.cases_opened(session, [(o.case, o.now) for o in waiting])
        ids = [o.case.id for o in waiting]
        assert all(i is not None for i in ids)
        return [i for i in ids if i is not None]
