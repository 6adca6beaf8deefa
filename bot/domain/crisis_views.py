"""What the war room shows, as plain data: the crisis and its open statement as the renderers draw them
(socialdesk.slack.blocks.crisis_view and neighbours). Read from the store by socialdesk.crisis.views;
kept in the domain so the Slack renderers need nothing of the crisis package."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from socialdesk.domain.crisis_models import StatementStatus


@dataclass(frozen=True, slots=True)
class PublicationView:
    target: str
    status: str  # pending, sending, sent, failed
    url: str | None
    error: str | None
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class StatementView:
    id: int
    crisis_id: int
    crisis_title: str
    kind: str
    status: StatementStatus
    texts: dict[str, str]
    problems: dict[str, list[str]]  # target -> what blocks approval
    drafted_by: str
    drafted_at: datetime
    stale_at: datetime | None
    stale: bool
    chain: tuple[str, ...]
    approved_by: dict[str, tuple[str, datetime]]  # role -> (approver, at)
    missing: tuple[str, ...]
    two_person: bool
    approver_mentions: dict[str, list[str]]  # missing role -> who to ask
    rejected_by: str | None
    rejected_reason: str | None
    publications: list[PublicationView]
    published_by: str | None
    published_at: datetime | None
    timezone: str

    @property
    def approved(self) -> bool:
        return not self.missing and not self.stale

    @property
    def has_problems(self) -> bool:
        return any(self.problems.values())


@dataclass(frozen=True, slots=True)
class RoleView:
    name: str
    description: str
    mentions: list[str]


@dataclass(frozen=True, slots=True)
class CrisisView:
    id: int
    title: str
    playbook_id: str
    playbook_title: str
    severity: str
    severity_label: str
    status: str
    summary: str
    started_at: datetime
    started_by: str
    ended_at: datetime | None
    ended_by: str | None
    war_room: str
    next_update_at: datetime | None
    cadence_minutes: int
    first_statement_due: datetime
    first_published_at: datetime | None
    roles: list[RoleView]
    tagged_cases: int
    open_tagged_cases: int
    open_statement: StatementView | None
    timezone: str
    published_count: int = 0
    sla_minutes: int | None = None
    where_updates: str = ""
    checklist: list[str] = field(default_factory=list)
