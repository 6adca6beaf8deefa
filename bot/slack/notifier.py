"""The chat side of case changes: queues card posts, thread follow-ups and card updates in the outbox."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.config import Config
from bot.domain.models import Case, Mention
from bot.slack.outbox_queue import RENDER_CASE_CARD, RENDER_FOLLOWUP, enqueue, has_pending


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
