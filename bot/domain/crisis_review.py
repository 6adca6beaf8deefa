"""The post-crisis review as plain data (the timeline, each statement and who approved it, key times, the
figures before, during and after, the chart's series). Built by socialdesk.crisis.review and
socialdesk.crisis.review_chart from the tables; drawn by socialdesk.slack.blocks.crisis_review_text
(Markdown), socialdesk.slack.blocks.crisis_review_view (Block Kit) and the crisis review chart (PNG).
Kept in the domain so the renderers need nothing of the crisis package."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

LESSONS_PLACEHOLDER = (
    "Not written yet: the incident lead fills this in with the Add lessons learned button on the review."
)


@dataclass(frozen=True, slots=True)
class Window:
    """One stretch ``[start, end)``: mentions posted in it, and the cases opened in it."""

    name: str  # before, during, after
    start: datetime
    end: datetime
    mentions: int
    crisis_mentions: int  # mentions of cases tagged with this crisis
    negative: int  # negative or very negative (`metrics.NEGATIVE`)
    mean_score: float | None
    cases_opened: int
    answered: int  # of those, answered by the time of the review
    frt_median: timedelta | None
    frt_p90: timedelta | None
    sla_met: int
    sla_counted: int

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.mentions if self.mentions else None

    @property
    def sla_compliance(self) -> float | None:
        return self.sla_met / self.sla_counted if self.sla_counted else None


@dataclass(frozen=True, slots=True)
class Figures:
    before: Window
    during: Window
    after: Window | None  # None while the crisis runs
    after_note: str  # why "after" is missing or short; "" when it is whole


@dataclass(frozen=True, slots=True)
class ReviewChart:
    title: str
    timezone: str
    bucket_minutes: int
    start: datetime  # of the first bucket, on a round clock time
    mentions: tuple[int, ...]  # per bucket, all mentions
    negative: tuple[int, ...]  # per bucket, the negative ones among them
    crisis_start: datetime
    crisis_end: datetime  # the end, or the time of the review while the crisis runs
    statements: tuple[tuple[datetime, str], ...]  # publish time, statement kind

    @property
    def empty(self) -> bool:
        return not any(self.mentions)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    actor: str  # a Slack user id, or "system"
    kind: str  # CrisisEvent.kind
    text: str  # what happened, without time and actor: "started the playbook at sev2: Login failures"


@dataclass(frozen=True, slots=True)
class SeverityChange:
    at: datetime
    by: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class ApprovalEntry:
    approver: str
    roles: tuple[str, ...]
    at: datetime
    current: bool  # given to the statement's final text (an edit after it voided it)


@dataclass(frozen=True, slots=True)
class PublicationEntry:
    target: str
    status: str  # pending, sending, sent, failed
    url: str | None
    external_id: str | None
    error_kind: str | None
    error: str | None
    sent_at: datetime | None
    attempts: int


@dataclass(frozen=True, slots=True)
class StatementEntry:
    id: int
    kind: str  # holding, update, resolution
    status: str
    drafted_by: str
    drafted_at: datetime
    texts: dict[str, str]  # target -> text
    approvals: tuple[ApprovalEntry, ...]
    rejected_by: str | None
    rejected_reason: str | None
    rejected_at: datetime | None
    published_by: str | None
    published_at: datetime | None  # when it went public (see `_public_at`); None if it never did
    publications: tuple[PublicationEntry, ...]

    @property
    def last_approval_at(self) -> datetime | None:
        return max((a.at for a in self.approvals if a.current), default=None)

    @property
    def to_approved(self) -> timedelta | None:
        """Draft to the last approval of the final text."""
        last = self.last_approval_at
        return None if last is None else max(last - self.drafted_at, timedelta(0))

    @property
    def to_published(self) -> timedelta | None:
        return None if self.published_at is None else max(self.published_at - self.drafted_at, timedelta(0))


@dataclass(frozen=True, slots=True)
class CadenceStep:
    """A published statement after the first, and the gap since the one published before it."""

    statement_id: int
    kind: str
    published_at: datetime
    gap: timedelta
    on_cadence: bool | None  # None without a cadence to compare with


@dataclass(frozen=True, slots=True)
class KeyTimes:
    first_statement_at: datetime | None
    to_first_statement: timedelta | None
    first_statement_target: timedelta | None
    update_every: timedelta | None
    steps: tuple[CadenceStep, ...]
    updates: int  # published update statements

    @property
    def first_statement_on_time(self) -> bool | None:
        if self.to_first_statement is None or self.first_statement_target is None:
            return None
        return self.to_first_statement <= self.first_statement_target

    @property
    def steps_on_cadence(self) -> int:
        return sum(1 for s in self.steps if s.on_cadence)


@dataclass(frozen=True, slots=True)
class CrisisReview:
    crisis_id: int
    playbook_id: str
    playbook_title: str
    title: str
    severity: str
    severity_changes: tuple[SeverityChange, ...]
    summary: str
    status: str
    started_at: datetime
    started_by: str
    ended_at: datetime | None
    ended_by: str | None
    end_summary: str | None
    war_room: str
    timezone: str
    built_at: datetime
    timeline: tuple[TimelineEntry, ...]
    statements: tuple[StatementEntry, ...]
    key_times: KeyTimes
    figures: Figures
    chart: ReviewChart
    lessons: str | None

    @property
    def running(self) -> bool:
        return self.ended_at is None

    @property
    def duration(self) -> timedelta:
        return (self.ended_at or self.built_at) - self.started_at

    @property
    def lessons_text(self) -> str:
        return self.lessons or LESSONS_PLACEHOLDER

    def clock(self, when: datetime) -> str:
        """``14:05`` in the review's time zone, with the day when the review spans several days."""
        zone = ZoneInfo(self.timezone)
        first = self.figures.before.start.astimezone(zone).date()
        last = (self.figures.after.end if self.figures.after else self.built_at).astimezone(zone).date()
        local = when.astimezone(zone)
        return f"{local:%H:%M}" if first == last else f"{local:%a %d %b %H:%M}"
