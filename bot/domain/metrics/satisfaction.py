"""Satisfaction from survey answers (`SurveyResponse`): CSAT on a 1-5 scale, NPS on 0-10.

Both take a histogram ``{score: number of answers}`` (SQL groups the answers; tests write it by hand).
Scores outside the scale are ignored rather than trusted: a survey tool misconfigured to send 1-10 to
a CSAT question must not produce a 180 % satisfaction.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["csat", "csat_mean", "nps", "responses"]

CSAT_SCALE = range(1, 6)
NPS_SCALE = range(0, 11)


def responses(histogram: Mapping[int, int], scale: range) -> int:
    """How many answers fall on ``scale``."""
    return sum(n for score, n in histogram.items() if score in scale)


def csat(histogram: Mapping[int, int]) -> float | None:
    """CSAT: the share of satisfied answers, ``count(score in 4..5) / count(score in 1..5)``.
    None when nobody answered."""
    total = responses(histogram, CSAT_SCALE)
    if not total:
        return None
    return sum(n for score, n in histogram.items() if score in (4, 5)) / total


def csat_mean(histogram: Mapping[int, int]) -> float | None:
    """The mean CSAT score, ``sum(score) / count`` over answers in 1..5. None when nobody answered."""
    total = responses(histogram, CSAT_SCALE)
    if not total:
        return None
    return sum(score * n for score, n in histogram.items() if score in CSAT_SCALE) / total


def nps(histogram: Mapping[int, int]) -> float | None:
    """Net Promoter Score, in points from -100 to 100:
    ``100 * (count(score in 9..10) - count(score in 0..6)) / count(score in 0..10)``
    (promoters minus detractors; passives, 7-8, count only in the total). None when nobody answered."""
    total = responses(histogram, NPS_SCALE)
    if not total:
        return None
    promoters = sum(n for score, n in histogram.items() if score in (9, 10))
    detractors = sum(n for score, n in histogram.items() if 0 <= score <= 6)
    return 100 * (promoters - detractors) / total
