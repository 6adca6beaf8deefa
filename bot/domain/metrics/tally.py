"""The counts behind a group's figures for one period, and the figures drawn from them.

`tally_of` counts them from `CaseFacts` with the functions in `core`, the definitions. The digest
gets the same counts from SQL (`socialdesk.store.digest_repo.tallies`), because a week of a busy desk is too
many rows to copy into Python; `tests/integration/test_digest_sql.py` checks that both agree on the
same cases. `figures` then turns either into ratios and durations, in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from socialdesk.domain.enums import CaseStatus
from socialdesk.domain.metrics.core import (
    CaseFacts,
    first_response_times,
    is_first_contact,
    median,
    nearest_rank,
    sla_tally,
)
from socialdesk.domain.metrics.period import Period

__all__ = [
    "Figures",
    "Tally",
    "WaitStats",
    "change",
    "figures",
    "point_change",
    "quickest_reopen",
    "tally_of",
    "wait_stats",
]

RESOLUTION_KINDS = frozenset({"resolved", "spam"})  # case_event kinds that close a case
REOPEN_KIND = "reopened"


@dataclass(frozen=True, slots=True)
class WaitStats:
    """A sample of first response times, summarised: how many, `median`, and p90 by `nearest_rank`."""

    count: int = 0
    median: timedelta | None = None
    p90: timedelta | None = None


def wait_stats(waits: Sequence[timedelta]) -> WaitStats:
    """``WaitStats(len, median, nearest-rank p90)`` of ``waits`` (`core.frt_median`, `core.frt_p90`)."""
    return WaitStats(len(waits), median(waits), nearest_rank(waits, 90))


@dataclass(frozen=True, slots=True)
class Tally:
    """What a period adds up to for one group (a team, or everyone), before any division."""

    opened: int = 0  # `volume`
    answered: int = 0  # `answered`
    sla_met: int = 0  # `sla_tally`
    sla_counted: int = 0
    resolved: int = 0  # `resolved`
    resolved_of_opened: int = 0  # the `resolution_rate` numerator: opened in the period, resolved by its end
    replied_resolved: int = 0  # the FCR denominator: resolved in the period with at least one reply
    first_contact: int = 0  # the FCR numerator (`is_first_contact`)
    handled: int = 0  # the AHT denominator: claimed cases resolved in the period
    handling: timedelta = timedelta(0)  # the AHT numerator: sum of resolved_at - claimed_at over them
    frt_median: timedelta | None = None  # `frt_median`
    frt_p90: timedelta | None = None  # `frt_p90`


def tally_of(cases: Iterable[CaseFacts], period: Period) -> Tally:
    """The `Tally` of ``cases`` over ``period``, from the figure definitions in `core`."""
    facts = [c for c in cases if not c.is_spam]
    met, counted = sla_tally(facts, period)
    waits = first_response_times(facts, period)
    opened = [c for c in facts if c.opened_at in period]
    done = [c for c in facts if c.status is CaseStatus.RESOLVED and c.resolved_at in period]
    replied = [c for c in done if c.reply_count >= 1]
    claimed = [c for c in done if c.claimed_at is not None and c.resolved_at is not None]
    handling = sum(
        (max(c.resolved_at - c.claimed_at, timedelta(0)) for c in claimed if c.resolved_at and c.claimed_at),
        timedelta(0),
    )
    return Tally(
        opened=len(opened),
        answered=sum(1 for c in facts if c.first_response_at in period),
        sla_met=met,
        sla_counted=counted,
        resolved=len(done),
        resolved_of_opened=sum(
            1
            for c in opened
            if c.status is CaseStatus.RESOLVED and c.resolved_at is not None and c.resolved_at < period.end
        ),
        replied_resolved=len(replied),
        first_contact=sum(
            1
            for c in replied
            if is_first_contact(c.reply_count, c.escalation_count, c.reopen_count, c.quickest_reopen)
        ),
        handled=len(claimed),
        handling=handling,
        frt_median=median(waits),
        frt_p90=nearest_rank(waits, 90),
    )


@dataclass(frozen=True, slots=True)
class Figures:
    """One group's figures for one period: counts as they are, ratios in [0, 1], durations; None is
    "nothing to measure" (see the package docstring)."""

    opened: int
    answered: int
    frt_median: timedelta | None
    frt_p90: timedelta | None
    sla_met: int
    sla_counted: int
    sla_compliance: float | None
    resolved: int
    resolution_rate: float | None
    fcr: float | None
    aht: timedelta | None


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def figures(tally: Tally) -> Figures:
    """Ratios and means from a `Tally`:

    - SLA compliance ``sla_met / sla_counted`` (`core.sla_compliance`);
    - resolution rate ``resolved_of_opened / opened`` (`core.resolution_rate`);
    - FCR ``first_contact / replied_resolved`` (`core.first_contact_resolution`);
    - AHT ``handling / handled`` (`core.average_handling_time`).
    """
    return Figures(
        opened=tally.opened,
        answered=tally.answered,
        frt_median=tally.frt_median,
        frt_p90=tally.frt_p90,
        sla_met=tally.sla_met,
        sla_counted=tally.sla_counted,
        sla_compliance=_ratio(tally.sla_met, tally.sla_counted),
        resolved=tally.resolved,
        resolution_rate=_ratio(tally.resolved_of_opened, tally.opened),
        fcr=_ratio(tally.first_contact, tally.replied_resolved),
        aht=tally.handling / tally.handled if tally.handled else None,
    )


def change(current: float | timedelta | None, previous: float | timedelta | None) -> float | None:
    """Relative change against the previous period, for counts and durations:
    ``(current - previous) / previous``, so +0.25 reads "25 % more".

    None when either value is missing, or the previous one is zero: there is no base to compare with
    (going from 0 to 12 cases is not "infinitely more").
    """
    if current is None or previous is None:
        return None
    now = current.total_seconds() if isinstance(current, timedelta) else float(current)
    before = previous.total_seconds() if isinstance(previous, timedelta) else float(previous)
    if before == 0:
        return None
    return (now - before) / before


def point_change(current: float | None, previous: float | None) -> float | None:
    """Change of a ratio in points: ``current - previous`` (0.92 after 0.89 is +0.03, "+3 pts").

    Ratios are compared by difference, not relative change: 50 % to 55 % is "+5 pts", which is what a
    manager means, rather than "+10 %". None when either is missing.
    """
    if current is None or previous is None:
        return None
    return current - previous


def quickest_reopen(trail: Sequence[tuple[datetime, str]]) -> timedelta | None:
    """From a case's events ``(at, kind)``, the shortest time between a resolution (``resolved`` or
    ``spam``) and the ``reopened`` event that undid it: ``min(reopen.at - latest resolution before it)``.

    None when the case was never reopened, or when a reopen has no resolution before it in the trail
    (then its timing is unknown, and `core.is_first_contact` treats it as a quick reopen).
    """
    last_closed: datetime | None = None
    gaps: list[timedelta] = []
    for at, kind in sorted(trail, key=lambda event: event[0]):
        if kind in RESOLUTION_KINDS:
            last_closed = at
        elif kind == REOPEN_KIND:
            if last_closed is None:
                return None
            gaps.append(at - last_closed)
            last_closed = None
    return min(gaps) if gaps else None
