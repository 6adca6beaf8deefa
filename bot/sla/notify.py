"""What the SLA scan tells the chat side, inside the scan's transaction (transactional outbox).

Implemented by `bot.slack.notifier.OutboxNotifier`; the messages are drawn when they are sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlmodel import Session

from bot.domain.models import Case
from bot.domain.sla import SlaClock, SlaLevel


@dataclass(frozen=True, slots=True)
class Alert:
    case_id: int
    clock: SlaClock
    level: SlaLevel

    @property
    def notice_key(self) -> str:
        # First-response keys are the short form (`sla:42:breached`): it is the clock people mean.
        if self.clock is SlaClock.FIRST_RESPONSE:
            return f"sla:{self.case_id}:{self.level.value}"
        return f"sla:{self.case_id}:{self.clock.value}:{self.level.value}"


class SlaNotifier(Protocol):
    def cards_changed(self, session: Session, cases: list[Case], *, now: datetime) -> None:
        """These cards are redrawn (amber, red); one call for a whole batch of cases."""
        ...

    def sla_nudges(self, session: Session, nudges: list[tuple[Case, Alert]], *, now: datetime) -> None:
        """At risk: a line in each card's thread for the assignee, or the team when nobody has it."""
        ...

    def sla_breaches(
        self, session: Session, *, team: str, alerts: list[Alert], key: str, now: datetime
    ) -> None:
        """One message in the team's channel listing every case of the team that breached in this scan."""
        ...

    def sla_page(self, session: Session, *, alerts: list[Alert], key: str, now: datetime) -> None:
        """One message in the duty channel mentioning the duty leads."""
        ...
