"""The improvement review's two questions: which figures moved beyond their normal variation this week,
and which canned replies and routes lead to the worst outcomes.

The domain material asks managers to monitor the effect of changes with data; these rules make "is
this week unusual?" a fixed, explainable test rather than a feeling.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Outcome", "Shift", "unusual", "worst_outcomes"]


@dataclass(frozen=True, slots=True)
class Shift:
    """A figure outside its normal band this week."""

    metric: str
    current: float
    mean: float  # of the previous weeks
    sd: float  # sample standard deviation of the previous weeks
    low: float  # the band: mean - half_width
    high: float  # mean + half_width
    unit: str = ""  # how a renderer shows the values: "ratio", "minutes" or "" (a plain number)

    @property
    def direction(self) -> str:
        return "up" if self.current > self.high else "down"


def unusual(
    metric: str,
    current: float | None,
    history: Sequence[float | None],
    *,
    sigmas: float = 2.0,
    floor: float = 0.0,
    min_history: int = 3,
    unit: str = "",
) -> Shift | None:
    """The rule: flag ``current`` when it lies outside ``mean ± max(sigmas * sd, floor)`` of ``history``.

    ``history`` is the previous weeks (four in the weekly review); ``sd`` is the sample standard
    deviation (n - 1). Weeks with nothing to measure (None) are dropped, and with fewer than
    ``min_history`` weeks left there is no "normal" to compare with, so nothing is flagged. ``floor`` is
    the smallest half-width the caller accepts as meaningful (e.g. 2 points of SLA): four quiet weeks
    with the same figure have sd 0, and without a floor any wobble would be flagged.
    The band's edges themselves are normal: only values strictly outside are flagged.
    """
    known = [float(v) for v in history if v is not None]
    if current is None or len(known) < max(min_history, 2):
        return None
    mean = statistics.fmean(known)
    sd = statistics.stdev(known)
    half = max(sigmas * sd, floor)
    low, high = mean - half, mean + half
    if low <= current <= high or math.isclose(current, low) or math.isclose(current, high):
        return None
    return Shift(metric=metric, current=float(current), mean=mean, sd=sd, low=low, high=high, unit=unit)


@dataclass(frozen=True, slots=True)
class Outcome:
    """How the cases that used one canned reply (or went down one route) ended, over the week."""

    name: str
    cases: int  # answered cases resolved in the week
    first_contact: int  # of them, settled at first contact (`core.is_first_contact`)
    reopened: int  # of them, reopened at least once
    csat_good: int = 0  # CSAT answers of 4-5 for those cases
    csat_answers: int = 0  # CSAT answers (1-5) for those cases

    @property
    def fcr(self) -> float | None:
        return self.first_contact / self.cases if self.cases else None

    @property
    def reopen_rate(self) -> float | None:
        return self.reopened / self.cases if self.cases else None

    @property
    def csat(self) -> float | None:
        return self.csat_good / self.csat_answers if self.csat_answers else None


def worst_outcomes(rows: Sequence[Outcome], *, min_cases: int = 10, limit: int = 3) -> list[Outcome]:
    """The ``limit`` worst of ``rows`` with at least ``min_cases`` cases (fewer is anecdote, not data).

    Worst means: lowest FCR (``first_contact / cases``), then highest reopen rate
    (``reopened / cases``), then lowest CSAT (share of 4-5 answers; no answers sorts as best, since
    there is no evidence against it), then name.
    """
    eligible = [r for r in rows if r.cases >= max(min_cases, 1)]
    eligible.sort(
        key=lambda r: (
            r.fcr if r.fcr is not None else 1.0,
            -(r.reopen_rate or 0.0),
            r.csat if r.csat is not None else 2.0,
            r.name,
        )
    )
    return eligible[:limit]
