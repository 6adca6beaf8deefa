"""`CrisisDesk`: every crisis action, each one locked transaction that records its timeline event and
queues the war room's messages in the same commit (see desk_base, lifecycle, statements, publish)."""

from __future__ import annotations

from sqlmodel import Session

from socialdesk.crisis.desk_base import CrisisOutcome, PlaybookLibrary
from socialdesk.crisis.lifecycle import Lifecycle
from socialdesk.crisis.publish import Publisher
from socialdesk.domain.crisis import CrisisError
from socialdesk.domain.crisis_models import Crisis, CrisisStatus
from socialdesk.domain.crisis_views import CrisisView, StatementView
from socialdesk.domain.playbooks.schema import Playbook
from socialdesk.store import crisis_repo

__all__ = ["CrisisDesk", "CrisisOutcome", "PlaybookLibrary"]


class CrisisDesk(Lifecycle, Publisher):
    def find(
        self, *, crisis_id: int | None = None, channel_name: str | None = None, include_ended: bool = False
    ) -> Crisis:
        """The crisis a command means: the one named, else the war room it was typed in, else the only
        running one (or, for a review, the latest)."""
        with Session(self._engine) as session:
            if crisis_id is not None:
                crisis = session.get(Crisis, crisis_id)
                if crisis is None:
                    raise CrisisError(f"There is no crisis {crisis_id}.")
                return crisis
            if channel_name:
                crisis = crisis_repo.by_war_room(session, channel_name)
                if crisis is not None:
                    return crisis
            running = crisis_repo.active(session)
            if len(running) == 1:
                return running[0]
            if len(running) > 1:
                names = ", ".join(f"{c.id} ({c.title}, #{c.war_room})" for c in running)
                raise CrisisError(
                    f"Several crises are running: {names}. Type the command in its war room, "
                    "or name it: `/crisis status 3`."
                )
            latest = crisis_repo.latest(session) if include_ended else None
            if latest is not None:
                return latest
        raise CrisisError(
            "No crisis is running. `/crisis list` shows the playbooks; `/crisis start <playbook>` starts one."
        )

    def views(self, crisis_id: int) -> CrisisView:
        with Session(self._engine) as session:
            crisis = session.get(Crisis, crisis_id)
            if crisis is None:
                raise CrisisError(f"There is no crisis {crisis_id}.")
            return self.crisis_view(session, crisis, self.playbook(crisis.playbook_id), self._clock.now())

    def statement(self, crisis_id: int, statement_id: int) -> StatementView:
        with Session(self._engine) as session:
            crisis = session.get(Crisis, crisis_id)
            if crisis is None:
                raise CrisisError(f"There is no crisis {crisis_id}.")
            statement = self._statement(session, statement_id, crisis)
            return self.statement_view(
                session, statement, crisis, self.playbook(crisis.playbook_id), self._clock.now()
            )

    def slots(self, crisis_id: int) -> dict[str, object]:
        """The slot values the next draft will use: the lead's, else the playbook's defaults."""
        with Session(self._engine) as session:
            crisis = session.get(Crisis, crisis_id)
            if crisis is None:
                raise CrisisError(f"There is no crisis {crisis_id}.")
            values: dict[str, object] = self.playbook(crisis.playbook_id).slots.model_dump()
            values["headline"] = crisis.summary
            values.update(crisis.slots)
            return values

    def pausing_crisis(self) -> str | None:
        """The running crisis whose playbook pauses scheduled brand messages, as "3 (Login failures)"."""
        library = self._playbooks()
        for crisis in self.running():
            playbook = library.get(crisis.playbook_id)
            if playbook is not None and playbook.pause_scheduled_posts:
                return f"{crisis.id} ({crisis.title})"
        return None

    def playbook_list(self) -> list[Playbook]:
        return [self._playbooks()[key] for key in sorted(self._playbooks())]

    def running(self) -> list[Crisis]:
        with Session(self._engine) as session:
            return [c for c in crisis_repo.active(session) if c.status is CrisisStatus.ACTIVE]
