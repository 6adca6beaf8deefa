"""Cases that arrive during a crisis and match its playbook's topic: tagged with the crisis, carded in
the war room instead of the team channel, and held to the playbook's tighter SLA targets (counted
around the clock: a crisis does not keep office hours).

Called by ingest for every new case, inside its transaction; one indexed read of the running crises
per transaction (a batch of inbox rows shares it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlmodel import Session

from socialdesk.clock import as_utc
from socialdesk.domain.crisis_models import Crisis
from socialdesk.domain.models import Case, Mention
from socialdesk.domain.playbooks.matching import topic_keyword, watches
from socialdesk.domain.playbooks.schema import Playbook
from socialdesk.store import crisis_repo

PlaybookLibrary = Callable[[], dict[str, Playbook]]


class CrisisIntake:
    def __init__(self, playbooks: PlaybookLibrary, *, at_risk_fraction: float) -> None:
        self._playbooks = playbooks
        self._at_risk_fraction = at_risk_fraction

    def matching_crisis(
        self, session: Session, mention: Mention, *, running: Sequence[Crisis] | None = None
    ) -> tuple[Crisis, Playbook, str] | None:
        """The running crisis whose topic the mention is about (the oldest if several), and the word.
        `running`: the running crises as the caller read them already (ingest reads them once for a
        batch of rows in one transaction); None: read now."""
        library = self._playbooks()
        for crisis in crisis_repo.active(session) if running is None else running:
            playbook = library.get(crisis.playbook_id)
            if playbook is None or not watches(playbook.detection, mention.platform):
                continue
            word = topic_keyword(playbook.detection, mention.text_masked)
            if word is not None:
                return crisis, playbook, word
        return None

    def tag(
        self, session: Session, case: Case, mention: Mention, *, running: Sequence[Crisis] | None = None
    ) -> str | None:
        """Tag a new case (not yet flushed) with the matching crisis; returns the word that matched."""
        found = self.matching_crisis(session, mention, running=running)
        if found is None:
            return None
        crisis, playbook, word = found
        case.crisis_id = crisis.id
        if playbook.sla is not None:
            self._tighten(case, playbook, as_utc(mention.posted_at))
        return word

    def _tighten(self, case: Case, playbook: Playbook, opened: datetime) -> None:
        tighten(case, playbook, opened, at_risk_fraction=self._at_risk_fraction)


def tighten(case: Case, playbook: Playbook, opened: datetime, *, at_risk_fraction: float) -> None:
    """The playbook's SLA targets (if tighter), counted from the customer's post at ``opened``."""
    assert playbook.sla is not None
    first = opened + timedelta(minutes=playbook.sla.first_response_minutes)
    case.first_response_due = min(as_utc(case.first_response_due), first)
    checks = [opened + (first - opened) * at_risk_fraction]
    if playbook.sla.resolution_minutes is not None:
        resolution = opened + timedelta(minutes=playbook.sla.resolution_minutes)
        current = as_utc(case.resolution_due) if case.resolution_due else None
        case.resolution_due = resolution if current is None else min(current, resolution)
        checks.append(opened + (as_utc(case.resolution_due) - opened) * at_risk_fraction)
    if case.sla_check_at is not None:
        checks.append(as_utc(case.sla_check_at))
    case.sla_check_at = min(checks)
