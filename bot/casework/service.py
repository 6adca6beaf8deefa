"""Case actions (claim, unclaim, assign, escalate, resolve, reopen, note, spam, triage corrections) as
keyword-only services.

Each action runs in one transaction that locks the case row (`SELECT ... FOR UPDATE` on PostgreSQL,
`BEGIN IMMEDIATE` on SQLite), so two simultaneous claims serialise and the second sees the first's
owner. The state rules live in `socialdesk.domain.casework`; here they are applied, recorded as a case event
with the state before and after, and handed to the notifier in the same commit (card update and a
line in the card's thread go out through the outbox).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from socialdesk.casework.roles import Actor, Capability
from socialdesk.casework.triage import TriageOutcome, correct_triage, label_as_spam
from socialdesk.clock import Clock
from socialdesk.config import Config
from socialdesk.domain import casework as rules
from socialdesk.domain.casework import EventKind
from socialdesk.domain.errors import CaseNotFound, DomainError
from socialdesk.domain.models import Case, CaseEvent
from socialdesk.domain.notify import CaseNotifier
from socialdesk.domain.sla import SlaPolicy
from socialdesk.domain.triage_fix import TriageChange
from socialdesk.store import events_repo
from socialdesk.store.db import writer

MAX_NOTE_CHARS = 3000
MAX_REASON_CHARS = 500


def snapshot(case: Case) -> dict[str, Any]:
    """The fields an audit reader wants before and after each action."""
    return {
        "status": case.status.value,
        "assignee": case.assignee,
        "team": case.team,
        "outcome": case.outcome,
    }


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an action did, for the confirmation shown to the person who asked."""

    case: Case
    event: CaseEvent
    message: str


class ScheduleSurvey(Protocol):
    """Claims a resolved case's satisfaction survey inside the resolve's transaction; True if scheduled.

    Handed in by the composition root (socialdesk.surveys.schedule.SurveyScheduler): surveys build on
    case work, so case work does not import them."""

    def __call__(self, session: Session, case: Case, *, now: datetime) -> bool: ...


