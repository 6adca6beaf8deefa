"""What the crisis desk tells the chat side, inside its own transaction (the outbox makes it durable)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlmodel import Session

from socialdesk.domain.crisis_views import CrisisView, StatementView


class CrisisNotifier(Protocol):
    def war_room_opened(
        self, session: Session, view: CrisisView, *, invite: Sequence[str], duty_channel: str, now: datetime
    ) -> None:
        """Create the war room, invite people, post and pin the crisis card and checklist, announce it."""
        ...

    def invite(self, session: Session, view: CrisisView, users: Sequence[str], *, now: datetime) -> None: ...

    def crisis_changed(self, session: Session, view: CrisisView, *, now: datetime) -> None:
        """Redraw the pinned crisis card."""
        ...

    def statement_changed(
        self, session: Session, view: StatementView, *, war_room: str, now: datetime
    ) -> None:
        """Post the statement in the war room the first time, redraw it after that."""
        ...

    def line(self, session: Session, *, war_room: str, text: str, key: str, now: datetime) -> None:
        """A line of the timeline in the war room (mrkdwn), sent once per `key`."""
        ...
