"""What the SLA scan tells the chat side, inside the scan's transaction (transactional outbox).

Implemented by `socialdesk.slack.transport.notifier.OutboxNotifier`; the messages are drawn when they are
sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlmodel import Session

from socialdesk.domain.models import Case
from socialdesk.domain.sla import SlaClock, SlaLevel


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

    def sla_breaches(self, session: Session, breaches: list[tuple[Case, Alert]], *, now: datetime) -> None:
        """The cases that breached in this scan, listed in one message per channel (the team's, or the
        war room of the running crisis a case belongs to), updated rather than re-posted within
        `sla.alert_window_minutes` (bot/sla/groups.py)."""
        ...

    def sla_page(self, session: Session, pages: list[tuple[Case, Alert]], *, now: datetime) -> None:
        """The duty leads, mentioned in one message per channel (the duty channel, or a running crisis's
        war room) per window, like the breaches."""
        ...
