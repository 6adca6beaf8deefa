"""The spike and replica benchmarks at a few dozen mentions, so they keep working between full runs.

Small sizes, the Slack stand-in's pace shortened to 50 ms per channel (the pacing and 429 path still
run), and the same figures checked as at full size: nothing lost, nothing twice, Slack's pace kept.
"""

from __future__ import annotations

import pytest

from benchmarks.replicas import run_replicas
from benchmarks.spike import run_spike
from tests import support

PACE = 0.05  # seconds between two writes to one channel, at the stand-in and in serve


def test_spike_small_loses_nothing_posts_nothing_twice_and_keeps_the_pace() -> None:
    result = run_spike(60, 3.0, 3, interval=PACE, settle_timeout=120)

    assert result.statuses == {200: 60}
    assert result.tally.lost == 0 and result.tally.accepted == 60
    assert (result.tally.duplicate_mentions, result.tally.duplicate_posts, result.tally.duplicate_cards) == (
        0,
        0,
        0,
    )
    assert result.visible_after is not None and result.tally.visible == result.tally.cases == 60
    assert 1 <= result.max_per_second <= round(1 / PACE)  # the stand-in refused anything faster
    assert result.peak_rss_mb is not None and result.peak_rss_mb > 0


@pytest.mark.postgres
@pytest.mark.skipif(not support.postgres_url(), reason="needs PostgreSQL: two replicas and the advisory lock")
def test_replicas_small_one_killed_loses_nothing_and_posts_nothing_twice() -> None:
    url = support.postgres_url()
    assert url is not None
    result = run_replicas(url, 80, 4.0, 2, interval=PACE, settle_timeout=120)

    assert result.killed, "no leader was found to kill"
    assert result.tally.lost == 0 and result.tally.accepted == 80
    assert (result.tally.duplicate_mentions, result.tally.duplicate_posts, result.tally.duplicate_cards) == (
        0,
        0,
        0,
    )
    assert result.takeover is not None and result.takeover < 60
    assert result.visible_after is not None
