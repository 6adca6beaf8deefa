"""socialdesk.testing's JobClock: jobs run as a scheduler started at the clock's time would run them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from socialdesk.clock import ManualClock
from socialdesk.jobs import Job
from socialdesk.testing.jobclock import JobClock, find_job

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_an_interval_job_runs_on_its_grid_and_once_after_a_jump() -> None:
    clock = ManualClock(START)
    runs: list[datetime] = []
    scan = Job("scan", lambda: runs.append(clock.now()), every_seconds=60)
    jobs = JobClock(clock, lambda: [scan], "UTC")

    assert jobs.advance(timedelta(seconds=59)) == []
    assert jobs.advance(timedelta(seconds=1)) == ["scan"]
    assert jobs.advance(timedelta(minutes=10, seconds=30)) == ["scan"]  # coalesced: once, not ten times
    assert jobs.advance(timedelta(seconds=29)) == []  # the grid: next at 09:12:00, not 09:12:30
    assert jobs.advance(timedelta(seconds=1)) == ["scan"]
    assert runs == [
        START + timedelta(minutes=1),
        START + timedelta(minutes=11, seconds=30),
        START + timedelta(minutes=12),
    ]


def test_a_cron_job_fires_at_its_local_time() -> None:
    clock = ManualClock(START)  # 09:00 UTC
    runs: list[datetime] = []
    digest = Job("digest", lambda: runs.append(clock.now()), cron={"hour": "8", "minute": "0"})
    jobs = JobClock(clock, lambda: [digest], "Europe/London")

    assert jobs.advance(timedelta(hours=22, minutes=59)) == []  # 07:59 the next day
    assert jobs.advance(timedelta(minutes=1)) == ["digest"]
    assert jobs.advance(timedelta(hours=23)) == []
    assert runs == [datetime(2026, 11, 25, 8, 0, tzinfo=UTC)]


def test_run_takes_a_plugins_own_job_id() -> None:
    clock = ManualClock(START)
    ran: list[str] = []
    listed = [
        Job("plugin:mastodon:daily-export", lambda: ran.append("export"), every_seconds=3600),
        Job("plugin:forum:sync", lambda: ran.append("sync"), every_seconds=3600),
        Job("plugin:other:sync", lambda: ran.append("other"), every_seconds=3600),
    ]
    jobs = JobClock(clock, lambda: listed, "UTC")

    jobs.run("daily-export")
    jobs.run("plugin:forum:sync")

    assert ran == ["export", "sync"]
    with pytest.raises(LookupError, match="ambiguous"):
        find_job(listed, "sync")
    with pytest.raises(LookupError, match="no scheduled job 'nightly'"):
        find_job(listed, "nightly")
