"""The crisis clock: reminders to post each update at the playbook's cadence, a nudge when the first
statement is late, and redrawing drafts whose approvals lapsed. Runs on the leader every minute; each
reminder is a Notice key, so replicas and restarts send it once.

For a published statement promising an update at T (cadence C, lead time L = min(10 min, C/3)):
a heads-up at T - L, "due now" at T, and "overdue" at T + C, T + 2C... until an update is published
(which moves T) or the crisis ends.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, select

from socialdesk.clock import as_utc
from socialdesk.crisis.desk_base import DeskBase
from socialdesk.domain.crisis_models import Crisis, CrisisStatement, CrisisStatus, StatementStatus
from socialdesk.domain.playbooks.schema import Playbook
from socialdesk.store import crisis_repo
from socialdesk.store.notices_repo import claim_notice

log = logging.getLogger(__name__)
MAX_OVERDUE_REMINDERS = 12


@dataclass
class ReminderReport:
    reminders: int = 0
    stale_drafts: int = 0
    keys: list[str] = field(default_factory=list)


def lead_time(cadence: timedelta) -> timedelta:
    return min(timedelta(minutes=10), cadence / 3)


def due_reminder(next_update: datetime, cadence: timedelta, now: datetime) -> int | None:
    """Which reminder is due now: 0 heads-up, 1 due, 2.. overdue by one cadence more; None if none."""
    if now < next_update - lead_time(cadence):
        return None
    if now < next_update:
        return 0
    return min(1 + int((now - next_update) / cadence), MAX_OVERDUE_REMINDERS)


class CrisisReminders(DeskBase):
    def scan(self) -> ReminderReport:
        report = ReminderReport()
        with Session(self._engine) as session:
            ids = [c.id for c in crisis_repo.active(session) if c.id is not None]
        for crisis_id in ids:
            try:
                self._scan_one(crisis_id, report)
            except Exception:  # one broken playbook must not silence the others' reminders
                log.exception("crisis reminders for crisis %s failed", crisis_id)
        return report

    def _scan_one(self, crisis_id: int, report: ReminderReport) -> None:
        now = self._clock.now()
        with self._session() as session:
            crisis, playbook = self._locked(session, crisis_id)
            if crisis.status is not CrisisStatus.ACTIVE:
                return
            severity = playbook.severity(crisis.severity)
            cadence = timedelta(minutes=severity.update_every_minutes)
            if crisis.next_update_at is None:
                due_first = as_utc(crisis.started_at) + timedelta(
                    minutes=severity.first_statement_within_minutes
                )
                if now >= due_first:
                    self._remind(
                        session,
                        crisis,
                        playbook,
                        f"crisis-first:{crisis_id}",
                        now,
                        report,
                        f"⏰ No statement is out yet; the playbook's target for the first one was "
                        f"{self._at(due_first)}. Approve and publish the holding statement.",
                    )
            else:
                next_update = as_utc(crisis.next_update_at)
                step = due_reminder(next_update, cadence, now)
                if step is not None:
                    key = f"crisis-remind:{crisis_id}:{next_update.isoformat()}:{step}"
                    self._remind(
                        session,
                        crisis,
                        playbook,
                        key,
                        now,
                        report,
                        self._reminder_text(step, self._at(next_update), next_update, now),
                    )
            self._lapse_drafts(session, crisis, playbook, now, report)
            session.commit()

    @staticmethod
    def _reminder_text(step: int, at: str, next_update: datetime, now: datetime) -> str:
        if step == 0:
            minutes = max(1, int((next_update - now).total_seconds() // 60))
            return (
                f"⏰ The next update is due at {at}, in {minutes} min. Draft it now: "
                "`/crisis update <what changed>`, then get it approved."
            )
        if step == 1:
            return f"⏰ The update promised for {at} is due now: `/crisis update <what changed>`."
        return (
            f"⏰ The update promised for {at} is overdue by {int((now - next_update).total_seconds() // 60)} "
            'min. Even "no change, next update at …" keeps customers with us.'
        )

    def _remind(
        self,
        session: Session,
        crisis: Crisis,
        playbook: Playbook,
        key: str,
        now: datetime,
        report: ReminderReport,
        text: str,
    ) -> None:
        assert crisis.id is not None
        if not claim_notice(session, key, "crisis_reminder", now, detail={"crisis_id": crisis.id}):
            return
        who = self._roles.mentions(playbook.reminder_role, playbook, crisis.assignments)
        if key.endswith(tuple(f":{n}" for n in range(2, MAX_OVERDUE_REMINDERS + 1))) or key.startswith(
            "crisis-first"
        ):
            who += [
                m for m in self._roles.mentions("incident_lead", playbook, crisis.assignments) if m not in who
            ]
        self._notifier.line(
            session, war_room=crisis.war_room, text=f"{' '.join(who)} {text}".strip(), key=key, now=now
        )
        crisis_repo.record(
            session, crisis.id, actor=crisis_repo.SYSTEM, kind="update_requested", at=now, key=key
        )
        report.reminders += 1
        report.keys.append(key)

    def _lapse_drafts(
        self, session: Session, crisis: Crisis, playbook: Playbook, now: datetime, report: ReminderReport
    ) -> None:
        """A draft whose promised update time passed is redrawn once, showing it is stale."""
        assert crisis.id is not None
        drafts = session.exec(
            select(CrisisStatement).where(
                CrisisStatement.crisis_id == crisis.id, CrisisStatement.status == StatementStatus.DRAFT
            )
        ).all()
        for draft in drafts:
            if draft.stale_at is None or as_utc(draft.stale_at) > now:
                continue
            if claim_notice(session, f"crisis-stale:{draft.id}:{draft.text_sha}", "crisis_stale", now):
                self._redraw(session, crisis, playbook, now, draft)
                self._line(
                    session,
                    crisis,
                    f"⌛ Draft #{draft.id} promised an update by "
                    f"{self._at(draft.stale_at)}, which has passed; its approvals lapse. "
                    "Redraft it with `/crisis statement`.",
                    f"stale:{draft.id}:{draft.text_sha[:12]}",
                    now,
                )
                report.stale_drafts += 1
