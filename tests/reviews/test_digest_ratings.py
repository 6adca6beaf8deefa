"""Ratings in the digest (issue 15 item 5): per review source, the average rating and the reviews by
stars against the previous period, and the weekly review flagging a source whose rating fell beyond its
normal variation (the rule of `metrics.unusual`: outside the mean ± 2 sd of the four weeks before, by
more than a fifth of a star). Every figure below is worked out by hand from the reviews the test posts."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import pytest

from socialdesk.digest.build import DigestBuilder, daily_key, weekly_key
from socialdesk.digest.review import rating_drops
from socialdesk.domain.digest import Digest
from socialdesk.slack.blocks.digest_view import render_digest
from socialdesk.testing import START, Desk
from socialdesk.testing.reading import block_texts
from tests.reviews.shop import page, review

DAY = START.date()  # Tuesday 24 Nov 2026; the sample config's zone (London) is UTC in November
_ids = iter(range(1, 10_000))


def _post(desk: Desk, day: date, *ratings: int, text: str = "") -> None:
    at = datetime(day.year, day.month, day.day, 8, 0, tzinfo=START.tzinfo)
    reviews = [
        review(f"r{n}", r, text or f"{r} stars from me", at, author=f"customer{n}")
        for n, r in ((next(_ids), r) for r in ratings)
    ]
    desk.accept_page("shop", page(*reviews))


def _build(desk: Desk, kind: str) -> Digest:
    config = desk.runtime.config
    key = daily_key(DAY, config) if kind == "daily" else weekly_key(DAY, config)
    return DigestBuilder(engine=desk.runtime.engine, config=config).build(key, now=START)


def _text(digest: Digest) -> str:
    return "\n".join(block_texts(render_digest(digest).blocks))


@pytest.fixture
def reviewed(desk: Desk) -> Desk:
    _post(desk, DAY, 1, 1, 2, 3, 5)  # today
    _post(desk, DAY, 1, text="FREE FOLLOWERS!!! click here to get 10k followers now, link in bio")  # spam
    _post(desk, DAY - timedelta(days=1), 5, 4)  # yesterday, the same week
    # One day in each of the four weeks before (Mondays): 4.5, 4.6, 4.25, 4.5.
    for weeks_back, ratings in (
        (1, (5, 4, 5, 4)),
        (2, (4, 5, 4, 5, 5)),
        (3, (4, 4, 5, 4)),
        (4, (5, 4, 4, 5)),
    ):
        _post(desk, DAY - timedelta(days=7 * weeks_back + 1), *ratings)
    desk.settle()
    return desk


def test_the_daily_digest_shows_each_sources_average_and_stars_against_the_day_before(reviewed: Desk) -> None:
    digest = _build(reviewed, "daily")

    [shop] = digest.ratings
    assert shop.platform == "shop"
    # Today 1, 1, 2, 3, 5 (the spam review left out): by stars 1★ 2, 2★ 1, 3★ 1, 4★ 0, 5★ 1; 12 / 5 = 2.4.
    assert shop.now == (2, 1, 1, 0, 1)
    assert shop.average_now == pytest.approx(2.4)
    # Yesterday 5, 4: 9 / 2 = 4.5; the change 2.4 - 4.5 = -2.1.
    assert shop.before == (0, 0, 0, 1, 1)
    assert shop.average_before == pytest.approx(4.5)
    assert shop.change == pytest.approx(-2.1)

    text = _text(digest)
    assert "Ratings by review source" in text
    # 5 reviews against 2: +150 %.
    assert (
        "*Shop Reviews* 2.40★ ▼ 2.10★ (was 4.50★) · 5 ▲ 150% reviews · 5★ 1 · 4★ 0 · 3★ 1 · 2★ 1 · 1★ 2"
        in text
    )


def test_the_weekly_review_flags_a_source_whose_rating_fell_beyond_normal_variation(reviewed: Desk) -> None:
    digest = _build(reviewed, "weekly")

    [shop] = digest.ratings
    # This week 1, 1, 2, 3, 5, 5, 4: 21 / 7 = 3.0; last week 5, 4, 5, 4: 4.5.
    assert shop.average_now == pytest.approx(3.0) and shop.average_before == pytest.approx(4.5)
    assert digest.review is not None
    [drop] = digest.review.rating_drops
    # The four weeks before: 4.5, 4.6, 4.25, 4.5; mean 4.4625, sample sd sqrt(0.066875 / 3) = 0.1493;
    # the band 4.4625 ± 2 x 0.1493 (more than the 0.2 floor): 4.164 to 4.761; 3.0 is below it.
    sd = math.sqrt(0.066875 / 3)
    assert drop.metric == "shop" and drop.current == pytest.approx(3.0)
    assert drop.mean == pytest.approx(4.4625) and drop.sd == pytest.approx(sd)
    assert drop.low == pytest.approx(4.4625 - 2 * sd) and drop.high == pytest.approx(4.4625 + 2 * sd)
    assert "▼ *Shop Reviews rating* fell to 3.00★, usually 4.16★ to 4.76★" in _text(digest)


def test_only_a_fall_beyond_the_band_with_enough_reviews_is_flagged() -> None:
    steady = {4: 5, 5: 5}  # 4.5 every week
    weeks = [
        {
            "fell": {1: 3, 2: 2},  # 1.4, far below 4.5 ± 0.2 (sd 0: the floor)
            "wobbled": {4: 6, 5: 4},  # 4.4: inside the floor's band
            "rose": {5: 10},  # 5.0: above, good news, no flag
            "few": {1: 4},  # four reviews: not judged
        },
        *[{"fell": steady, "wobbled": steady, "rose": steady, "few": steady} for _ in range(4)],
    ]
    [drop] = rating_drops(weeks)
    assert drop.metric == "fell" and drop.current == pytest.approx(1.4)
    assert (drop.low, drop.high) == (pytest.approx(4.3), pytest.approx(4.7))
    # With fewer than three earlier weeks holding reviews there is no "normal" to fall from.
    assert rating_drops([{"fell": {1: 5}}, {"fell": steady}, {}, {}, {}]) == []
