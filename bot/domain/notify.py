"""What the domain tells the chat side. Implemented by `socialdesk.slack.transport.notifier` inside the same
transaction,
so a case and the Slack work it causes are committed together (transactional outbox)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlmodel import Session

from socialdesk.domain.models import Case, CaseEvent, Mention


class CaseNotifier(Protocol):
    def case_opened(self, session: Session, case: Case, *, now: datetime) -> None: ...

    def cases_opened(self, session: Session, opened: Sequence[tuple[Case, datetime]]) -> None:
        """`case_opened` for each (case, now), in order: what one ingest transaction opened at once."""
        ...

    def followup_added(self, session: Session, case: Case, mention: Mention, *, now: datetime) -> None: ...

    def case_changed(self, session: Session, case: Case, *, now: datetime) -> None: ...

    def event_recorded(self, session: Session, case: Case, event: CaseEvent, *, now: datetime) -> None:
        """A person acted on the case: a short line in the card's thread says who did what."""
        ...

    def case_moved(self, session: Session, case: Case, *, now: datetime, why: str = "escalated") -> None:
        """The case changed team: the old card says where it went, a new card opens in the new channel.
        Called after `case.team` changed and before the commit. `why`: "escalated" (a person moved
        it), "rerouted" (a triage correction made the routing rules pick another team) or "crisis" (a
        crisis took it in, `case.crisis_id` set: the card moves to the war room)."""
        ...

    def tell_user(self, session: Session, case: Case, *, user: str, text: str, now: datetime) -> None:
        """A private message to one person about the case (a failed reply, say)."""
        ...
