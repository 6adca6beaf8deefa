"""VADER: its compound score banded into five steps, and the one shared analyzer.

Triage's sentiment is a learned model (bot/triage/path.py); VADER's scores are among its features
(bot/triage/features.py) and `score` is the old sentiment the triage benchmark's baseline measures.
Building the analyzer reads its lexicon files, which takes long enough to matter per message, so one
analyzer is built on first use and shared; `polarity_scores` only reads the lexicon, so sharing it
between threads is safe.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from socialdesk.domain.enums import Sentiment

# Upper bounds of each band, inclusive where the brief says "<=" (see band_of).
VERY_NEGATIVE_AT_MOST = -0.5
NEGATIVE_BELOW = -0.05
NEUTRAL_AT_MOST = 0.05
POSITIVE_BELOW = 0.5


@dataclass(frozen=True, slots=True)
class SentimentScore:
    compound: float  # -1.0 (most negative) .. +1.0 (most positive)
    band: Sentiment


_lock = threading.Lock()
_analyzer: SentimentIntensityAnalyzer | None = None


def analyzer() -> SentimentIntensityAnalyzer:
    """The one VADER analyzer of the process (the baseline here, a feature in bot/triage/features.py)."""
    global _analyzer
    if _analyzer is None:
        with _lock:  # two first messages at once must not both pay for the lexicon load
            if _analyzer is None:
                _analyzer = SentimentIntensityAnalyzer()
    return _analyzer


def band_of(compound: float) -> Sentiment:
    """Band a compound score; out-of-range values clamp, NaN counts as neutral."""
    if math.isnan(compound):
        return Sentiment.NEUTRAL
    if compound <= VERY_NEGATIVE_AT_MOST:
        return Sentiment.VERY_NEGATIVE
    if compound < NEGATIVE_BELOW:
        return Sentiment.NEGATIVE
    if compound <= NEUTRAL_AT_MOST:
        return Sentiment.NEUTRAL
    if compound < POSITIVE_BELOW:
        return Sentiment.POSITIVE
    return Sentiment.VERY_POSITIVE


def score(text: str) -> SentimentScore:
    """Score one mention. Empty or whitespace-only text is neutral without touching VADER."""
    if not text.strip():
        return SentimentScore(0.0, Sentiment.NEUTRAL)
    compound = float(analyzer().polarity_scores(text)["compound"])
    return SentimentScore(compound, band_of(compound))
