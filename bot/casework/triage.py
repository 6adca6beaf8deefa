"""Correcting a case's triage: category, priority, "needs a reply". Everything that follows from a
correction happens in the caller's transaction (one commit):

- the case's fields, and the priority reason the card shows (``P2: set by @maria (was P4)``);
- the SLA clock: a new priority (or team) re-computes the due times from when the case opened, as
  ingest did; a case that needs no reply, or is spam, has no clock (``sla_check_at`` NULL); one that
  needs a reply again gets its clock back;
- the route: when the config's routing rules pick another team for the new values, and the case is
  still with the team routing gave it (nobody escalated it by hand, no crisis holds it), it moves there
  the way an escalation moves a card;
- ``spam`` on an open case also closes it as spam, like the card's "Mark spam";
- one ``triage_corrected`` case event and one ``TriageCorrection`` row (the labelled example: masked
  text, the model's answer, the agent's) per field that changed, and the card redrawn via the outbox.

A correction that changes nothing is refused with a message saying what the case already is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from socialdesk.casework.roles import Actor
from socialdesk.casework.routing import RouteInput, route
from socialdesk.clock import as_utc
from socialdesk.config import Config
from socialdesk.domain import casework as rules
from socialdesk.domain.casework import EventKind
from socialdesk.domain.enums import CaseStatus, Category, Priority
from socialdesk.domain.models import Case, CaseEvent, Mention, TriageCorrection
from socialdesk.domain.notify import CaseNotifier
from socialdesk.domain.sla import SlaLevel, SlaPolicy, add_working_time
from socialdesk.domain.triage_fix import (
    FieldChange,
    ModelAnswer,
    TriageChange,
    TriageField,
    TriageValues,
    model_answer,
    planned_changes,
    priority_reason,
    unchanged_message,
    value_label,
    values_at_open,
    with_implied,
)
from socialdesk.store import cases_repo, events_repo

__all__ = ["TriageOutcome", "correct_triage", "label_as_spam", "model_answer_of"]


@dataclass(frozen=True, slots=True)
class TriageOutcome:
    """What a correction did, for the confirmation shown to the agent and for tests."""

    case: Case
    changes: list[FieldChange]
    events: list[CaseEvent]
    corrections: list[TriageCorrection]
    moved_from: str | None  # the team the case left, when the correction re-routed it
    closed_as_spam: bool
    message: str


def current_values(case: Case) -> TriageValues:
    return TriageValues(case.category, case.priority, case.needs_reply)


def correct_triage(
    session: Session,
    *,
    case: Case,
    actor: Actor,
    change: TriageChange,
    now: datetime,
    config: Config,
    sla: SlaPolicy,
    notifier: CaseNotifier,
) -> TriageOutcome:
    """Apply ``change`` to ``case`` (locked by the caller) inside ``session``; the caller commits."""
    assert case.id is not None
    before = current_values(case)
    change = with_implied(before, change)
    changes = planned_changes(before, change)
    if not changes:
        raise rules.WrongState(unchanged_message(case.id, before, change))
    first = cases_repo.first_mention(session, case.id)
    model = model_answer_of(session, case)
    was_open = case.status.is_open
    snapshot_before = _snapshot(case)

    changed = {c.field for c in changes}
    _set_values(case, change, actor, before)
    case.version += 1
    case.last_activity_at = now

    closed_as_spam = False
    if was_open and case.category is Category.SPAM and TriageField.CATEGORY in changed:
        rules.mark_spam(case, now)  # spam is done with, as "Mark spam" on the card does
        closed_as_spam = True

    moved_from = None
    if case.status.is_open and changed & {TriageField.CATEGORY, TriageField.PRIORITY}:
        moved_from = _reroute(session, case, before, first, config, notifier, now)

    new_promise = bool(changed & {TriageField.PRIORITY}) or moved_from is not None
    if TriageField.NEEDS_REPLY in changed and case.needs_reply:
        new_promise = True  # its clock comes back
    _reclock(case, sla, now, new_promise=new_promise)
    session.add(case)

    events: list[CaseEvent] = []
    corrections: list[TriageCorrection] = []
    for index, fix in enumerate(changes):
        extra: dict[str, Any] = {}
        if index == 0:
            extra = _effects(case, moved_from, closed_as_spam, snapshot_before)
        events.append(
            events_repo.record(
                session,
                case_id=case.id,
                actor=actor.user_id,
                kind=EventKind.TRIAGE_CORRECTED,
                at=now,
                field=fix.field.value,
                **{"from": fix.before, "to": fix.after},
                **extra,
            )
        )
        corrections.append(_correction(session, case, actor, fix, first, model, now))
    session.flush()
    notifier.case_changed(session, case, now=now)
    for event in events:
        notifier.event_recorded(session, case, event, now=now)
    message = _message(case, changes, moved_from, config, closed_as_spam=closed_as_spam, was_open=was_open)
    return TriageOutcome(case, changes, events, corrections, moved_from, closed_as_spam, message)


def label_as_spam(session: Session, *, case: Case, actor: Actor, now: datetime) -> list[FieldChange]:
    """ "Mark spam" on the card is a correction too when triage said otherwise: the case's category and
    "needs a reply" follow and the labelled examples are written (the caller records its own event)."""
    assert case.id is not None
    before = current_values(case)
    changes = planned_changes(before, TriageChange(category=Category.SPAM, needs_reply=False))
    if not changes:
        return []
    first = cases_repo.first_mention(session, case.id)
    model = model_answer_of(session, case)
    case.category = Category.SPAM
    case.needs_reply = False
    case.sla_check_at = None
    for fix in changes:
        _correction(session, case, actor, fix, first, model, now)
    return changes


def model_answer_of(session: Session, case: Case) -> ModelAnswer:
    """The model's answer for the case: the "opened" event's ``triage`` detail, else the case's values
    before the first correction of each field."""
    assert case.id is not None
    opened = session.exec(
        select(CaseEvent.detail)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind == EventKind.OPENED)
        .order_by(col(CaseEvent.id))
        .limit(1)
    ).first()
    earlier = session.exec(
        select(TriageCorrection.field, TriageCorrection.from_value)
        .where(TriageCorrection.case_id == case.id)
        .order_by(col(TriageCorrection.id))
    ).all()
    at_open = values_at_open(current_values(case), [(str(f), str(v)) for f, v in earlier])
    return model_answer(opened, at_open=at_open)


# --- the parts ------------------------------------------------------------------------------------


def _set_values(case: Case, change: TriageChange, actor: Actor, before: TriageValues) -> None:
    if change.category is not None:
        case.category = change.category
    if change.needs_reply is not None:
        case.needs_reply = change.needs_reply
    if change.priority is not None and change.priority is not before.priority:
        case.priority = change.priority
        case.priority_reason = priority_reason(change.priority, before.priority, actor.name or actor.user_id)


def _reroute(
    session: Session,
    case: Case,
    before: TriageValues,
    first: Mention | None,
    config: Config,
    notifier: CaseNotifier,
    now: datetime,
) -> str | None:
    """Moves the case when routing depends on what changed; returns the team it left, or None.

    Only a case still with the team routing picked for its old values moves: one escalated by hand
    stays where a person put it, and a crisis case stays in its war room."""
    if case.crisis_id is not None or first is None:
        return None

    def routed(category: Category, priority: Priority) -> str:
        item = RouteInput(
            platform=case.platform,
            text=first.text_raw,
            category=category,
            priority=priority,
            is_private=case.is_private,
        )
        return route(config.routing, item).team

    old_team = routed(before.category, before.priority)
    decision = route(
        config.routing,
        RouteInput(
            platform=case.platform,
            text=first.text_raw,
            category=case.category,
            priority=case.priority,
            is_private=case.is_private,
        ),
    )
    if decision.team == old_team or case.team != old_team or decision.team == case.team:
        return None
    if decision.team not in {t.name for t in config.teams}:
        return None  # a rule naming a team the config no longer has: stay rather than strand the card
    previous = rules.reroute(case, decision.team, decision.rule)
    notifier.case_moved(session, case, now=now, why="rerouted")
    return previous


def _reclock(case: Case, sla: SlaPolicy, now: datetime, *, new_promise: bool) -> None:
    """The SLA clock after a correction. Due times are measured from when the case opened (its first
    post), as at ingest; the resolution target keeps the time already spent waiting on the customer."""
    # No clock on spam, on a case that needs no reply, or on one from history (it never alerts about
    # the past): the same cases as `socialdesk.domain.sla`'s rule for the scan.
    if not case.status.is_open or not case.needs_reply or case.historical or case.category is Category.SPAM:
        case.sla_check_at = None
        return
    if not new_promise:
        return
    dues = sla.dues(team=case.team, platform=case.platform, priority=case.priority, posted_at=case.opened_at)
    if case.first_response_at is None:
        case.first_response_due = dues.first_response
        case.sla_level = SlaLevel.OK.value  # a new promise: its levels are read afresh below
    resolution = dues.resolution
    if resolution is not None and case.paused_seconds > 0:
        hours, zone = sla.calendar(case.team)
        resolution = add_working_time(resolution, case.paused_seconds / 60, hours, zone)
    case.resolution_due = resolution
    case.resolution_level = SlaLevel.OK.value
    reading = sla.read(case, now)
    if reading.first_response is not None:
        case.sla_level = reading.first_response.level.value
    if reading.resolution is not None:
        case.resolution_level = reading.resolution.level.value
    # Already past a threshold under the new promise: the next SLA scan looks now and alerts once (its
    # notices are keyed per level, so an alert already sent is not sent again).
    late = any(r.level is not SlaLevel.OK for r in reading.readings)
    case.sla_check_at = now if late else reading.next_check_at


def _snapshot(case: Case) -> dict[str, Any]:
    return {"status": case.status.value, "team": case.team, "assignee": case.assignee}


def _effects(
    case: Case, moved_from: str | None, closed_as_spam: bool, before: dict[str, Any]
) -> dict[str, Any]:
    """What followed from the correction, on its first event (the audit trail reads it there)."""
    out: dict[str, Any] = {"before": before, "after": _snapshot(case)}
    if moved_from is not None:
        out.update(from_team=moved_from, to_team=case.team, route=case.route)
    if closed_as_spam:
        out["closed_as_spam"] = True
    out["sla_check_at"] = as_utc(case.sla_check_at).isoformat() if case.sla_check_at is not None else None
    if case.needs_reply and case.first_response_at is None:
        out["first_response_due"] = as_utc(case.first_response_due).isoformat()
    return out


def _correction(
    session: Session,
    case: Case,
    actor: Actor,
    fix: FieldChange,
    first: Mention | None,
    model: ModelAnswer,
    now: datetime,
) -> TriageCorrection:
    assert case.id is not None
    row = TriageCorrection(
        case_id=case.id,
        at=now,
        actor=actor.user_id,
        field=fix.field.value,
        from_value=fix.before,
        to_value=fix.after,
        platform=case.platform.value,
        # Only ever the masked text: these rows become training data and leave the building in exports.
        text_masked=first.text_masked if first is not None else "",
        model_category=model.category,
        model_priority=model.priority,
        model_needs_reply=model.needs_reply,
        model_version=model.model_version,
    )
    session.add(row)
    return row


def _message(
    case: Case,
    changes: list[FieldChange],
    moved_from: str | None,
    config: Config,
    *,
    closed_as_spam: bool,
    was_open: bool,
) -> str:
    parts = [
        f"{c.field.label} {value_label(c.field, c.before)} → {value_label(c.field, c.after)}" for c in changes
    ]
    text = f"#{case.id} corrected: {'; '.join(parts)}."
    if closed_as_spam:
        return text + " Closed as spam."
    if moved_from is not None:
        text += f" Moved to {case.team} ({config.team(case.team).channel})."
    if case.status.is_open:
        reclocked = moved_from is not None or any(
            c.field in (TriageField.PRIORITY, TriageField.NEEDS_REPLY) for c in changes
        )
        if not case.needs_reply:
            text += " No SLA clock runs on it now."
        elif reclocked and case.sla_check_at is not None:
            text += f" Its SLA clock now follows the {case.priority.value} target."
    elif not was_open and case.status is CaseStatus.SPAM and case.category is not Category.SPAM:
        text += f" It is still closed as spam: `/social reopen {case.id}` to work it."
    return text