class CaseWork:
    def __init__(
        self,
        *,
        engine: Engine,
        config: Config,
        clock: Clock,
        notifier: CaseNotifier,
        schedule_survey: ScheduleSurvey,
    ) -> None:
        self._engine = engine
        self._writer = writer(engine)
        self._config = config
        self._clock = clock
        self._notifier = notifier
        self._schedule_survey = schedule_survey
        self._sla = SlaPolicy(config)

    # --- the actions ----------------------------------------------------------------------------

    def claim(self, *, case_id: int, actor: Actor) -> Outcome:
        actor.require(Capability.WORK_CASES)
        return self._change(
            case_id,
            actor,
            EventKind.CLAIMED,
            lambda _s, c, now: rules.claim(c, actor.user_id, now),
            f"You claimed #{case_id}.",
        )

    def unclaim(self, *, case_id: int, actor: Actor) -> Outcome:
        actor.require(Capability.WORK_CASES)

        def apply(_s: Session, case: Case, _now: datetime) -> dict[str, Any]:
            previous = rules.unclaim(case, actor.user_id, is_lead=actor.can(Capability.ACT_ON_OTHERS))
            return {"previous_assignee": previous}

        return self._change(case_id, actor, EventKind.UNCLAIMED, apply, f"#{case_id} is back with its team.")

    def assign(self, *, case_id: int, actor: Actor, assignee: str) -> Outcome:
        actor.require(Capability.ASSIGN)

        def apply(_s: Session, case: Case, now: datetime) -> dict[str, Any]:
            previous = case.assignee
            if previous == assignee:
                raise rules.WrongState(f"#{case_id} is already assigned to <@{assignee}>.")
            rules.assign(case, assignee, now)
            return {"assignee": assignee, "previous_assignee": previous}

        return self._change(
            case_id, actor, EventKind.ASSIGNED, apply, f"#{case_id} is now assigned to <@{assignee}>."
        )

    def escalate(self, *, case_id: int, actor: Actor, team: str, reason: str) -> Outcome:
        actor.require(Capability.WORK_CASES)
        reason = reason.strip()[:MAX_REASON_CHARS]
        teams = [t.name for t in self._config.teams]

        def apply(session: Session, case: Case, now: datetime) -> dict[str, Any]:
            previous = rules.escalate(case, team, teams)
            oncall = self._config.team(team).oncall_group
            self._notifier.case_moved(session, case, now=now)
            return {"from_team": previous, "to_team": team, "reason": reason, "oncall_group": oncall}

        channel = self._config.team(team).channel if team in teams else team
        return self._change(
            case_id, actor, EventKind.ESCALATED, apply, f"#{case_id} escalated to {team} ({channel})."
        )

    def resolve(self, *, case_id: int, actor: Actor, outcome: str) -> Outcome:
        actor.require(Capability.WORK_CASES)
        code = rules.outcome_of(outcome)

        def apply(session: Session, case: Case, now: datetime) -> dict[str, Any]:
            rules.resolve(case, code, now)
            # The satisfaction survey is claimed in this same commit; the `surveys` job sends it later,
            # so the agent's click never waits on a platform (bot/surveys/service.py).
            if self._schedule_survey(session, case, now=now):
                return {"outcome": code, "survey": "scheduled"}
            return {"outcome": code}

        return self._change(case_id, actor, EventKind.RESOLVED, apply, f"#{case_id} resolved ({code}).")

    def mark_spam(self, *, case_id: int, actor: Actor) -> Outcome:
        actor.require(Capability.WORK_CASES)

        def apply(session: Session, case: Case, now: datetime) -> dict[str, Any]:
            rules.mark_spam(case, now)
            # Triage that did not say spam was wrong: the correction is kept as a labelled example.
            fixed = label_as_spam(session, case=case, actor=actor, now=now)
            return {"corrected": [f.field.value for f in fixed]} if fixed else {}

        return self._change(case_id, actor, EventKind.SPAM, apply, f"#{case_id} marked as spam.")

    def correct_triage(
        self, *, case_id: int, actor: Actor, change: TriageChange, now: datetime | None = None
    ) -> TriageOutcome:
        """An agent corrects the category, the priority or "needs a reply" (bot/casework/triage.py):
        one transaction for the case, its SLA clock, its route, the events, the labelled examples and
        the card. `now` defaults to the service's clock."""
        actor.require(Capability.WORK_CASES)
        now = now or self._clock.now()
        with Session(self._writer, expire_on_commit=False) as session:
            case = session.exec(select(Case).where(col(Case.id) == case_id).with_for_update()).first()
            if case is None or case.id is None:
                raise CaseNotFound(case_id)
            outcome = correct_triage(
                session,
                case=case,
                actor=actor,
                change=change,
                now=now,
                config=self._config,
                sla=self._sla,
                notifier=self._notifier,
            )
            session.commit()
            return outcome

    def reopen(self, *, case_id: int, actor: Actor) -> Outcome:
        actor.require(Capability.WORK_CASES)
        return self._change(
            case_id,
            actor,
            EventKind.REOPENED,
            lambda _s, c, now: rules.reopen(
                c, actor.user_id, now, is_lead=actor.can(Capability.ACT_ON_OTHERS)
            ),
            f"#{case_id} is open again.",
        )

    def note(self, *, case_id: int, actor: Actor, text: str) -> Outcome:
        actor.require(Capability.WORK_CASES)
        body = text.strip()
        if not body:
            raise DomainError("A note needs some text: `/social note <case> <text>`.")

        def apply(_s: Session, _case: Case, _now: datetime) -> dict[str, Any]:
            return {"text": body[:MAX_NOTE_CHARS], "source": "command"}

        return self._change(case_id, actor, EventKind.NOTE, apply, f"Note added to #{case_id}.", touch=False)

    def note_from_thread(self, *, channel: str, thread_ts: str, user: str, text: str, ts: str) -> int | None:
        """A message typed in a card's thread: kept as an internal note (never sent to the customer).
        Returns the case id, or None when the thread is not a case card's."""
        now = self._clock.now()
        with Session(self._writer, expire_on_commit=False) as session:
            case = session.exec(
                select(Case).where(Case.slack_channel == channel, Case.slack_ts == thread_ts)
            ).first()
            if case is None or case.id is None:
                return None
            if _has_note_with_ts(session, case.id, ts):
                return case.id  # Slack redelivered the event
            events_repo.record(
                session,
                case_id=case.id,
                actor=user,
                kind=EventKind.NOTE,
                at=now,
                text=text[:MAX_NOTE_CHARS],
                source="thread",
                slack_ts=ts,
            )
            session.commit()
            return case.id

    # --- the one transaction shape every action shares ------------------------------------------

    def _change(
        self,
        case_id: int,
        actor: Actor,
        kind: EventKind,
        apply: Callable[[Session, Case, datetime], dict[str, Any] | None],
        message: str,
        *,
        touch: bool = True,
    ) -> Outcome:
        now = self._clock.now()
        with Session(self._writer, expire_on_commit=False) as session:
            case = session.exec(select(Case).where(col(Case.id) == case_id).with_for_update()).first()
            if case is None or case.id is None:
                raise CaseNotFound(case_id)
            before = snapshot(case)
            detail = apply(session, case, now) or {}
            if touch:
                case.version += 1
                case.last_activity_at = now
                session.add(case)
            event = events_repo.record(
                session,
                case_id=case.id,
                actor=actor.user_id,
                kind=kind,
                at=now,
                before=before,
                after=snapshot(case),
                **detail,
            )
            session.flush()
            if touch:
                self._notifier.case_changed(session, case, now=now)
            self._notifier.event_recorded(session, case, event, now=now)
            session.commit()
            return Outcome(case=case, event=event, message=message)


def _has_note_with_ts(session: Session, case_id: int, ts: str) -> bool:
    rows = session.exec(
        select(CaseEvent.detail).where(CaseEvent.case_id == case_id, CaseEvent.kind == EventKind.NOTE)
    ).all()
    return any(d.get("slack_ts") == ts for d in rows)
