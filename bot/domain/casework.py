"""The case state machine: which action is allowed in which state, and what each does to the case.

Pure functions over a `Case`; the service (bot/casework) runs them inside one transaction, records
the event and tells the notifier. Every refusal is a `DomainError` whose message tells the agent what
to do instead.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from socialdesk.domain.enums import CaseStatus
from socialdesk.domain.errors import DomainError
from socialdesk.domain.models import Case


class EventKind(StrEnum):
    OPENED = "opened"
    FOLLOWUP = "followup"
    CLAIMED = "claimed"
    UNCLAIMED = "unclaimed"
    ASSIGNED = "assigned"
    REPLIED = "replied"
    REPLY_FAILED = "reply_failed"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    NOTE = "note"
    SPAM = "spam"
    MOVED_PRIVATE = "moved_private"
    TRIAGE_CORRECTED = "triage_corrected"  # an agent changed category, priority or "needs a reply"
    EDITED = "edited"  # the customer edited their review: the case took the new version (bot/ingest/edits.py)


class WrongState(DomainError):
    """The action does not fit the case's state (claiming a resolved case, reopening an open one)."""


class AlreadyClaimed(DomainError):
    def __init__(self, case_id: int, assignee: str) -> None:
        super().__init__(f"#{case_id} is already claimed by <@{assignee}>.")
        self.case_id = case_id
        self.assignee = assignee


def _ref(case: Case) -> str:
    return f"#{case.id}"


def require_open(case: Case, doing: str) -> None:
    if not case.status.is_open:
        state = "marked as spam" if case.status is CaseStatus.SPAM else "resolved"
        raise WrongState(f"{_ref(case)} is {state}; `/social reopen {case.id}` first if you need to {doing}.")


def _unclaimed_status(case: Case) -> CaseStatus:
    """Where a case without an owner sits: waiting stays waiting, escalated stays visible as such."""
    if case.status is CaseStatus.WAITING_CUSTOMER:
        return case.status
    return CaseStatus.ESCALATED if case.escalation_count > 0 else CaseStatus.NEW


def _owned_status(case: Case) -> CaseStatus:
    return case.status if case.status is CaseStatus.WAITING_CUSTOMER else CaseStatus.CLAIMED


def claim(case: Case, user: str, now: datetime) -> None:
    require_open(case, "claim it")
    if case.assignee == user:
        raise WrongState(f"{_ref(case)} is already yours.")
    if case.assignee is not None:
        raise AlreadyClaimed(case.id or 0, case.assignee)
    assign(case, user, now)


def assign(case: Case, user: str, now: datetime) -> None:
    require_open(case, "assign it")
    case.assignee = user
    case.claimed_at = now
    case.status = _owned_status(case)


def unclaim(case: Case, user: str, *, is_lead: bool) -> str:
    """Returns who had it."""
    require_open(case, "give it back")
    if case.assignee is None:
        raise WrongState(f"{_ref(case)} is not claimed by anyone.")
    if case.assignee != user and not is_lead:
        raise WrongState(
            f"{_ref(case)} is claimed by <@{case.assignee}>; only they or a lead can unclaim it."
        )
    previous = case.assignee
    case.assignee = None
    case.claimed_at = None
    case.status = _unclaimed_status(case)
    return previous


def check_can_reply(case: Case, user: str, *, is_lead: bool) -> None:
    require_open(case, "answer it")
    if case.assignee is not None and case.assignee != user and not is_lead:
        raise AlreadyClaimed(case.id or 0, case.assignee)


def replied(case: Case, user: str, *, sent_at: datetime) -> None:
    """A reply reached the platform: the clock stops, and the case waits on the customer."""
    if case.assignee is None:
        case.assignee = user
        case.claimed_at = sent_at
    if case.first_response_at is None:
        case.first_response_at = sent_at
    case.reply_count += 1
    case.last_activity_at = sent_at
    if case.status.is_open:
        if case.status is not CaseStatus.WAITING_CUSTOMER:
            case.waiting_since = sent_at  # the resolution clock pauses from here (bot/domain/sla.py)
        case.status = CaseStatus.WAITING_CUSTOMER


def escalate(case: Case, team: str, known_teams: list[str]) -> str:
    """Returns the team it came from. The new team claims it afresh."""
    require_open(case, "escalate it")
    if team not in known_teams:
        raise WrongState(f"There is no team `{team}`. Teams: {', '.join(known_teams)}.")
    if team == case.team:
        raise WrongState(f"{_ref(case)} is already with {team}.")
    previous = case.team
    case.team = team
    case.assignee = None
    case.claimed_at = None
    case.escalation_count += 1
    case.status = CaseStatus.ESCALATED
    return previous


def reroute(case: Case, team: str, rule: str) -> str:
    """A triage correction changed what routing picks: the case moves to `team` as if routed there at
    open (no escalation is counted) and its new team claims it afresh. Returns the team it came from."""
    require_open(case, "move it")
    previous = case.team
    case.team = team
    case.route = rule
    case.assignee = None
    case.claimed_at = None
    case.status = _unclaimed_status(case)
    return previous


def resolve(case: Case, outcome: str, now: datetime) -> None:
    require_open(case, "resolve it")
    case.status = CaseStatus.RESOLVED
    case.outcome = outcome
    case.resolved_at = now


def mark_spam(case: Case, now: datetime) -> None:
    require_open(case, "mark it as spam")
    case.status = CaseStatus.SPAM
    case.outcome = "spam"
    case.resolved_at = now


def reopen(case: Case, user: str, now: datetime, *, is_lead: bool) -> None:
    if case.status.is_open:
        raise WrongState(f"{_ref(case)} is open already.")
    if case.assignee is not None and case.assignee != user and not is_lead:
        raise WrongState(
            f"{_ref(case)} was handled by <@{case.assignee}>; "
            "reopening someone else's case needs the lead role."
        )
    case.reopen_count += 1
    case.resolved_at = None
    case.outcome = None
    case.status = CaseStatus.CLAIMED if case.assignee else _unclaimed_status(case)
    case.sla_check_at = now  # the SLA scan looks at it again (its resolution clock is running)


OUTCOMES: dict[str, str] = {
    "answered": "Answered",
    "fixed": "Problem fixed",
    "refunded": "Refund or compensation",
    "information": "Information given",
    "no_action": "No action needed",
    "duplicate": "Duplicate",
    "moved_offline": "Moved to phone / email",
}


def outcome_of(text: str) -> str:
    """A known outcome code from what the agent typed; free text is kept as given (trimmed)."""
    cleaned = text.strip()
    if not cleaned:
        return "answered"
    key = cleaned.lower().replace(" ", "_").replace("-", "_")
    return key if key in OUTCOMES else cleaned[:64]
