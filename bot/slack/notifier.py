"""The chat side of case changes: queues card posts, thread follow-ups and card updates in the outbox."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Session

from bot.config import Config
from bot.domain.models import Case, CaseEvent, Mention
from bot.slack.outbox_queue import (
    RENDER_CASE_CARD,
    RENDER_EVENT_LINE,
    RENDER_FOLLOWUP,
    RENDER_MOVED_CARD,
    enqueue,
    has_pending,
    pending_card_post,
)


class OutboxNotifier:
    """Implements `bot.domain.notify.CaseNotifier`."""

    def __init__(self, config: Config) -> None:
        self._config = config

    def _team_channel(self, team: str) -> str:
        return self._config.team(team).channel

    def case_opened(self, session: Session, case: Case, *, now: datetime) -> None:
        assert case.id is not None
        enqueue(
            session,
            dedupe_key=f"card:{case.id}",
            method="chat.postMessage",
            channel=self._team_channel(case.team),
            payload={"render": RENDER_CASE_CARD},
            case_id=case.id,
            now=now,
        )

    def followup_added(self, session: Session, case: Case, mention: Mention, *, now: datetime) -> None:
        assert case.id is not None and mention.id is not None
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
        assert case.id is not None
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
        assert case.id is not None and event.id is not None
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

    def case_moved(self, session: Session, case: Case, *, now: datetime) -> None:
        assert case.id is not None
        new_channel = self._team_channel(case.team)
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
