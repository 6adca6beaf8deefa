"""The case figures: volume, first response, SLA, resolution, FCR, AHT and backlog over `CaseFacts`.

The conventions every figure follows are in the package docstring (`socialdesk.domain.metrics`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from socialdesk.domain.enums import CaseStatus, Category, Platform, Priority, Sentiment
from socialdesk.domain.metrics.period import Period

# Medians and percentiles rank waits as timedelta, or as float seconds when SQL hands them over.
T = TypeVar("T", float, timedelta)

# A reopen later than this after the resolution is a new contact, not a failed first one (issue #4).
FCR_REOPEN_WINDOW = timedelta(days=7)

__all__ = [
    "FCR_REOPEN_WINDOW",
    "CaseFacts",
    "Summary",
    "answered",
    "average_handling_time",
    "first_contact_resolution",
    "first_response_times",
    "frt_median",
    "frt_p90",
    "is_first_contact",
    "median",
    "nearest_rank",
    "oldest_open",
    "open_backlog",
    "resolution_rate",
    "resolved",
    "sla_compliance",
    "sla_tally",
    "summarize",
    "summarize_by_team",
    "volume",
]


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """The measured fields of one case. All times are timezone-aware UTC."""

    case_id: int
    team: str
    platform: Platform
    priority: Priority
    status: CaseStatus
    opened_at: datetime  # the customer's post time: every clock starts here
    first_response_due: datetime
    first_response_at: datetime | None = None  # our first reply that reached the platform
    claimed_at: datetime | None = None  # the latest claim; escalation and unclaim clear it
    resolved_at: datetime | None = None
    reply_count: int = 0
    escalation_count: int = 0
    reopen_count: int = 0
    outcome: str | None = None
    # The shortest time from a resolution to the reopen that undid it; None when never reopened, or
    # when the trail is not known (then any reopen counts against first-contact resolution).
    quickest_reopen: timedelta | None = None
    category: Category = Category.OTHER
    sentiment: Sentiment = Sentiment.NEUTRAL
    assignee: str | None = None
    # Cases triage found need no reply (praise, chatter) and cases opened from history have no SLA
    # clock: they are never an SLA miss (nobody was left waiting for us).
    needs_reply: bool = True
    historical: bool = False

    @property
    def is_spam(self) -> bool:
        """Marked as spam by an agent, or categorised as spam by triage: left out of every figure."""
        return self.status is CaseStatus.SPAM or self.category is Category.SPAM


def _counted(cases: Iterable[CaseFacts]) -> list[CaseFacts]:
    return [c for c in cases if not c.is_spam]


def _non_negative(delta: timedelta) -> timedelta:
    return max(delta, timedelta(0))


# --- volume and response -------------------------------------------------------------------------


def volume(cases: Iterable[CaseFacts], period: Period) -> int:
    """Cases opened in the period: ``count(opened_at in period)``."""
    return sum(1 for c in _counted(cases) if c.opened_at in period)


def answered(cases: Iterable[CaseFacts], period: Period) -> int:
    """Cases whose first reply reached the platform in the period: ``count(first_response_at in period)``."""
    return sum(1 for c in _counted(cases) if c.first_response_at in period)


def first_response_times(cases: Iterable[CaseFacts], period: Period) -> list[timedelta]:
    """``first_response_at - opened_at`` for every case first answered in the period, ascending.

    Counted by the time of the answer, not of the post: each wait is then counted once, in the period
    when it ended, and a period's figure never changes afterwards. (Counting by post time would make
    today's median look better than it is: only the quick answers exist yet.) Unanswered cases have
    no response time; `sla_compliance` is the figure that catches them.
    """
    waits = [
        _non_negative(c.first_response_at - c.opened_at)
        for c in _counted(cases)
        if c.first_response_at is not None and c.first_response_at in period
    ]
    return sorted(waits)


def nearest_rank(values: Sequence[T], percentile: float) -> T | None:
    """The nearest-rank percentile: the smallest value with at least ``percentile`` % of the sample at
    or below it, i.e. ``sorted(values)[ceil(p/100 * n) - 1]``.

    Chosen over interpolation because it always answers with a wait a customer really had, and on small
    samples it is honest: with fewer than ten answers p90 is simply the longest wait.
    """
    if not values:
        return None
    if not 0 < percentile <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {percentile}")
    ordered = sorted(values)
    rank = math.ceil(percentile / 100 * len(ordered))
    return ordered[rank - 1]


def median(values: Sequence[T]) -> T | None:
    """The usual median: the middle value of the sorted sample, or the mean of the two middle values for
    an even count; None for an empty sample."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def frt_median(cases: Iterable[CaseFacts], period: Period) -> timedelta | None:
    """Median first response time: `median` of `first_response_times`."""
    return median(first_response_times(cases, period))


