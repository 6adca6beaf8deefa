"""A review's stars (issue 15): what a valid rating is and how it is written, for triage, the card,
`/social show` and the digest alike."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

MIN_RATING = 1
MAX_RATING = 5
RATINGS = tuple(range(MIN_RATING, MAX_RATING + 1))


def valid_rating(rating: object) -> int | None:
    """The rating when it is one of 1..5 stars, else None (a source's bad value is not a verdict)."""
    if not isinstance(rating, int) or isinstance(rating, bool) or not MIN_RATING <= rating <= MAX_RATING:
        return None
    return rating


def stars(rating: int) -> str:
    """``★★☆☆☆ 2/5``: the stars as the stores draw them, filled then empty, and the figure."""
    filled = max(0, min(MAX_RATING, rating))
    return "★" * filled + "☆" * (MAX_RATING - filled) + f" {rating}/{MAX_RATING}"


def review_phrase(rating: int) -> str:
    """How a priority reason names the rating: "2-star review"."""
    return f"{rating}-star review"


def counts_by_stars(histogram: Mapping[int, int]) -> tuple[int, ...]:
    """Reviews with 1..5 stars, in that order (other values left out)."""
    return tuple(int(histogram.get(r, 0)) for r in RATINGS)


def average(by_stars: Sequence[int]) -> float | None:
    """The mean rating of reviews counted by stars (index 0 is one star); None without reviews."""
    total = sum(by_stars)
    if not total:
        return None
    return sum(stars_ * n for stars_, n in zip(RATINGS, by_stars, strict=False)) / total
