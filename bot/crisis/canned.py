"""The crisis's reply for incoming cases: once a statement is out, every case tagged with the crisis
is offered the playbook's reply first, filled with the customer, the case and the statement's facts."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlmodel import Session

from socialdesk.casework.reply_form import CrisisReply, Suggestion
from socialdesk.clock import as_utc
from socialdesk.crisis.desk_base import PlaybookLibrary
from socialdesk.domain.crisis_models import Crisis, CrisisStatus, StatementStatus
from socialdesk.domain.models import Case
from socialdesk.domain.playbooks.render import render_canned_reply, slots_for
from socialdesk.store import crisis_repo


def crisis_reply(playbooks: PlaybookLibrary, timezone: str) -> CrisisReply:
    zone = ZoneInfo(timezone)

    def reply(session: Session, case: Case, placeholders: dict[str, str]) -> Suggestion | None:
        crisis = session.get(Crisis, case.crisis_id) if case.crisis_id is not None else None
        if crisis is None or crisis.id is None or crisis.status is not CrisisStatus.ACTIVE:
            return None
        playbook = playbooks().get(crisis.playbook_id)
        published = [
            s for s in crisis_repo.statements(session, crisis.id) if s.status is StatementStatus.PUBLISHED
        ]
        if playbook is None or not published:
            return None  # nothing public to point customers at yet
        slots = slots_for(
            playbook,
            summary=crisis.summary,
            severity=crisis.severity,
            started_at=as_utc(crisis.started_at),
            issued_at=as_utc(published[-1].published_at or published[-1].drafted_at),
            next_update_at=as_utc(crisis.next_update_at) if crisis.next_update_at else None,
            filled=crisis.slots,
            tz=zone,
        )
        text = render_canned_reply(playbook, slots, placeholders)
        return Suggestion(f"crisis-{crisis.id}", f"Crisis: {crisis.title}"[:75], text)

    return reply
