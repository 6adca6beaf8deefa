"""An edited review (`NormalizedMention.edited`): the new version of an item we already hold updates its
mention and its case instead of being dropped as a duplicate (issue 15).

What an edit does:
- the mention takes the new text, stars, details and ids; the version it replaces is kept, masked, in
  the case's `edited` event (the audit trail and the card's thread show what changed);
- when the edited mention opened the case, the case is triaged again from the new version (category,
  sentiment, "needs a reply", priority), unless an agent corrected the triage: a person's call stands;
- a clock an edit turns on (praise edited into a complaint) or a case it reopens that was never answered
  is measured from the edit, not from the original post days ago;
- a resolved case reopens when the new version is a complaint (or an incident): the customer is
  unhappy again, publicly, on the review we answered. Any other edit of a resolved case (a better
  rating after our answer) leaves it resolved and is only noted. A case closed as spam stays closed;
- a case waiting on the customer stops waiting, as for a follow-up.
An `edited` redelivery whose text, stars and details equal what we hold changes nothing (a re-run of
the poll): it is counted as a duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlmodel import Session, col, select

from socialdesk.clock import as_utc
from socialdesk.domain import casework as rules
from socialdesk.domain.casework import EventKind
from socialdesk.domain.enums import CaseStatus, Category, Priority
from socialdesk.domain.models import Case, CaseEvent, Mention
from socialdesk.domain.notify import CaseNotifier
from socialdesk.domain.sla import SlaPolicy, has_sla_clock
from socialdesk.store import events_repo
from socialdesk.triage.path import Assessment
from socialdesk.triage.priority import PolicyDecision

# How much of the replaced text the `edited` event keeps (masked): enough for the thread and the audit.
PREVIOUS_TEXT_CHARS = 1000
_COMPLAINTS = frozenset({Category.COMPLAINT, Category.INCIDENT})


class Prioritize(Protocol):
    """The pipeline's priority step for a case's opening mention (its author's facts need the database)."""

    def __call__(self, session: Session, mention: Mention, triaged: Assessment) -> PolicyDecision: ...


@dataclass(frozen=True, slots=True)
class EditResult:
    case_id: int
    reopened: bool


def unchanged(held: Mention, new: Mention) -> bool:
    """The same version again: nothing the customer wrote or rated differs."""
    return (
        held.text_raw == new.text_raw
        and held.rating == new.rating
        and [list(d) for d in held.details or []] == [list(d) for d in new.details or []]
    )


def apply_edit(
    session: Session,
    *,
    held: Mention,
    new: Mention,
    triaged: Assessment,
    now: datetime,
    sla: SlaPolicy,
    notifier: CaseNotifier,
    prioritize: Prioritize,
) -> EditResult | None:
    """Apply `new` (the edited version) to `held` (the stored mention) and its case; None when the
    mention has no case to update (it only answered a survey)."""
    case = session.get(Case, held.case_id) if held.case_id is not None else None
    if case is None or case.id is None:
        return None
    previous = {
        "previous_text": held.text_masked[:PREVIOUS_TEXT_CHARS],
        "previous_rating": held.rating,
        "previous_details": [list(d) for d in held.details or []],
    }
    _update_mention(held, new, now)
    session.add(held)
    change: dict[str, Any] = {}
    opening = _is_opening(session, case, held)
    if opening and not _triage_corrected(session, case.id):
        change = _retriage(session, case, held, triaged, now, sla, prioritize)
    reopened = False
    if case.status is CaseStatus.RESOLVED and held.category in _COMPLAINTS:
        rules.reopen(case, events_repo.SYSTEM, now, is_lead=True)
        _restart_unanswered_clock(case, now, sla)
        reopened = True
    elif case.status is CaseStatus.WAITING_CUSTOMER:
        sla.end_pause(case, now)  # the customer changed their review: that is their answer
        case.sla_check_at = now
        case.status = CaseStatus.CLAIMED if case.assignee else CaseStatus.NEW
    case.last_activity_at = now
    case.version += 1
    session.add(case)
    session.flush()
    event = events_repo.record(
        session,
        case_id=case.id,
        actor=events_repo.SYSTEM,
        kind=EventKind.EDITED,
        at=now,
        mention_id=held.id,
        text=held.text_masked[:PREVIOUS_TEXT_CHARS],
        rating=held.rating,
        edits=held.edit_count,
        reopened=reopened,
        **previous,
        **change,
    )
    if reopened:
        events_repo.record(
            session, case_id=case.id, actor=events_repo.SYSTEM, kind=EventKind.REOPENED, at=now, why="edited"
        )
    session.flush()
    notifier.case_changed(session, case, now=now)  # the card redrawn with the new stars and text
    notifier.event_recorded(session, case, event, now=now)  # what changed, in the card's thread
    return EditResult(case_id=case.id, reopened=reopened)


def _update_mention(held: Mention, new: Mention, now: datetime) -> None:
    held.text_raw, held.text_masked = new.text_raw, new.text_masked
    held.rating, held.details = new.rating, [list(d) for d in new.details or []]
    held.url = new.url or held.url
    held.extra = {**(held.extra or {}), **(new.extra or {})}
    held.sentiment, held.sentiment_score, held.category = new.sentiment, new.sentiment_score, new.category
    # The platform's time of the new version when it gives one later than the original, else ours.
    later = as_utc(new.posted_at) > as_utc(held.posted_at)
    held.edited_at = new.posted_at if later else now
    held.edit_count += 1


def _is_opening(session: Session, case: Case, mention: Mention) -> bool:
    first = session.exec(
        select(Mention.id).where(Mention.case_id == case.id).order_by(col(Mention.posted_at), col(Mention.id))
    ).first()
    return first == mention.id


def _triage_corrected(session: Session, case_id: int) -> bool:
    stmt = select(CaseEvent.id).where(
        CaseEvent.case_id == case_id, CaseEvent.kind == EventKind.TRIAGE_CORRECTED
    )
    return session.exec(stmt).first() is not None


def _retriage(
    session: Session,
    case: Case,
    mention: Mention,
    triaged: Assessment,
    now: datetime,
    sla: SlaPolicy,
    prioritize: Prioritize,
) -> dict[str, Any]:
    """The case's triage from the new version; returns what changed, for the event."""
    decision = prioritize(session, mention, triaged)
    before = (case.category, case.priority, case.needs_reply)
    had_clock = has_sla_clock(case)
    case.category, case.sentiment, case.needs_reply = triaged.category, triaged.sentiment, triaged.needs_reply
    case.priority, case.priority_reason = decision.priority, decision.reason[:512]
    changed: dict[str, Any] = {}
    if before != (case.category, case.priority, case.needs_reply):
        changed = {
            "from_category": before[0].value,
            "to_category": case.category.value,
            "from_priority": before[1].value,
            "to_priority": case.priority.value,
            "needs_reply": case.needs_reply,
        }
    if case.first_response_at is None and case.status.is_open:
        if has_sla_clock(case) and not had_clock:  # a running clock keeps its due time
            _restart_unanswered_clock(case, now, sla)
        elif not has_sla_clock(case):
            case.sla_check_at = None  # edited into praise: nothing left to nudge about
    return changed


def _restart_unanswered_clock(case: Case, now: datetime, sla: SlaPolicy) -> None:
    """An unanswered case whose clock starts (again) because of an edit is due from the edit."""
    if case.first_response_at is not None:
        case.sla_check_at = now  # answered: the resolution clock runs, the scan re-reads it
        return
    dues = sla.dues(team=case.team, platform=case.platform, priority=Priority(case.priority), posted_at=now)
    case.first_response_due, case.resolution_due = dues.first_response, dues.resolution
    case.sla_level, case.resolution_level = "ok", "ok"
    case.sla_check_at = dues.check_at if has_sla_clock(case) else None
