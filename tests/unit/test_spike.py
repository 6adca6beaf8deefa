"""The early warning's maths: the spike rule, counting a topic's window and baseline, the closed-hour
counts, and the episode steps (one alert per burst)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest

from socialdesk.crisis.spike import (
    Episode,
    HourCounts,
    Move,
    NegativePost,
    assess,
    expected_per_window,
    floor_hour,
    next_move,
    read_topic,
)
from socialdesk.domain.enums import Platform
from socialdesk.domain.playbooks.schema import Detection

NOW = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)
DETECTION = Detection(keywords=["login", "down"], window_minutes=5, baseline_hours=24, min_count=10)
_ids = count(1)


def post(
    at: datetime, text: str = "login is down", *, platform: Platform = Platform.X, score: float = -0.6
) -> NegativePost:
    return NegativePost(next(_ids), at, platform, score, text, None)


def test_expected_is_the_baseline_scaled_to_one_window() -> None:
    # 2 per 5 min for a day: 574 posts over the 23 h 55 min before the window.
    assert expected_per_window(574, timedelta(minutes=5), timedelta(hours=24) - timedelta(minutes=5)) == 2.0
    assert expected_per_window(0, timedelta(minutes=5), timedelta(hours=1)) == 0.0
    assert expected_per_window(10, timedelta(minutes=5), timedelta(0)) == 0.0


def test_spike_needs_min_count_and_the_factor_over_the_usual_rate() -> None:
    burst = assess(40, 574, DETECTION)
    assert burst.spike and burst.expected == pytest.approx(2.0) and burst.factor == pytest.approx(20.0)
    assert burst.threshold == pytest.approx(10.0)  # max(min_count 10, 5 x 2)
    assert not assess(9, 574, DETECTION).spike  # 4.5x the usual: under the factor
    assert assess(10, 574, DETECTION).spike  # exactly 5x and min_count
    # A quiet topic: the expected floor of 1 keeps 5 posts from alerting, min_count keeps 9 from it.
    assert not assess(9, 0, DETECTION).spike
    assert assess(10, 0, DETECTION).spike and assess(10, 0, DETECTION).factor == 10.0
    # A busy topic: 40 is nothing against a usual 20.
    busy = assess(40, 20 * 287, DETECTION)
    assert not busy.spike and busy.expected == pytest.approx(20.0) and busy.threshold == pytest.approx(100.0)


def test_an_explicit_span_replaces_the_default() -> None:
    reading = assess(10, 24, DETECTION, span=timedelta(hours=2))  # 1 per 5 min
    assert reading.expected == pytest.approx(1.0)


def test_read_topic_counts_only_negative_posts_with_a_keyword_on_watched_platforms() -> None:
    detection = DETECTION.model_copy(update={"platforms": [Platform.X, Platform.FACEBOOK]})
    closed_until = floor_hour(NOW)
    posts = [
        post(NOW - timedelta(minutes=1)),
        post(NOW - timedelta(minutes=2), "DOWN again", platform=Platform.FACEBOOK),
        post(NOW - timedelta(minutes=2), "download is slow"),  # "down" inside a word
        post(NOW - timedelta(minutes=2), "login works", score=0.4),  # not negative
        post(NOW - timedelta(minutes=2), "login broken", score=-0.04),  # above sentiment_at_most
        post(NOW - timedelta(minutes=2), "login is down", platform=Platform.REDDIT),  # not watched
        post(NOW - timedelta(minutes=20)),  # before the window, in the open hour: baseline
    ]
    reading = read_topic(detection, posts, closed={Platform.X: 3}, closed_until=closed_until, now=NOW)
    assert reading.overall.current == 2
    assert {p: r.current for p, r in reading.platforms.items()} == {Platform.X: 1, Platform.FACEBOOK: 1}
    span = (NOW - timedelta(minutes=5)) - (closed_until - timedelta(hours=24))
    assert reading.overall.expected == pytest.approx(4 * timedelta(minutes=5) / span)
    assert reading.keyword == "login"


def test_window_posts_inside_a_closed_hour_move_from_the_baseline_to_the_window() -> None:
    now = NOW.replace(minute=3)  # the window reaches back to 09:58
    closed_until = floor_hour(now - timedelta(minutes=2))  # 10:00
    early = post(closed_until - timedelta(minutes=1))  # 09:59: in the closed hour 09:00 and in the window
    reading = read_topic(DETECTION, [early], closed={Platform.X: 1}, closed_until=closed_until, now=now)
    assert reading.overall.current == 1 and reading.overall.expected == 0.0


def test_per_platform_spike_shows_even_when_the_total_is_usual() -> None:
    # Facebook is usually quiet and X busy; 12 on Facebook spikes while the total stays near usual.
    closed = Counter({Platform.X: 30 * 24 * 12})
    posts = [post(NOW - timedelta(seconds=10 + i), platform=Platform.FACEBOOK) for i in range(12)]
    posts += [post(NOW - timedelta(seconds=10 + i)) for i in range(20)]
    reading = read_topic(DETECTION, posts, closed=closed, closed_until=floor_hour(NOW), now=NOW)
    assert not reading.overall.spike
    assert reading.platforms[Platform.FACEBOOK].spike and not reading.platforms[Platform.X].spike
    assert reading.spiking


def test_hour_counts_are_read_once_and_pruned() -> None:
    hours = HourCounts()
    closed_until = floor_hour(NOW)
    wanted = hours.missing([DETECTION], closed_until)
    assert len(wanted) == 24 and min(wanted) == closed_until - timedelta(hours=24)
    hours.fill(wanted, [post(closed_until - timedelta(minutes=30)), post(closed_until - timedelta(hours=3))])
    assert hours.missing([DETECTION], closed_until) == {}
    assert hours.baseline(DETECTION, closed_until) == Counter({Platform.X: 2})
    later = closed_until + timedelta(hours=1)
    assert list(hours.missing([DETECTION], later)) == [closed_until]  # only the hour that just closed
    hours.fill(hours.missing([DETECTION], later), [])
    hours.prune([DETECTION], later)
    assert len(hours) == 24 and hours.baseline(DETECTION, later) == Counter({Platform.X: 2})
    other = DETECTION.model_copy(update={"keywords": ["refund"]})
    hours.prune([other], later)  # a reloaded playbook with other keywords: its counts start afresh
    assert len(hours) == 0 and len(hours.missing([other], later)) == 24


def test_one_alert_per_episode_and_a_new_one_only_after_calm_and_the_cooldown() -> None:
    window = timedelta(minutes=5)
    t0 = NOW
    assert next_move(None, spiking=False, now=t0, window=window) is Move.NOTHING
    assert next_move(None, spiking=True, now=t0, window=window) is Move.ALERT
    open_ = Episode(number=1, alerted_at=t0)
    assert next_move(open_, spiking=True, now=t0 + timedelta(minutes=19), window=window) is Move.NOTHING
    assert next_move(open_, spiking=False, now=t0 + timedelta(minutes=20), window=window) is Move.CALM
    calm = Episode(number=1, alerted_at=t0, calm_since=t0 + timedelta(minutes=20))
    assert next_move(calm, spiking=True, now=t0 + timedelta(minutes=22), window=window) is Move.RESUMED
    assert next_move(calm, spiking=False, now=t0 + timedelta(minutes=24), window=window) is Move.NOTHING
    assert next_move(calm, spiking=False, now=t0 + timedelta(minutes=25), window=window) is Move.CLOSE
    closed = Episode(number=1, alerted_at=t0, calm_since=t0 + timedelta(minutes=20), closed=True)
    assert next_move(closed, spiking=True, now=t0 + timedelta(minutes=59), window=window) is Move.NOTHING
    assert next_move(closed, spiking=True, now=t0 + timedelta(minutes=60), window=window) is Move.ALERT
    assert next_move(closed, spiking=False, now=t0 + timedelta(hours=3), window=window) is Move.NOTHING