def frt_p90(cases: Iterable[CaseFacts], period: Period) -> timedelta | None:
    """90th percentile of `first_response_times`, by `nearest_rank` (the longest wait below 10 answers)."""
    return nearest_rank(first_response_times(cases, period), 90)


# --- SLA -----------------------------------------------------------------------------------------


def _sla_decision(case: CaseFacts) -> tuple[datetime, bool] | None:
    """When a case's first-response SLA was decided, and whether it was met; None if it never applies.

    - answered by the due time (``first_response_at <= first_response_due``, equality included): met,
      decided at the answer;
    - answered late, or still unanswered: missed, decided at the due time;
    - closed without any answer before the due time (duplicate, no action needed): the SLA never
      applied, since nobody was left waiting;
    - no reply needed, or opened from history: the SLA never applied either.
    """
    if not case.needs_reply or case.historical:
        return None
    due = case.first_response_due
    if case.first_response_at is not None:
        if case.first_response_at <= due:
            return case.first_response_at, True
        return due, False
    if case.resolved_at is not None and case.resolved_at <= due:
        return None
    return due, False


def sla_tally(cases: Iterable[CaseFacts], period: Period) -> tuple[int, int]:
    """``(met, counted)``: the cases whose SLA was decided in the period (see `sla_compliance`)."""
    met = counted = 0
    for case in _counted(cases):
        decision = _sla_decision(case)
        if decision is None or decision[0] not in period:
            continue
        counted += 1
        met += decision[1]
    return met, counted


def sla_compliance(cases: Iterable[CaseFacts], period: Period) -> float | None:
    """Share of first-response SLAs met, among the cases whose SLA was decided in the period.

    ``met / counted``, where a case is counted in the one period in which its outcome became certain:

    - answered on time (``first_response_at <= first_response_due``; exactly at the due time is met):
      counted when the answer was sent, as met;
    - answered late or not at all: counted when the due time passed, as missed. An unanswered overdue
      case is a miss now, it does not wait to be answered; a case whose due time is still ahead is
      not counted yet (it can still be met);
    - closed before its due time without an answer (duplicate, no action needed): never counted.

    Each case is counted exactly once and a past period's figure never changes. None when no SLA was
    decided in the period.
    """
    met, counted = sla_tally(cases, period)
    return met / counted if counted else None


# --- resolution ----------------------------------------------------------------------------------


def _resolved_in(cases: Iterable[CaseFacts], period: Period) -> list[CaseFacts]:
    return [c for c in _counted(cases) if c.status is CaseStatus.RESOLVED and c.resolved_at in period]


def resolved(cases: Iterable[CaseFacts], period: Period) -> int:
    """Cases resolved in the period: ``count(status = resolved and resolved_at in period)``.

    A case reopened and resolved again is counted at its latest resolution only.
    """
    return len(_resolved_in(cases, period))


def resolution_rate(cases: Iterable[CaseFacts], period: Period) -> float | None:
    """Of the cases opened in the period, the share resolved before the period ended.

    ``count(opened in period and status = resolved and resolved_at < end) / count(opened in period)``.
    A cohort ratio, so it stays within 0..1 (a backlog-clearing day does not read as 140 %). None when
    no case was opened.
    """
    opened = [c for c in _counted(cases) if c.opened_at in period]
    if not opened:
        return None
    done = sum(
        1
        for c in opened
        if c.status is CaseStatus.RESOLVED and c.resolved_at is not None and c.resolved_at < period.end
    )
    return done / len(opened)


def is_first_contact(
    reply_count: int, escalation_count: int, reopen_count: int, quickest_reopen: timedelta | None
) -> bool:
    """Settled at first contact: one reply, no escalation, and no reopen within `FCR_REOPEN_WINDOW`
    (7 days) of a resolution. ``quickest_reopen`` None with ``reopen_count > 0`` means the reopen's
    timing is unknown, and it counts against FCR (the cautious reading)."""
    if reply_count != 1 or escalation_count != 0:
        return False
    if reopen_count == 0:
        return True
    return quickest_reopen is not None and quickest_reopen > FCR_REOPEN_WINDOW


