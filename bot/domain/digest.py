"""What a digest says, as plain data: built by `socialdesk.digest.build`, drawn by
`socialdesk.slack.blocks.digest_view` (Block Kit) and `socialdesk.slack.blocks.digest_chart` (the PNG).
No database,
no Slack: a renderer test builds one by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from socialdesk.domain.enums import Sentiment
from socialdesk.domain.metrics import AgentRow, Figures, Outcome, Period, Shift, Topic
from socialdesk.domain.ratings import average
from socialdesk.domain.triage_review import TriageReview

DigestKind = Literal["daily", "weekly"]


@dataclass(frozen=True, slots=True)
class Satisfaction:
    """Survey answers received in a period: CSAT (share of 4-5, and mean) and NPS, None without answers."""

    csat: float | None = None
    csat_mean: float | None = None
    csat_answers: int = 0
    nps: float | None = None
    nps_answers: int = 0


@dataclass(frozen=True, slots=True)
class OpenNow:
    """The backlog when the digest was built, and its oldest case."""

    count: int = 0
    oldest_id: int | None = None
    oldest_opened_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class GroupReport:
    """One team, or all teams: this period's figures against the previous period's."""

    name: str
    now: Figures
    before: Figures
    satisfaction: Satisfaction = Satisfaction()
    satisfaction_before: Satisfaction = Satisfaction()
    open_now: OpenNow = OpenNow()


@dataclass(frozen=True, slots=True)
class Count:
    """A named count this period and the previous one (volume by platform, category...)."""

    name: str
    now: int
    before: int


@dataclass(frozen=True, slots=True)
class SourceRatings:
    """One review source's ratings (by its platform): the reviews posted in the period and in the
    previous one, counted by stars (index 0 is one star, 4 five stars; an edited review counts with its
    newest stars, in the period it was first posted)."""

    platform: str
    now: tuple[int, ...]
    before: tuple[int, ...]

    @property
    def average_now(self) -> float | None:
        return average(self.now)

    @property
    def average_before(self) -> float | None:
        return average(self.before)

    @property
    def change(self) -> float | None:
        """This period's average minus the previous one's; None when either had no review."""
        now, before = self.average_now, self.average_before
        return None if now is None or before is None else now - before


@dataclass(frozen=True, slots=True)
class CannedUse:
    id: str
    title: str  # from the config; the id again when the reply is no longer configured
    sent: int


@dataclass(frozen=True, slots=True)
class CrisisInPeriod:
    """A crisis that started, ran or ended in the digest's period (``ended_at`` None: still running
    when the digest was built)."""

    id: int
    title: str
    severity: str  # the playbook's severity name ("sev2")
    started_at: datetime
    ended_at: datetime | None
    war_room: str
    cases: int  # cases tagged with it (worked in its war room)


@dataclass(frozen=True, slots=True)
class ChartData:
    """The chart's series. ``buckets`` are hours of the day (a daily digest; 23 or 25 on the days the
    clocks change) or days of the week (weekly), labelled in local time."""

    title: str
    buckets: list[str]
    volume: list[int]
    frt_minutes: list[float | None]  # median first response of the cases opened in each bucket
    sla_days: list[date]
    sla: list[float | None]  # compliance per day, None when no SLA was decided that day

    @property
    def empty(self) -> bool:
        return not any(self.volume) and all(v is None for v in self.sla)


@dataclass(frozen=True, slots=True)
class Review:
    """The weekly improvement review: this week against the four before it (`metrics.unusual`), and the
    canned replies and routes with the worst outcomes (`metrics.worst_outcomes`)."""

    weeks: list[Period]  # the previous weeks, newest first
    shifts: list[Shift]
    steady: list[str]  # figures checked and found within their normal band
    worst_canned: list[Outcome]
    worst_routes: list[Outcome]
    min_cases: int
    canned_titles: dict[str, str] = field(default_factory=dict)
    triage: TriageReview | None = None  # how often agents corrected triage (bot/digest/triage_review.py)
    # Review sources whose average rating fell beyond its normal variation (`metrics.unusual`, unit "stars").
    rating_drops: list[Shift] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Digest:
    kind: DigestKind
    key: str  # "daily:2026-11-24" / "weekly:2026-W48", as in the Notice keys
    first_day: date  # local days covered, inclusive
    last_day: date
    timezone: str
    period: Period
    previous: Period
    built_at: datetime
    overall: GroupReport
    teams: list[GroupReport]
    platforms: list[Count]
    categories: list[Count]  # spam left out, as everywhere
    sentiment: dict[Sentiment, float]  # `metrics.sentiment_mix`
    negative_topics: list[Topic]
    negative_keywords: list[tuple[str, int]]
    escalations: list[tuple[str, str, int]]
    agents: list[AgentRow]
    canned: list[CannedUse]
    canned_share: float | None
    chart: ChartData
    crises: list[CrisisInPeriod] = field(default_factory=list)  # oldest first
    spam: Count = Count("spam", 0, 0)  # spam cases opened, left out of every other figure
    ratings: list[SourceRatings] = field(default_factory=list)  # per review source, most reviews first
    review: Review | None = None

    @property
    def span(self) -> timedelta:
        return self.period.end - self.period.start
