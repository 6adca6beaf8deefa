"""What the domain tells the chat side. Implemented by `bot.slack.notifier` inside the same transaction,
so a case and the Slack work it causes are committed together (transactional outbox)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlmodel import Session

from bot.domain.models import Case, Mention


class CaseNotifier(Protocol):
    def case_opened(self, session: Session, case: Case, *, now: datetime) -> None: ...

    def followup_added(self, session: Session, case: Case, mention: Mention, *, now: datetime) -> None: ...

    def case_changed(self, session: Session, case: Case, *, now: datetime) -> None: ...
