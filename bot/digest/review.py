"""The weekly improvement review: this week's figures against the four weeks before, by the rule in
`metrics.unusual` (outside mean ± 2 sd, with a floor per figure), and the canned replies and routes
whose cases ended worst (`metrics.worst_outcomes`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta

from socialdesk.domain import metrics
from socialdesk.domain.digest import Review
from socialdesk.domain.metrics import Figures, Outcome, Period
from socialdesk.domain.ratings import average, counts_by_stars
from socialdesk.domain.triage_review import TriageReview
from socialdesk.store.digest_repo import PeriodTallies

MIN_CASES = 10  # a canned reply or route needs this many resolved cases in the week to be ranked
# A review source's weekly average rating is judged by the same rule as every figure: outside the mean
# ± 2 sd of the four weeks before, and by more than a fifth of a star (four steady weeks have sd 0).
RATING_FLOOR = 0.2
MIN_RATINGS = 5  # fewer reviews in the week is anecdote: one angry review is not a trend
WORST = 3

Histograms = Mapping[str, Mapping[str, Mapping[int, int]]]  # team -> kind -> {score: answers}


def _minutes(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds() / 60


def _relative(share: float, smallest: float) -> Callable[[float], float]:
    """A floor that scales with the figure: ``max(share x mean, smallest)``."""
    return lambda mean: max(share * abs(mean), smallest)


def _absolute(points: float) -> Callable[[float], float]:
    return lambda _mean: points


# What is checked, and the smallest move that counts as more than noise for each (the rule's floor):
# counts and durations by 10 % of their usual level, ratios by 2 points, NPS by 5 points.
CHECKS: list[tuple[str, str, Callable[[Figures], float | None], Callable[[float], float]]] = [
    ("Cases opened", "", lambda f: float(f.opened), _relative(0.10, 5)),
    ("Median first response", "minutes", lambda f: _minutes(f.frt_median), _relative(0.10, 1)),
    ("First response p90", "minutes", lambda f: _minutes(f.frt_p90), _relative(0.10, 1)),
    ("SLA met", "ratio", lambda f: f.sla_compliance, _absolute(0.02)),
    ("Resolution rate", "ratio", lambda f: f.resolution_rate, _absolute(0.02)),
    ("First-contact resolution", "ratio", lambda f: f.fcr, _absolute(0.02)),
    ("Avg handling time", "minutes", lambda f: _minutes(f.aht), _relative(0.10, 1)),
]


def _merged(histograms: Histograms, kind: str) -> dict[int, int]:
    out: dict[int, int] = {}
    for kinds in histograms.values():
        for score, n in kinds.get(kind, {}).items():
            out[score] = out.get(score, 0) + n
    return out


def build_review(
    weeks_tallies: Sequence[PeriodTallies],
    weeks_surveys: Sequence[Histograms],
    *,
    routes: Sequence[Outcome],
    canned: Sequence[Outcome],
    weeks: Sequence[Period],
    canned_titles: Mapping[str, str],
    triage: TriageReview | None = None,
    weeks_ratings: Sequence[Mapping[str, Mapping[int, int]]] = (),
) -> Review:
    """``weeks_tallies[0]`` and ``weeks_surveys[0]`` are this week, the rest the previous weeks, newest
    first; ``weeks`` are those previous weeks."""
    figures = [metrics.figures(t.overall) for t in weeks_tallies]
    shifts: list[metrics.Shift] = []
    steady: list[str] = []
    values: list[tuple[str, str, list[float | None], Callable[[float], float]]] = [
        (name, unit, [get(f) for f in figures], floor) for name, unit, get, floor in CHECKS
    ]
    values.append(
        ("CSAT", "ratio", [metrics.csat(_merged(s, "csat")) for s in weeks_surveys], _absolute(0.02))
    )
    values.append(("NPS", "", [metrics.nps(_merged(s, "nps")) for s in weeks_surveys], _absolute(5)))
    for name, unit, series, floor in values:
        current, history = series[0], series[1:]
        known = [v for v in history if v is not None]
        mean = sum(known) / len(known) if known else 0.0
        shift = metrics.unusual(name, current, history, floor=floor(mean), unit=unit)
        if shift is not None:
            shifts.append(shift)
        elif current is not None and len(known) >= 3:
            steady.append(name)
    return Review(
        weeks=list(weeks),
        shifts=shifts,
        steady=steady,
        worst_canned=metrics.worst_outcomes(canned, min_cases=MIN_CASES, limit=WORST),
        worst_routes=metrics.worst_outcomes(routes, min_cases=MIN_CASES, limit=WORST),
        min_cases=MIN_CASES,
        canned_titles=dict(canned_titles),
        triage=triage,
        rating_drops=rating_drops(weeks_ratings),
    )


def rating_drops(weeks_ratings: Sequence[Mapping[str, Mapping[int, int]]]) -> list[metrics.Shift]:
    """The review sources whose average rating this week (``weeks_ratings[0]``, platform -> {stars:
    reviews}) fell beyond the normal variation of the weeks before (the rest, newest first). A rise is
    good news, not a flag; a week with fewer than `MIN_RATINGS` reviews is not judged."""
    if not weeks_ratings:
        return []
    drops: list[metrics.Shift] = []
    for platform in sorted(weeks_ratings[0]):
        series = [counts_by_stars(week.get(platform, {})) for week in weeks_ratings]
        if sum(series[0]) < MIN_RATINGS:
            continue
        shift = metrics.unusual(
            platform, average(series[0]), [average(s) for s in series[1:]], floor=RATING_FLOOR, unit="stars"
        )
        if shift is not None and shift.direction == "down":
            drops.append(shift)
    return drops
