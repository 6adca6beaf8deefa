"""Starting a crisis, changing its severity and roles, ending it, and the lessons learned."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from socialdesk.casework.roles import Actor
from socialdesk.clock import as_utc
from socialdesk.crisis.desk_base import CrisisOutcome, DeskBase
from socialdesk.crisis.intake import tighten
from socialdesk.crisis.spike_cases import CHUNK, warning_case_ids
from socialdesk.domain.crisis import CrisisError
from socialdesk.domain.crisis_models import Crisis, CrisisStatus, StatementStatus
from socialdesk.domain.models import Case
from socialdesk.domain.playbooks.schema import Playbook, StatementKind
from socialdesk.store import crisis_repo

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
MAX_SUMMARY = 500
MAX_LISTED_CASES = 50  # case numbers named in the war room's line and the timeline event


def _cases(count: int) -> str:
    return f"{count} case" if count == 1 else f"{count} cases"


def war_room_name(playbook: Playbook, crisis_id: int, summary: str) -> str:
    """`crisis-3-login-failures-in-eu`: Slack's rules (lower case, digits, hyphens, <= 80 characters)."""
    slug = _NOT_SLUG.sub("-", (summary or playbook.id).lower()).strip("-")[:50].strip("-")
    return f"{playbook.war_room_prefix}-{crisis_id}" + (f"-{slug}" if slug else "")