def first_contact_resolution(cases: Iterable[CaseFacts], period: Period) -> float | None:
    """FCR: among cases resolved in the period that we answered, the share settled at first contact.

    ``count(reply_count = 1 and escalation_count = 0 and no reopen within 7 days of a resolution)
    / count(reply_count >= 1)`` over the cases resolved in the period (`is_first_contact`). Cases closed
    without any reply (duplicates, "no action needed") are left out: they say nothing about whether one
    answer was enough. A reopen more than 7 days after the resolution is a new contact and does not
    spoil it. A case resolved in the period and reopened afterwards is no longer resolved, so it leaves
    the period's count: a day's FCR is provisional for a week. None when no answered case was resolved.
    """
    replied = [c for c in _resolved_in(cases, period) if c.reply_count >= 1]
    if not replied:
        return None
    hits = sum(
        1
        for c in replied
        if is_first_contact(c.reply_count, c.escalation_count, c.reopen_count, c.quickest_reopen)
    )
    return hits / len(replied)


def average_handling_time(cases: Iterable[CaseFacts], period: Period) -> timedelta | None:
    """AHT: mean of ``resolved_at - claimed_at`` over the cases resolved in the period that were claimed.

    ``claimed_at`` is the latest claim: escalation and unclaim clear it and the next owner claims
    afresh, so this is the final owner's handling time, not the case's whole life (first response time
    and resolution rate cover that). A reply by someone who had not claimed the case counts as the claim.
    None when no claimed case was resolved in the period.
    """
    spans = [
        _non_negative(c.resolved_at - c.claimed_at)
        for c in _resolved_in(cases, period)
        if c.claimed_at is not None and c.resolved_at is not None
    ]
    if not spans:
        return None
    return sum(spans, timedelta(0)) / len(spans)


# --- backlog -------------------------------------------------------------------------------------


def _open_at(case: CaseFacts, at: datetime) -> bool:
    if case.opened_at > at:
        return False
    if case.status.is_open:
        return True
    # Closed now, but still open at `at` if it closed later than that.
    return case.resolved_at is not None and case.resolved_at > at


def open_backlog(cases: Iterable[CaseFacts], at: datetime) -> int:
    """Cases open at ``at``: opened at or before it, and not resolved by then (or still open now)."""
    return sum(1 for c in _counted(cases) if _open_at(c, at))


def oldest_open(cases: Iterable[CaseFacts], at: datetime) -> CaseFacts | None:
    """The open case with the earliest ``opened_at`` at ``at`` (lowest id on a tie); None if none is open."""
    candidates = [c for c in _counted(cases) if _open_at(c, at)]
    if not candidates:
        return None
    return min(candidates, key=lambda c: (c.opened_at, c.case_id))


# --- all of it at once ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Summary:
    """Every figure above for one group of cases over one period; backlog is taken at ``period.end``."""

    period: Period
    opened: int
    answered: int
    frt_median: timedelta | None
    frt_p90: timedelta | None
    sla_met: int
    sla_counted: int
    resolved: int
    resolution_rate: float | None
    fcr: float | None
    aht: timedelta | None
    backlog: int
    oldest_open: CaseFacts | None

    @property
    def sla_compliance(self) -> float | None:
        return self.sla_met / self.sla_counted if self.sla_counted else None


def summarize(cases: Iterable[CaseFacts], period: Period) -> Summary:
    facts = _counted(cases)
    met, counted = sla_tally(facts, period)
    return Summary(
        period=period,
        opened=volume(facts, period),
        answered=answered(facts, period),
        frt_median=frt_median(facts, period),
        frt_p90=frt_p90(facts, period),
        sla_met=met,
        sla_counted=counted,
        resolved=resolved(facts, period),
        resolution_rate=resolution_rate(facts, period),
        fcr=first_contact_resolution(facts, period),
        aht=average_handling_time(facts, period),
        backlog=open_backlog(facts, period.end),
        oldest_open=oldest_open(facts, period.end),
    )


def summarize_by_team(
    cases: Iterable[CaseFacts], period: Period, *, teams: Sequence[str] = ()
) -> dict[str, Summary]:
    """One `Summary` per team (the case's current team), ``teams`` first in their order (even when they
    had nothing), then any other team found in the data, alphabetically (a team renamed in the config
    still has its old cases)."""
    by_team: dict[str, list[CaseFacts]] = {name: [] for name in teams}
    extra: dict[str, list[CaseFacts]] = {}
    for case in _counted(cases):
        (by_team if case.team in by_team else extra).setdefault(case.team, []).append(case)
    ordered = {**by_team, **dict(sorted(extra.items()))}
    return {name: summarize(group, period) for name, group in ordered.items()}
