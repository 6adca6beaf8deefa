"""What every crisis action shares: its dependencies, one locked transaction, permission checks, the
views the war room is redrawn from, and drafting a statement's texts from the playbook."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session

from socialdesk.casework.roles import Actor
from socialdesk.clock import Clock, as_utc
from socialdesk.config import Config
from socialdesk.connectors.posts.base import BrandPoster
from socialdesk.crisis.notify import CrisisNotifier
from socialdesk.crisis.roles import PlaybookRoles
from socialdesk.crisis.views import CrisisView, StatementView, crisis_view, statement_view
from socialdesk.domain.crisis import CrisisError, RoleNeeded, text_sha
from socialdesk.domain.crisis_models import Crisis, CrisisStatement, StatementStatus
from socialdesk.domain.notify import CaseNotifier
from socialdesk.domain.playbooks.render import format_time, render_all, slots_for
from socialdesk.domain.playbooks.schema import Playbook, StatementKind
from socialdesk.store import crisis_repo
from socialdesk.store.db import writer

PlaybookLibrary = Callable[[], dict[str, Playbook]]


@dataclass(frozen=True, slots=True)
class CrisisOutcome:
    """What an action did, for the private confirmation to the person who asked."""

    message: str
    crisis_id: int | None = None
    statement_id: int | None = None


class DeskBase:
    def __init__(
        self,
        *,
        engine: Engine,
        config: Config,
        clock: Clock,
        playbooks: PlaybookLibrary,
        roles: PlaybookRoles,
        notifier: CrisisNotifier,
        poster: BrandPoster,
        cards: CaseNotifier | None = None,
    ) -> None:
        self._engine = engine
        self._writer = writer(engine)
        self._config = config
        self._clock = clock
        self._playbooks = playbooks
        self._roles = roles
        self._notifier = notifier
        self._poster = poster
        self._cards = cards  # case cards: those a crisis takes in move to its war room
        self._zone = ZoneInfo(config.timezone)

    def _at(self, moment: datetime) -> str:
        """A time as the war room reads it: local, with the zone ("15:00 CET, 25 Nov")."""
        return format_time(as_utc(moment), self._zone)

    # --- lookups --------------------------------------------------------------------------------

    def playbook(self, playbook_id: str) -> Playbook:
        found = self._playbooks().get(playbook_id)
        if found is None:
            known = ", ".join(f"`{p}`" for p in sorted(self._playbooks())) or "none are installed"
            raise CrisisError(f"There is no playbook `{playbook_id}`. Playbooks: {known}.")
        return found

    def _session(self) -> Session:
        return Session(self._writer, expire_on_commit=False)

    def _locked(self, session: Session, crisis_id: int) -> tuple[Crisis, Playbook]:
        crisis = crisis_repo.lock(session, crisis_id)
        if crisis is None:
            raise CrisisError(f"There is no crisis {crisis_id}. `/crisis status` lists the running ones.")
        return crisis, self.playbook(crisis.playbook_id)

    def _statement(self, session: Session, statement_id: int, crisis: Crisis) -> CrisisStatement:
        statement = session.get(CrisisStatement, statement_id)
        if statement is None or statement.crisis_id != crisis.id:
            raise CrisisError(f"There is no statement #{statement_id} in crisis {crisis.id}.")
        return statement

    # --- permissions ----------------------------------------------------------------------------

    def _require(
        self, actor: Actor, roles: Iterable[str], doing: str, playbook: Playbook, crisis: Crisis | None
    ) -> None:
        wanted = list(roles)
        assignments = crisis.assignments if crisis is not None else None
        if not self._roles.holds_any(actor.user_id, wanted, playbook, assignments):
            raise RoleNeeded(wanted, doing, playbook.title)

    # --- views ----------------------------------------------------------------------------------

    def _mentions(self, playbook: Playbook, crisis: Crisis) -> Callable[[str], list[str]]:
        return lambda role: self._roles.mentions(role, playbook, crisis.assignments)

    def crisis_view(self, session: Session, crisis: Crisis, playbook: Playbook, now: datetime) -> CrisisView:
        return crisis_view(
            session,
            crisis,
            playbook,
            masking=self._config.masking,
            mentions=self._mentions(playbook, crisis),
            now=now,
            timezone=self._config.timezone,
        )

    def statement_view(
        self, session: Session, statement: CrisisStatement, crisis: Crisis, playbook: Playbook, now: datetime
    ) -> StatementView:
        return statement_view(
            session,
            statement,
            crisis,
            playbook,
            masking=self._config.masking,
            mentions=self._mentions(playbook, crisis),
            now=now,
            timezone=self._config.timezone,
        )

    def _redraw(
        self,
        session: Session,
        crisis: Crisis,
        playbook: Playbook,
        now: datetime,
        *statements: CrisisStatement,
    ) -> None:
        session.flush()
        self._notifier.crisis_changed(session, self.crisis_view(session, crisis, playbook, now), now=now)
        for statement in statements:
            self._notifier.statement_changed(
                session,
                self.statement_view(session, statement, crisis, playbook, now),
                war_room=crisis.war_room,
                now=now,
            )

    def _line(self, session: Session, crisis: Crisis, text: str, key: str, now: datetime) -> None:
        self._notifier.line(session, war_room=crisis.war_room, text=text, key=f"{crisis.id}:{key}", now=now)

    # --- drafting -------------------------------------------------------------------------------

    def _render(
        self, crisis: Crisis, playbook: Playbook, kind: StatementKind, now: datetime, headline: str | None
    ) -> tuple[dict[str, str], datetime | None]:
        """The texts for every target, and the next-update time they promise (None for a resolution)."""
        cadence = timedelta(minutes=playbook.severity(crisis.severity).update_every_minutes)
        next_update = None if kind is StatementKind.RESOLUTION else now + cadence
        filled = dict(crisis.slots)
        if headline:
            filled["headline"] = headline
        slots = slots_for(
            playbook,
            summary=crisis.end_summary
            if kind is StatementKind.RESOLUTION and crisis.end_summary
            else crisis.summary,
            severity=playbook.severity(crisis.severity).label,
            started_at=as_utc(crisis.started_at),
            issued_at=now,
            next_update_at=next_update,
            filled=filled,
            tz=self._zone,
        )
        return render_all(playbook, kind, slots), next_update

    def _new_statement(
        self,
        session: Session,
        crisis: Crisis,
        playbook: Playbook,
        kind: StatementKind,
        actor: Actor,
        now: datetime,
        headline: str | None = None,
    ) -> CrisisStatement:
        assert crisis.id is not None
        for old in crisis_repo.statements(session, crisis.id):
            if old.status in (StatementStatus.DRAFT, StatementStatus.REJECTED):
                old.status = StatementStatus.SUPERSEDED
                old.version += 1
                session.add(old)
                self._notifier.statement_changed(
                    session,
                    self.statement_view(session, old, crisis, playbook, now),
                    war_room=crisis.war_room,
                    now=now,
                )
        texts, next_update = self._render(crisis, playbook, kind, now, headline)
        statement = CrisisStatement(
            crisis_id=crisis.id,
            kind=kind.value,
            texts=texts,
            text_sha=text_sha(texts),
            drafted_by=actor.user_id,
            drafted_at=now,
            stale_at=next_update,
        )
        session.add(statement)
        session.flush()
        crisis_repo.record(
            session,
            crisis.id,
            actor=actor.user_id,
            kind="drafted",
            at=now,
            statement_id=statement.id,
            statement_kind=kind.value,
            text_sha=statement.text_sha,
        )
        return statement
