"""The ingest, spike and replica benchmarks at a few dozen mentions, so they keep working between full runs.

Small sizes, the Slack stand-in's pace shortened to 50 ms per channel (the pacing and 429 path still
run), and the same figures checked as at full size: nothing lost, nothing twice, Slack's pace kept.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.ingest import pipeline_lines, run_pipeline
from benchmarks.pipeline_watch import percentile
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
    # The stages' times: every case before everything was visible, every P1/P2 card by then too.
    m, t = result.milestones, result.tally
    assert m.all_cases is not None and m.all_cases <= result.visible_after
    assert t.urgent > 0 and t.urgent_carded == t.urgent  # the texts include outage complaints (P2)
    assert m.urgent_cards is not None and m.all_cases <= m.urgent_cards <= result.visible_after


def test_ingest_small_measures_cases_cards_latency_statements_and_the_floor(tmp_path: Path) -> None:
    run, floor = run_pipeline(40, 8, tmp_path, None, timeout=120)

    assert run.load.statuses == {200: 40}
    assert run.cards_done is not None
    assert run.cases == run.cards == 40  # every mention seen as a case, every card timed at the stand-in
    assert run.cases_per_second() > 0 and run.cards_per_second() > 0
    for latencies in (run.times.to_case(), run.times.to_card()):
        assert len(latencies) == 40 and 0 < percentile(latencies, 50) <= percentile(latencies, 99) < 120
    # Counted inside `serve`: the ingest stage wrote cases, the outbox stage marked cards sent.
    ingest, outbox = run.census.totals["ingest"], run.census.totals["outbox"]
    assert ingest["statements"] > 0 and ingest["commits"] > 0
    assert outbox["statements"] > 0 and outbox["commits"] > 0
    # The cases were inserted by the ingest stage (one by one or in bulk), not by a job or a request.
    ingest_ran = run.census.statements["ingest"]
    assert any(name in ("INSERT case", "INSERT case (many)") for name in ingest_ran)
    assert floor.mentions == 40 and floor.cases_per_second > 0 and floor.cards_per_second > 0
    printed = "\n".join(pipeline_lines(run, floor, 40))
    assert "cases/s" in printed and "ratio pipeline/floor" in printed and "per case: statements" in printed


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
