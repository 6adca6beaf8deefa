from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socialdesk.domain.enums import Sentiment
from socialdesk.triage import vader as sentiment
from socialdesk.triage.features import featurize
from socialdesk.triage.vader import SentimentScore, band_of, score


@pytest.mark.parametrize(
    ("compound", "band"),
    [
        (-1.0, Sentiment.VERY_NEGATIVE),
        (-0.5, Sentiment.VERY_NEGATIVE),  # boundary is inclusive
        (-0.4999, Sentiment.NEGATIVE),
        (-0.0501, Sentiment.NEGATIVE),
        (-0.05, Sentiment.NEUTRAL),  # "< -0.05" is negative, so -0.05 itself is neutral
        (0.0, Sentiment.NEUTRAL),
        (0.05, Sentiment.NEUTRAL),  # "<= 0.05" is neutral
        (0.0501, Sentiment.POSITIVE),
        (0.4999, Sentiment.POSITIVE),
        (0.5, Sentiment.VERY_POSITIVE),
        (1.0, Sentiment.VERY_POSITIVE),
        (-7.0, Sentiment.VERY_NEGATIVE),  # out of range clamps
        (7.0, Sentiment.VERY_POSITIVE),
        (math.nan, Sentiment.NEUTRAL),
    ],
)
def test_band_of(compound: float, band: Sentiment) -> None:
    assert band_of(compound) is band


def test_bands_are_monotonic() -> None:
    order = list(Sentiment)  # VERY_NEGATIVE .. VERY_POSITIVE
    ranks = [order.index(band_of(x / 100)) for x in range(-100, 101)]
    assert ranks == sorted(ranks)


def test_clearly_negative_text() -> None:
    result = score("Absolutely terrible service, I hate this and want my money back")
    assert result.compound <= -0.5
    assert result.band is Sentiment.VERY_NEGATIVE


def test_clearly_positive_text() -> None:
    result = score("Thank you so much, the team was great!")
    assert result.compound >= 0.5
    assert result.band is Sentiment.VERY_POSITIVE


def test_plain_question_is_neutral() -> None:
    assert score("What time does the store open on Sunday?").band is Sentiment.NEUTRAL


def test_negation_is_understood() -> None:
    assert score("I am not happy").band in (Sentiment.NEGATIVE, Sentiment.VERY_NEGATIVE)


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_blank_text_is_neutral(text: str) -> None:
    assert score(text) == SentimentScore(0.0, Sentiment.NEUTRAL)


def test_one_analyzer_is_built_and_reused() -> None:
    score("warm it up")
    first = sentiment.analyzer()
    score("again")
    featurize("the triage features read the same lexicon")
    assert sentiment.analyzer() is first


@given(st.text(max_size=200))
def test_any_text_scores_in_range_with_a_consistent_band(text: str) -> None:
    result = score(text)
    assert -1.0 <= result.compound <= 1.0
    assert result.band is band_of(result.compound)