class Lifecycle(DeskBase):
    def start(
        self,
        *,
        playbook_id: str,
        severity: str | None,
        summary: str,
        actor: Actor,
        trigger: dict[str, object] | None = None,
        warning: str | None = None,
    ) -> CrisisOutcome:
        """Start the playbook: the crisis, its war room and the holding draft, in one transaction.
        ``warning`` (an early warning's notice key, when started from its button): the warning's open
        cases join the crisis and their cards move to the war room (`socialdesk.crisis.spike_cases`)."""
        playbook = self.playbook(playbook_id)
        level = playbook.severity_name(severity) if severity else playbook.default_severity
        if level is None:
            raise CrisisError(
                f"`{severity}` is not a severity of {playbook.title}: "
                + ", ".join(f"`{name}` ({s.label})" for name, s in playbook.severities.items())
            )
        self._require(
            actor, playbook.permissions.start, f"start the {playbook.title} playbook", playbook, None
        )
        summary = " ".join(summary.split())[:MAX_SUMMARY]
        now = self._clock.now()
        try:
            with self._session() as session:
                running = crisis_repo.active_for_playbook(session, playbook.id)
                if running is not None:
                    raise self._already_running(running)
                crisis = self._insert(session, playbook, level, summary, actor, trigger or {}, now)
                statement = self._new_statement(session, crisis, playbook, StatementKind.HOLDING, actor, now)
                view = self.crisis_view(session, crisis, playbook, now)
                invitees = self._roles.people(playbook.roles, playbook, crisis.assignments)
                self._notifier.war_room_opened(
                    session, view, invite=invitees, duty_channel=self._config.duty_channel, now=now
                )
                self._notifier.statement_changed(
                    session,
                    self.statement_view(session, statement, crisis, playbook, now),
                    war_room=crisis.war_room,
                    now=now,
                )
                chain = playbook.severity(level).approvals.chain
                # Each approver once, and not the drafter when a second person must approve.
                asks = " ".join(
                    dict.fromkeys(
                        m
                        for role in chain
                        for m in self._roles.mentions(role, playbook, crisis.assignments)
                        if not (playbook.severity(level).approvals.two_person and m == f"<@{actor.user_id}>")
                    )
                )
                self._line(
                    session,
                    crisis,
                    f"📝 Holding statement #{statement.id} is drafted from the playbook. Approvers "
                    f"({', '.join(chain)}): {asks or 'nobody holds these roles yet'}, please review it. "
                    "Fill in facts and actions with *Edit*.",
                    f"ask:{statement.id}",
                    now,
                )
                taken = self._take_in(session, crisis, playbook, warning, actor, now) if warning else 0
                session.commit()
        except IntegrityError:
            # Another lead started the same playbook at the same moment: theirs is the running one.
            with Session(self._engine) as session:
                running = crisis_repo.active_for_playbook(session, playbook.id)
            if running is None:
                raise
            raise self._already_running(running) from None
        assert crisis.id is not None
        joined = f" {_cases(taken)} from the early warning moved there." if taken else ""
        return CrisisOutcome(
            f"Crisis {crisis.id} started at {level}: war room #{crisis.war_room}. The holding statement "
            f"is drafted there and waits for approval.{joined}",
            crisis_id=crisis.id,
            statement_id=statement.id,
        )

    def _take_in(
        self,
        session: Session,
        crisis: Crisis,
        playbook: Playbook,
        warning: str,
        actor: Actor,
        now: datetime,
    ) -> int:
        """The warning's open cases join the crisis, as if it had been running when they arrived
        (`socialdesk.crisis.intake`): tagged, held to the playbook's targets while unanswered, and their cards
        moved to the war room. Returns how many joined."""
        assert crisis.id is not None
        ids = warning_case_ids(session, warning, self._playbooks(), now=now)
        taken: list[int] = []
        for start in range(0, len(ids), CHUNK):
            cases = session.exec(
                select(Case)
                .where(col(Case.id).in_(ids[start : start + CHUNK]))
                .order_by(col(Case.id))
                .with_for_update()
            ).all()
            for case in cases:
                if case.crisis_id is not None or not case.status.is_open:
                    continue  # taken by another crisis, or closed, since the look-up
                case.crisis_id = crisis.id
                if playbook.sla is not None and case.first_response_at is None and case.sla_check_at:
                    tighten(
                        case,
                        playbook,
                        as_utc(case.opened_at),
                        at_risk_fraction=self._config.sla.at_risk_fraction,
                    )
                case.version += 1
                session.add(case)
                if self._cards is not None:
                    self._cards.case_moved(session, case, now=now, why="crisis")
                assert case.id is not None
                taken.append(case.id)
        if not taken:
            return 0
        crisis_repo.record(
            session,
            crisis.id,
            actor=actor.user_id,
            kind="cases_joined",
            at=now,
            warning=warning,
            count=len(taken),
            cases=taken[:MAX_LISTED_CASES],
        )
        listed = ", ".join(f"#{i}" for i in taken[:MAX_LISTED_CASES])
        more = f" and {len(taken) - MAX_LISTED_CASES} more" if len(taken) > MAX_LISTED_CASES else ""
        self._line(
            session,
            crisis,
            f"📥 {_cases(len(taken))} from the early warning are worked here now, with the playbook's "
            f"targets: {listed}{more}.",
            "cases-joined",
            now,
        )
        return len(taken)

    def _already_running(self, running: Crisis) -> CrisisError:
        return CrisisError(
            f"Crisis {running.id} ({running.title}) is already running for this playbook, since "
            f"{self._at(running.started_at)}: war room #{running.war_room}. `/crisis status` shows it."
        )

    def _insert(
        self,
        session: Session,
        playbook: Playbook,
        level: str,
        summary: str,
        actor: Actor,
        trigger: dict[str, object],
        now: datetime,
    ) -> Crisis:
        assignments: dict[str, list[str]] = {}
        if "incident_lead" in playbook.roles:
            assignments["incident_lead"] = [actor.user_id]  # whoever declares it leads it until handed over
        crisis = Crisis(
            playbook_id=playbook.id,
            title=summary or playbook.title,
            summary=summary,
            severity=level,
            started_at=now,
            started_by=actor.user_id,
            war_room=f"{playbook.war_room_prefix}-new",
            assignments=assignments,
            trigger=dict(trigger),
        )
        session.add(crisis)
        session.flush()
        assert crisis.id is not None
        crisis.war_room = war_room_name(playbook, crisis.id, summary)
        session.add(crisis)
        crisis_repo.record(
            session,
            crisis.id,
            actor=actor.user_id,
            kind="started",
            at=now,
            playbook=playbook.id,
            severity=level,
            summary=summary,
            trigger=dict(trigger),
        )
        return crisis

    def set_severity(self, *, crisis_id: int, severity: str, actor: Actor) -> CrisisOutcome:
        now = self._clock.now()
        with self._session() as session:
            crisis, playbook = self._locked(session, crisis_id)
            self._require(actor, playbook.permissions.start, "change the severity", playbook, crisis)
            self._check_active(crisis)
            level = playbook.severity_name(severity)
            if level is None:
                raise CrisisError(
                    f"`{severity}` is not a severity: " + ", ".join(f"`{n}`" for n in playbook.severities)
                )
            before = crisis.severity
            crisis.severity = level
            cadence = timedelta(minutes=playbook.severity(level).update_every_minutes)
            if crisis.next_update_at is not None and as_utc(crisis.next_update_at) > now + cadence:
                crisis.next_update_at = now + cadence  # a worse crisis is updated sooner, not later
            crisis.version += 1
            session.add(crisis)
            crisis_repo.record(
                session, crisis_id, actor=actor.user_id, kind="severity", at=now, before=before, after=level
            )
            self._line(
                session,
                crisis,
                f"<@{actor.user_id}> changed the severity from {before} to *{level}* "
                f"({playbook.severity(level).label}).",
                f"severity:{crisis.version}",
                now,
            )
            open_statement = crisis_repo.open_statement(session, crisis_id)
            self._redraw(session, crisis, playbook, now, *([open_statement] if open_statement else []))
            session.commit()
        return CrisisOutcome(f"Crisis {crisis_id} is now {level}.", crisis_id=crisis_id)

    def assign_role(self, *, crisis_id: int, role: str, user: str, actor: Actor) -> CrisisOutcome:
        now = self._clock.now()
        with self._session() as session:
            crisis, playbook = self._locked(session, crisis_id)
            self._require(actor, playbook.permissions.start, "assign crisis roles", playbook, crisis)
            if role not in playbook.roles:
                raise CrisisError(
                    f"`{role}` is not a role of this playbook: " + ", ".join(f"`{r}`" for r in playbook.roles)
                )
            people = list(crisis.assignments.get(role, []))
            if user in people:
                return CrisisOutcome(f"<@{user}> already holds `{role}`.", crisis_id=crisis_id)
            crisis.assignments = {**crisis.assignments, role: [*people, user]}
            crisis.version += 1
            session.add(crisis)
            crisis_repo.record(
                session, crisis_id, actor=actor.user_id, kind="role", at=now, role=role, user=user
            )
            view = self.crisis_view(session, crisis, playbook, now)
            self._notifier.invite(session, view, [user], now=now)
            self._line(
                session, crisis, f"<@{actor.user_id}> made <@{user}> *{role}*.", f"role:{role}:{user}", now
            )
            self._redraw(session, crisis, playbook, now)
            session.commit()
        return CrisisOutcome(f"<@{user}> is now `{role}` in crisis {crisis_id}.", crisis_id=crisis_id)

    def end(self, *, crisis_id: int, summary: str, actor: Actor) -> CrisisOutcome:
        now = self._clock.now()
        with self._session() as session:
            crisis, playbook = self._locked(session, crisis_id)
            self._require(actor, playbook.permissions.end, "end the crisis", playbook, crisis)
            self._check_active(crisis)
            crisis.status = CrisisStatus.ENDED
            crisis.ended_at = now
            crisis.ended_by = actor.user_id
            crisis.end_summary = " ".join(summary.split())[:MAX_SUMMARY] or None
            crisis.next_update_at = None
            crisis.version += 1
            session.add(crisis)
            crisis_repo.record(session, crisis_id, actor=actor.user_id, kind="ended", at=now, summary=summary)
            statement = self._new_statement(session, crisis, playbook, StatementKind.RESOLUTION, actor, now)
            self._line(
                session,
                crisis,
                f"✅ <@{actor.user_id}> ended the crisis. The resolution statement #{statement.id} is "
                "drafted below: approve and publish it as before. `/crisis review` posts the report.",
                "ended",
                now,
            )
            self._redraw(session, crisis, playbook, now, statement)
            session.commit()
        return CrisisOutcome(
            f"Crisis {crisis_id} ended. Its resolution statement #{statement.id} waits for approval in "
            f"#{crisis.war_room}.",
            crisis_id=crisis_id,
            statement_id=statement.id,
        )

    def save_lessons(self, *, crisis_id: int, text: str, actor: Actor) -> CrisisOutcome:
        now = self._clock.now()
        with self._session() as session:
            crisis, playbook = self._locked(session, crisis_id)
            self._require(actor, playbook.permissions.end, "record the lessons learned", playbook, crisis)
            crisis.lessons = text.strip() or None
            crisis.version += 1
            session.add(crisis)
            crisis_repo.record(
                session, crisis_id, actor=actor.user_id, kind="lessons", at=now, length=len(text.strip())
            )
            session.commit()
        return CrisisOutcome(
            f"Lessons learned saved for crisis {crisis_id}; `/crisis review` shows them.", crisis_id=crisis_id
        )

    @staticmethod
    def _check_active(crisis: Crisis) -> None:
        if crisis.status is not CrisisStatus.ACTIVE:
            raise CrisisError(f"Crisis {crisis.id} has ended.")


__all__ = ["Lifecycle", "StatementStatus", "war_room_name"]
