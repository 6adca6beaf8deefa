"""The chat side of case changes: queues card posts, thread follow-ups and card updates in the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from socialdesk.config import Config
from socialdesk.domain.crisis_models import Crisis, CrisisStatus
from socialdesk.domain.enums import OutboxStatus
from socialdesk.domain.models import Case, CaseEvent, Mention, OutboxMessage
from socialdesk.flood.gate import FloodGate
from socialdesk.outbox.queue import (
    RENDER_CASE_CARD,
    RENDER_EVENT_LINE,
    RENDER_FOLLOWUP,
    RENDER_MOVED_CARD,
    RENDER_SLA_BREACHES,
    RENDER_SLA_NUDGE,
    RENDER_SLA_PAGE,
    call_row,
    enqueue,
    enqueue_many,
    has_pending,
    pending_card_post,
)
from socialdesk.outbox.wake import wake_after_commit
from socialdesk.sla.groups import GroupKind, add_to_group
from socialdesk.sla.notify import Alert


class OutboxNotifier:
    """Implements `socialdesk.domain.notify.CaseNotifier`. `on_queued` (the sender's `wake`) is called
    after the commit of a transaction this notifier queued in, so a claim's card update goes out at once
    rather than at the outbox worker's next poll."""

    def __init__(self, config: Config, *, on_queued: Callable[[], None] | None = None) -> None:
        self._config = config
        self._on_queued = on_queued
        self._flood = FloodGate(config.flood)
        self._alert_window = timedelta(minutes=config.sla.alert_window_minutes)

    def _team_channel(self, team: str) -> str:
        return self._config.team(team).channel

    def _card_channel(self, session: Session, case: Case) -> str:
        """A case tagged with a running crisis is worked in its war room (bot/crisis/intake.py)."""
        if case.crisis_id is not None:
            crisis = session.get(Crisis, case.crisis_id)
            if crisis is not None:
                return "#" + crisis.war_room
        return self._team_channel(case.team)

    def case_opened(self, session: Session, case: Case, *, now: datetime) -> None:
        self.cases_opened(session, [(case, now)])

    def cases_opened(self, session: Session, opened: Sequence[tuple[Case, datetime]]) -> None:
        """`case_opened` for each (case, now) in order, the cards queued by one statement. The flood rule
        counts the cards of the cases before each one as if they were queued; a case it rolls up has them
        queued first, so the roll-up's own calls come after them, as they would one case at a time."""
        if not opened:
            return
        wake_after_commit(session, self._on_queued)
        cards: list[dict[str, Any]] = []
        for case, now in opened:
            assert case.id is not None
            channel = self._card_channel(session, case)
            if self._flood.flooded(session, case, channel, now=now, unwritten=cards):
                enqueue_many(session, cards)
                cards = []
                self._flood.roll_up(session, case, channel, now=now)
                continue  # counted in its topic's roll-up; its own card comes when someone acts on it
            cards.append(
                call_row(
                    dedupe_key=f"card:{case.id}",
                    method="chat.postMessage",
                    channel=channel,
                    payload={"render": RENDER_CASE_CARD},
                    case_id=case.id,
                    now=now,
                )
            )
        enqueue_many(session, cards)

    def followup_added(self, session: Session, case: Case, mention: Mention, *, now: datetime) -> None:
        wake_after_commit(session, self._on_queued)
        assert case.id is not None and mention.id is not None
        if self._flood.without_card(session, case):
            return  # no card to thread under: promoting the case queues its follow-ups (bot/flood/gate.py)
        enqueue(
            session,
            dedupe_key=f"followup:{mention.id}",
            method="chat.postMessage",
            channel=case.slack_channel or self._team_channel(case.team),
            payload={"render": RENDER_FOLLOWUP, "mention_id": mention.id, "thread": True},
            case_id=case.id,
            mention_id=mention.id,
            needs_case_ts=True,
            now=now,
        )
        self.case_changed(session, case, now=now)

    def case_changed(self, session: Session, case: Case, *, now: datetime) -> None:
        wake_after_commit(session, self._on_queued)
        assert case.id is not None
        if self._flood.without_card(session, case):
            self._flood.rollup_changed(session, case, now=now)  # its roll-up shows it; no card to update
            return
        if has_pending(session, case_id=case.id, method="chat.postMessage", render=RENDER_CASE_CARD):
            return  # the card is not posted yet; it will be drawn from the current state anyway
        if has_pending(session, case_id=case.id, method="chat.update", render=RENDER_CASE_CARD):
            return
        enqueue(
            session,
            dedupe_key=f"card-update:{case.id}:{case.version}",
            method="chat.update",
            channel=case.slack_channel or self._team_channel(case.team),
            payload={"render": RENDER_CASE_CARD},
            case_id=case.id,
            needs_case_ts=True,
            now=now,
        )

    def event_recorded(self, session: Session, case: Case, event: CaseEvent, *, now: datetime) -> None:
        wake_after_commit(session, self._on_queued)
        assert case.id is not None and event.id is not None
        if self._flood.without_card(session, case):
            # Someone acted on a rolled-up case: it gets its own card, so the work has a thread.
            self._flood.promote(session, case, self._card_channel(session, case), now=now)
        enqueue(
            session,
            dedupe_key=f"event:{event.id}",
            method="chat.postMessage",
            channel=case.slack_channel or self._team_channel(case.team),
            payload={"render": RENDER_EVENT_LINE, "event_id": event.id, "thread": True},
            case_id=case.id,
            needs_case_ts=True,
            now=now,
        )

    def case_moved(self, session: Session, case: Case, *, now: datetime, why: str = "escalated") -> None:
        wake_after_commit(session, self._on_queued)
        assert case.id is not None
        # A case that joined a crisis moves to its war room; otherwise to its (new) team's channel.
        new_channel = self._card_channel(session, case) if why == "crisis" else self._team_channel(case.team)
        if self._flood.without_card(session, case):
            self._flood.promote(session, case, new_channel, now=now)  # nothing was posted to move
            return
        waiting = pending_card_post(session, case_id=case.id)
        if waiting is not None:
            # The card never reached Slack: post it straight into the new team's channel.
            waiting.channel = new_channel
            session.add(waiting)
            return
        if case.slack_ts is not None and case.slack_channel is not None:
            enqueue(
                session,
                dedupe_key=f"card-moved:{case.id}:{case.slack_ts}",
                method="chat.update",
                channel=case.slack_channel,
                payload={
                    "render": RENDER_MOVED_CARD,
                    "ts": case.slack_ts,
                    "to_team": case.team,
                    "to_channel": new_channel,
                    "why": why,
                },
                case_id=case.id,
                now=now,
            )
        # Thread lines and updates queued from here on wait for the new card's ts.
        case.slack_ts = None
        case.slack_channel = None
        enqueue(
            session,
            dedupe_key=f"card:{case.id}:moved:{case.escalation_count}:{case.version}",
            method="chat.postMessage",
            channel=new_channel,
            payload={"render": RENDER_CASE_CARD},
            case_id=case.id,
            now=now,
        )

    def tell_user(self, session: Session, case: Case, *, user: str, text: str, now: datetime) -> None:
        wake_after_commit(session, self._on_queued)
        # A direct message rather than an ephemeral: it reaches the agent even when they are not in
        # the case's channel, and it is still there when they come back to Slack.
        assert case.id is not None
        enqueue(
            session,
            dedupe_key=f"tell:{case.id}:{user}:{uuid.uuid4().hex}",
            method="chat.postMessage",
            channel=user,
            payload={"text": text, "unfurl_links": False},
            now=now,
        )

    # --- SLA alerts (bot/sla/scanner.py); drawn at send time by bot/slack/blocks/sla_alerts.py ------------

    def cards_changed(self, session: Session, cases: list[Case], *, now: datetime) -> None:
        """`case_changed` for a batch of cases (an SLA scan redraws many cards at once): one query finds
        the cards whose post or update is still queued, one the update keys already taken."""
        wake_after_commit(session, self._on_queued)
        # A rolled-up case without a card of its own has nothing to redraw.
        cases = [c for c in cases if not self._flood.without_card(session, c)]
        ids = [c.id for c in cases if c.id is not None]
        if not ids:
            return
        queued = session.exec(
            select(OutboxMessage.case_id, OutboxMessage.payload).where(
                col(OutboxMessage.case_id).in_(ids),
                OutboxMessage.status == OutboxStatus.PENDING,
                col(OutboxMessage.method).in_(("chat.postMessage", "chat.update")),
            )
        ).all()
        busy = {case_id for case_id, payload in queued if payload.get("render") == RENDER_CASE_CARD}
        keys = {c.id: f"card-update:{c.id}:{c.version}" for c in cases if c.id not in busy}
        taken = _taken(session, list(keys.values()))
        for case in cases:
            if case.id not in keys or keys[case.id] in taken:
                continue
            _add(
                session,
                key=keys[case.id],
                method="chat.update",
                channel=case.slack_channel or self._team_channel(case.team),
                payload={"render": RENDER_CASE_CARD},
                case_id=case.id,
                needs_case_ts=True,
                now=now,
            )

    def sla_nudges(self, session: Session, nudges: list[tuple[Case, Alert]], *, now: datetime) -> None:
        wake_after_commit(session, self._on_queued)
        # A nudge is a line in the card's thread: a rolled-up case without a card has none to wait for.
        nudges = [(case, alert) for case, alert in nudges if not self._flood.without_card(session, case)]
        taken = _taken(session, [f"sla-nudge:{alert.notice_key}" for _, alert in nudges])
        for case, alert in nudges:
            key = f"sla-nudge:{alert.notice_key}"
            if key in taken:
                continue
            _add(
                session,
                key=key,
                method="chat.postMessage",
                channel=case.slack_channel or self._card_channel(session, case),
                payload={
                    "render": RENDER_SLA_NUDGE,
                    "clock": alert.clock.value,
                    "level": alert.level.value,
                    "oncall_group": self._oncall_group(case.team),
                    "thread": True,
                },
                case_id=case.id,
                needs_case_ts=True,
                now=now,
            )

    def sla_breaches(self, session: Session, breaches: list[tuple[Case, Alert]], *, now: datetime) -> None:
        wake_after_commit(session, self._on_queued)
        by_channel: dict[str, list[Alert]] = {}
        for case, alert in breaches:
            channel = self._alert_channel(session, case) or self._team_channel(case.team)
            by_channel.setdefault(channel, []).append(alert)
        for channel, alerts in sorted(by_channel.items()):  # one lock order for every scan
            self._grouped(session, GroupKind.BREACH, RENDER_SLA_BREACHES, channel, alerts, {}, now=now)

    def sla_page(self, session: Session, pages: list[tuple[Case, Alert]], *, now: datetime) -> None:
        wake_after_commit(session, self._on_queued)
        by_channel: dict[str, list[Alert]] = {}
        for case, alert in pages:
            channel = self._alert_channel(session, case) or self._config.duty_channel
            by_channel.setdefault(channel, []).append(alert)
        leads = {"leads": list(self._config.duty_leads)}
        for channel, alerts in sorted(by_channel.items()):
            self._grouped(session, GroupKind.PAGE, RENDER_SLA_PAGE, channel, alerts, leads, now=now)

    def _alert_channel(self, session: Session, case: Case) -> str | None:
        """The war room of the running crisis the case belongs to: its alerts go there, not to the
        team's or the duty channel. None when the case is in no crisis, or its crisis has ended."""
        if case.crisis_id is None:
            return None
        crisis = session.get(Crisis, case.crisis_id)
        if crisis is None or crisis.status is not CrisisStatus.ACTIVE:
            return None
        return "#" + crisis.war_room

    def _grouped(
        self,
        session: Session,
        kind: GroupKind,
        render: str,
        channel: str,
        alerts: list[Alert],
        extra: dict[str, Any],
        *,
        now: datetime,
    ) -> None:
        """Post the channel's grouped message, or, within its window, update the one already posted."""
        change = add_to_group(
            session, kind=kind, channel=channel, alerts=alerts, now=now, window=self._alert_window
        )
        payload = {"render": render, "group": change.key, **extra}
        if change.opened:
            enqueue(
                session,
                dedupe_key=change.key,
                method="chat.postMessage",
                channel=channel,
                payload=payload,
                now=now,
            )
            return
        # Drawn from the group's list when sent; it waits for the post's ts (`after`). One per addition:
        # an update already queued may be in flight with the list as it was.
        enqueue(
            session,
            dedupe_key=f"sla-update:{change.key}:{change.count}",
            method="chat.update",
            channel=channel,
            payload={**payload, "after": change.key},
            now=now,
        )

    def _oncall_group(self, team: str) -> str | None:
        try:
            return self._config.team(team).oncall_group
        except KeyError:
            return None


def _taken(session: Session, keys: list[str]) -> set[str]:
    """Outbox keys already queued or sent, in one query (`enqueue` asks once per row)."""
    if not keys:
        return set()
    found = session.exec(
        select(OutboxMessage.dedupe_key).where(col(OutboxMessage.dedupe_key).in_(keys))
    ).all()
    return set(found)


def _add(
    session: Session,
    *,
    key: str,
    method: str,
    channel: str,
    payload: dict[str, Any],
    case_id: int | None,
    needs_case_ts: bool,
    now: datetime,
) -> None:
    session.add(
        OutboxMessage(
            dedupe_key=key,
            method=method,
            channel=channel,
            payload=payload,
            case_id=case_id,
            needs_case_ts=needs_case_ts,
            created_at=now,
            next_attempt_at=now,
        )
    )
