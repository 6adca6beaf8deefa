"""The outbox under a flood: a 429 storm costs at most one Slack call per channel per Retry-After, however
often the sender is asked to drain; and two pipelines ingesting one crowd at once never put a case in
two roll-ups or leave one with neither a card nor a roll-up (run on PostgreSQL for real concurrency)."""

from __future__ import annotations

import math
import threading
from collections import Counter
from datetime import timedelta

from sqlmodel import Session, select

from socialdesk.app import Runtime
from socialdesk.clock import ManualClock
from socialdesk.domain.enums import InboxStatus
from socialdesk.domain.models import InboxItem
from socialdesk.ingest.pipeline import DrainReport
from socialdesk.standin import SlackStandin
from tests.integration.flood_helpers import high_priority, post_crowd_member, shown
from tests.integration.helpers import generic_mention, post_generic, settle

RETRY_AFTER = 5


def test_a_429_storm_costs_one_call_per_channel_per_retry_after(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    for i in range(40):
        post_crowd_member(server, clock, i)
    for i in range(3):  # incidents: another team's channel
        post_generic(
            server, generic_mention(f"down-{i}", "site is down", created_at=clock.now(), handle=f"d{i}")
        )
    runtime.pipeline.drain()
    standin.fail("chat.postMessage", status=429, retry_after=RETRY_AFTER, times=10_000)

    seconds, step = 60.0, 0.5
    for _ in range(int(seconds / step)):
        for _ in range(20):  # a worker asked to drain far more often than anything is due
            runtime.outbox.drain()
        clock.advance(timedelta(seconds=step))
    calls = Counter(str(c.args.get("channel")) for c in standin.calls_to("chat.postMessage"))
    assert len(calls) == 2  # support and incidents
    bound = math.ceil(seconds / RETRY_AFTER) + 1
    assert all(n <= bound for n in calls.values()), f"{dict(calls)} calls, bound {bound} per channel"
    assert all(n >= bound - 1 for n in calls.values())  # and it does keep trying at that pace

    standin.clear_failures()
    settle(runtime, clock)
    view = shown(runtime)
    posted = Counter(
        str(c.args.get("metadata"))
        for c in standin.calls_to("chat.postMessage")
        if isinstance(c.response, dict) and c.response.get("ok")
    )
    assert all(n == 1 for n in posted.values()), "a post went out twice"
    assert len(standin.messages("social-support")) + len(standin.messages("social-incidents")) == len(
        view.carded
    ) + len(view.rollups)


def test_two_pipelines_at_once_show_each_case_exactly_once(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    n = 160
    for i in range(n):
        post_crowd_member(server, clock, i)
    reports: list[DrainReport] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            reports.append(runtime.pipeline.drain(batch=20))
        except BaseException as exc:  # reported below, in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors and len(reports) == 2
    with Session(runtime.engine) as s:
        failed = [i.reason for i in s.exec(select(InboxItem).where(InboxItem.status == InboxStatus.FAILED))]
    assert sum(r.failed for r in reports) == 0, f"inbox items failed: {failed[:3]}"
    assert sum(r.cases_opened for r in reports) == n
    if runtime.engine.dialect.name == "postgresql":
        # SQLite serialises writers, so there one thread may well take every item; PostgreSQL must
        # really have run both, or this test proved nothing about races.
        assert all(r.items > 0 for r in reports), "one pipeline did all the work: nothing ran concurrently"
    view = shown(runtime)
    assert len(view.cases) == n
    assert view.carded.isdisjoint(view.rolled)
    assert len(view.carded) + len(view.rolled) == n
    assert high_priority(view) <= view.carded
    assert {r.id: r.case_count for r in view.rollups} == view.rollup_db_counts
    assert len({(r.channel, r.topic, r.window_start) for r in view.rollups}) == len(view.rollups)
    assert len(view.rollups) == 2  # one per topic: same channel, same window
    assert len(view.carded - high_priority(view)) <= runtime.config.flood.cards_per_minute + 1  # one race
    settle(runtime, clock)
    assert len(standin.messages("social-support")) == len(view.carded) + len(view.rollups)
