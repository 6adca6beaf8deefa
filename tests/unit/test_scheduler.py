"""`socialdesk.scheduler`: job options, triggers in local time across DST, and the leader gate.

Nothing here waits for a scheduler thread. Triggers are asked for their next fire time with a
chosen `now`, and job functions are called directly.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from socialdesk.jobs import Job
from socialdesk.scheduler import build_scheduler, gated, run_leader_jobs_now, trigger_for

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
DAILY_EIGHT = {"hour": "8", "minute": "0"}


def noop() -> None:
    return None


def sample_jobs() -> list[Job]:
    return [
        Job("sla-scan", noop, every_seconds=60, misfire_grace_seconds=50),
        Job("digest-daily", noop, cron=DAILY_EIGHT, misfire_grace_seconds=3600),
        Job("reply-recovery", noop, every_seconds=60, leader_only=False),
    ]


def fire_times(trigger: CronTrigger | IntervalTrigger, start: datetime, count: int) -> list[datetime]:
    """The next `count` fire times from `start`, asking the trigger as the scheduler would."""
    times: list[datetime] = []
    previous: datetime | None = None
    now = start
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        assert fire is not None
        times.append(fire)
        previous, now = fire, fire
    return times


def test_every_job_gets_its_id_coalesce_one_instance_and_its_own_grace() -> None:
    scheduler = build_scheduler(sample_jobs(), "Europe/Berlin")
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert sorted(jobs) == ["digest-daily", "reply-recovery", "sla-scan"]
    options = {
        job_id: (job.name, job.coalesce, job.max_instances, job.misfire_grace_time)
        for job_id, job in jobs.items()
    }
    assert options == {
        "sla-scan": ("sla-scan", True, 1, 50),
        "digest-daily": ("digest-daily", True, 1, 3600),
        "reply-recovery": ("reply-recovery", True, 1, 60),
    }
    assert isinstance(jobs["sla-scan"].trigger, IntervalTrigger)
    assert jobs["sla-scan"].trigger.interval == timedelta(seconds=60)
    assert isinstance(jobs["digest-daily"].trigger, CronTrigger)
    assert str(jobs["digest-daily"].trigger.timezone) == "Europe/Berlin"
    assert str(scheduler.timezone) == "Europe/Berlin"


def test_two_jobs_with_one_id_are_refused() -> None:
    with pytest.raises(ValueError, match="sla-scan"):
        build_scheduler([*sample_jobs(), Job("sla-scan", noop, every_seconds=30)], "UTC")


def test_a_job_needs_exactly_one_of_interval_or_cron() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Job("both", noop, every_seconds=60, cron=DAILY_EIGHT)
    with pytest.raises(ValueError, match="exactly one"):
        Job("neither", noop)


@pytest.mark.parametrize(
    ("zone", "start", "expected_utc"),
    [
        # Berlin leaves summer time on 2026-10-25: 08:00 CEST is 06:00 UTC, 08:00 CET is 07:00 UTC.
        (
            BERLIN,
            datetime(2026, 10, 23, 12, 0, tzinfo=UTC),
            ["2026-10-24T06:00", "2026-10-25T07:00", "2026-10-26T07:00"],
        ),
        # ...and enters it on 2026-03-29.
        (
            BERLIN,
            datetime(2026, 3, 27, 12, 0, tzinfo=UTC),
            ["2026-03-28T07:00", "2026-03-29T06:00", "2026-03-30T06:00"],
        ),
        # New York: EST -> EDT on 2026-03-08, back on 2026-11-01.
        (
            NEW_YORK,
            datetime(2026, 3, 6, 18, 0, tzinfo=UTC),
            ["2026-03-07T13:00", "2026-03-08T12:00", "2026-03-09T12:00"],
        ),
        (
            NEW_YORK,
            datetime(2026, 10, 30, 18, 0, tzinfo=UTC),
            ["2026-10-31T12:00", "2026-11-01T13:00", "2026-11-02T13:00"],
        ),
    ],
)
def test_a_daily_eight_oclock_job_fires_at_eight_local_across_a_dst_change(
    zone: ZoneInfo, start: datetime, expected_utc: list[str]
) -> None:
    trigger = trigger_for(Job("digest-daily", noop, cron=DAILY_EIGHT), zone)
    assert isinstance(trigger, CronTrigger)
    times = fire_times(trigger, start, 3)
    assert [t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M") for t in times] == expected_utc
    assert {t.astimezone(zone).strftime("%H:%M") for t in times} == {"08:00"}


def test_the_scheduler_time_zone_is_used_for_cron_fields() -> None:
    scheduler = build_scheduler(
        [Job("weekly", noop, cron={"day_of_week": "mon", "hour": "8"})], "Europe/Berlin"
    )
    trigger = scheduler.get_job("weekly").trigger
    # From a Saturday in November (CET): the next Monday 08:00 local is 07:00 UTC.
    fire = trigger.get_next_fire_time(None, datetime(2026, 11, 28, 12, 0, tzinfo=UTC))
    assert fire == datetime(2026, 11, 30, 8, 0, tzinfo=BERLIN)
    assert fire.astimezone(UTC) == datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


def test_an_interval_job_fires_every_n_seconds_regardless_of_dst() -> None:
    trigger = trigger_for(Job("sla-scan", noop, every_seconds=60), BERLIN)
    start = datetime(2026, 10, 25, 0, 58, tzinfo=UTC)  # 02:58 CEST, just before clocks go back
    times = fire_times(trigger, start, 4)
    gaps = {b - a for a, b in itertools.pairwise(times)}
    assert gaps == {timedelta(seconds=60)}


def test_leader_only_jobs_run_only_while_leading_and_the_others_always() -> None:
    leading = False
    ran: list[str] = []
    jobs = [
        Job("sla-scan", lambda: ran.append("sla-scan"), every_seconds=60),
        Job("reply-recovery", lambda: ran.append("reply-recovery"), every_seconds=60, leader_only=False),
    ]
    scheduler = build_scheduler(jobs, "UTC", is_leader=lambda: leading)
    for job in scheduler.get_jobs():
        job.func()
    assert ran == ["reply-recovery"]
    leading = True
    ran.clear()
    for job in scheduler.get_jobs():
        job.func()
    assert ran == ["sla-scan", "reply-recovery"]


def test_the_gate_returns_the_job_function_itself_for_jobs_that_run_everywhere() -> None:
    job = Job("reply-recovery", noop, every_seconds=60, leader_only=False)
    assert gated(job, lambda: False) is noop
    assert gated(Job("x", noop, every_seconds=60), lambda: True) is not noop


def test_becoming_leader_brings_leader_only_interval_jobs_forward_but_not_cron_jobs() -> None:
    jobs = sample_jobs()
    scheduler = build_scheduler(jobs, "Europe/Berlin")
    scheduler.start(paused=True)  # next run times computed, nothing executed
    try:
        before = {job.id: job.next_run_time for job in scheduler.get_jobs()}
        asked_at = datetime.now(UTC)
        run_leader_jobs_now(scheduler, jobs)
        after = {job.id: job.next_run_time for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
    assert after["sla-scan"] <= asked_at + timedelta(seconds=1) < before["sla-scan"]
    assert after["digest-daily"] == before["digest-daily"]  # cron: keeps its wall-clock time
    assert after["reply-recovery"] == before["reply-recovery"]  # runs everywhere on its own clock
