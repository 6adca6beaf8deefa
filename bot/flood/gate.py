"""Flood control inside the notifier's transaction: a low-priority case opened into a flooded channel
joins its topic's roll-up instead of getting a card, and gets a card of its own ("promotion") the first
time someone acts on it, so the work happens in a normal card thread.

The one invariant that keeps the outbox from waiting forever: a row that needs a case's card ts
(`needs_case_ts`) is only queued for a case whose card post is queued too. A rolled-up case has no such
rows until it is promoted; its customer follow-ups are queued for the thread at promotion.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from socialdesk.clock import as_utc
from socialdesk.config import Flood
from socialdesk.domain.enums import OutboxStatus
from socialdesk.domain.models import Case
from socialdesk.domain.rollup_models import Rollup
from socialdesk.flood import rollup_repo
from socialdesk.flood.decide import SLACK_POSTS_PER_MINUTE, ChannelLoad, is_flooded, may_roll_up, window_of
from socialdesk.outbox.queue import RENDER_CASE_CARD, RENDER_FOLLOWUP, RENDER_ROLLUP, enqueue


class FloodGate:
    def __init__(self, flood: Flood) -> None:
        self._flood = flood

    def load(
        self, session: Session, channel: str, *, now: datetime, unwritten: Sequence[Mapping[str, Any]] = ()
    ) -> ChannelLoad:
        """The channel's load; `unwritten`: calls (outbox rows) this transaction queued and has not
        inserted yet (bot/ingest/openings.py), counted as the query would count them, capped alike."""
        since = now - timedelta(minutes=1)
        cards_cap, pending_cap = self._flood.cards_per_minute, SLACK_POSTS_PER_MINUTE
        cards, pending = rollup_repo.channel_load(
            session, channel, since=since, cards_cap=cards_cap, pending_cap=pending_cap
        )
        # Unwritten rows are card posts, which name the channel as `channel` does (the config's #name or
        # a war room), so the query's other spelling (the id Slack gave it) has none of them to add.
        mine = [row for row in unwritten if row["channel"] == channel]
        more_cards = sum(
            1
            for row in mine
            if row["method"] == "chat.postMessage"
            and str(row["dedupe_key"]).startswith("card:")
            and as_utc(row["created_at"]) >= as_utc(since)
        )
        cards, pending = min(cards + more_cards, cards_cap), min(pending + len(mine), pending_cap)
        return ChannelLoad(cards_last_minute=cards, pending=pending)

    def may_roll_up(self, case: Case) -> bool:
        """Whether the rule looks at the channel's load for this case at all (its priority may wait)."""
        return may_roll_up(case.priority, self._flood)

    def flooded(
        self,
        session: Session,
        case: Case,
        channel: str,
        *,
        now: datetime,
        unwritten: Sequence[Mapping[str, Any]] = (),
    ) -> bool:
        """Whether a just-opened case must join a roll-up (`roll_up`) instead of getting its card: its
        priority may wait and the channel is flooded (`unwritten`: see `load`)."""
        if not self.may_roll_up(case):
            return False  # P1 and P2 (by default) never wait behind a summary, and cost no query
        rollup_repo.hold_flood_lock(session)  # the count below must see every other pipeline's cards
        return is_flooded(self.load(session, channel, now=now, unwritten=unwritten), self._flood)

    def roll_up(self, session: Session, case: Case, channel: str, *, now: datetime) -> None:
        """Put a case `flooded` said must wait into its topic's roll-up."""
        rollup, created = rollup_repo.join(
            session,
            channel=channel,
            topic=case.category,
            window=window_of(now, self._flood),
            case=case,
            now=now,
        )
        assert rollup.id is not None
        if created:
            enqueue(
                session,
                dedupe_key=f"rollup:{rollup.id}",
                method="chat.postMessage",
                channel=channel,
                payload={"render": RENDER_ROLLUP, "rollup_id": rollup.id, "samples": self._flood.samples},
                now=now,
            )
        else:
            self._queue_update(session, rollup, now=now)

    def without_card(self, session: Session, case: Case) -> bool:
        """A rolled-up case nobody has acted on yet: it has no card, queued or posted."""
        if case.rollup_id is None or case.slack_ts is not None or case.id is None:
            return False
        return not rollup_repo.has_card_post(session, case.id)

    def promote(self, session: Session, case: Case, channel: str, *, now: datetime) -> None:
        """Queue the case's own card and its follow-ups for the card's thread; the roll-up says so."""
        assert case.id is not None and case.rollup_id is not None
        enqueue(
            session,
            dedupe_key=f"card:{case.id}",
            method="chat.postMessage",
            channel=channel,
            payload={"render": RENDER_CASE_CARD},
            case_id=case.id,
            now=now,
        )
        for mention in rollup_repo.later_mentions(session, case.id):
            enqueue(
                session,
                dedupe_key=f"followup:{mention.id}",
                method="chat.postMessage",
                channel=channel,
                payload={"render": RENDER_FOLLOWUP, "mention_id": mention.id, "thread": True},
                case_id=case.id,
                mention_id=mention.id,
                needs_case_ts=True,
                now=now,
            )
        rollup = self._locked(session, case.rollup_id)
        if rollup is not None:
            rollup.promoted_count += 1
            session.add(rollup)
            self._queue_update(session, rollup, now=now)

    def rollup_changed(self, session: Session, case: Case, *, now: datetime) -> None:
        """A rolled-up case changed without anyone acting on it (an erasure, say): redraw the roll-up,
        whose samples may show it."""
        assert case.rollup_id is not None
        rollup = self._locked(session, case.rollup_id)
        if rollup is not None:
            self._queue_update(session, rollup, now=now)

    def _locked(self, session: Session, rollup_id: int) -> Rollup | None:
        return session.exec(
            select(Rollup)
            .where(Rollup.id == rollup_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()

    def _queue_update(self, session: Session, rollup: Rollup, *, now: datetime) -> None:
        """At most one pending chat.update per roll-up: it is drawn from the state when it is sent, so
        joins while it waits change nothing. The caller holds the roll-up's row lock, which makes this
        check-then-queue safe between pipelines."""
        assert rollup.id is not None
        post = rollup_repo.outbox_status(session, f"rollup:{rollup.id}")
        if post is not OutboxStatus.SENT:
            return  # still queued (drawn when sent), or given up on (nothing to update)
        if (
            rollup.update_key
            and rollup_repo.outbox_status(session, rollup.update_key) is OutboxStatus.PENDING
        ):
            return
        # A fresh key each time: the state may change without the counts changing (an erased sample).
        key = f"rollup-update:{rollup.id}:{uuid.uuid4().hex}"
        queued = enqueue(
            session,
            dedupe_key=key,
            method="chat.update",
            channel=rollup.channel,
            payload={
                "render": RENDER_ROLLUP,
                "rollup_id": rollup.id,
                "samples": self._flood.samples,
                "after": f"rollup:{rollup.id}",  # the sender waits for the post's ts (outbox.py)
            },
            now=now,
        )
        if queued is not None:
            rollup.update_key = key
            session.add(rollup)
