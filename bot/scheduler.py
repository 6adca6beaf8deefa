"""Scheduled work (APScheduler 3.x): turns `socialdesk.jobs.Job`s into scheduler jobs.

Every job gets its explicit id, `coalesce=True` (after a stall, run once, not once per missed
tick) and `max_instances=1` (a slow run is never overlapped by the next one). Each keeps the misfire
grace its Job asks for. Triggers run in the config's time zone, so a cron job at `hour=8` fires at
08:00 local on both sides of a DST change.

Leader-only jobs stay scheduled on every replica. Each run first asks `is_leader()` and returns
at once on a follower. So a replica that becomes leader needs no rescheduling, and one that steps
down stops sending at its next tick. `run_leader_jobs_now` makes a new leader catch up at once
instead of waiting a full interval.

Nothing here is the exactly-once guarantee. APScheduler's state is in memory and lost on restart.
Work that must happen once per period is a period job (`socialdesk.periodic`), and sends are recorded
under Notice keys.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from socialdesk.jobs import Job
from socialdesk.store import sql_census

log = logging.getLogger(__name__)

JOB_DEFAULTS: dict[str, Any] = {"coalesce": True, "max_instances": 1}


def _zone(timezone: str | tzinfo) -> tzinfo:
    return ZoneInfo(timezone) if isinstance(timezone, str) else timezone


def trigger_for(job: Job, timezone: str | tzinfo) -> BaseTrigger:
    """An interval trigger, or a cron trigger whose fields are local wall-clock time in `timezone`."""
    zone = _zone(timezone)
    if job.cron is not None:
        return CronTrigger(timezone=zone, **job.cron)
    assert job.every_seconds is not None  # Job guarantees exactly one of the two
    return IntervalTrigger(seconds=job.every_seconds, timezone=zone)


def gated(job: Job, is_leader: Callable[[], bool]) -> Callable[[], object]:
    """What the scheduler calls: `job.func`. For a leader-only job, it runs only while leading."""
    if not job.leader_only:
        return sql_census.tagged(f"job:{job.id}", job.func)

    def leader_only() -> object:
        if not is_leader():
            return None
        return job.func()

    leader_only.__name__ = f"leader_only[{job.id}]"
    return sql_census.tagged(f"job:{job.id}", leader_only)


def build_scheduler(
    jobs: Iterable[Job],
    timezone: str | tzinfo,
    *,
    is_leader: Callable[[], bool] = lambda: True,
) -> BackgroundScheduler:
    """A BackgroundScheduler (not started) that runs `jobs` in `timezone`.

    Leader-only jobs are gated on `is_leader`. Duplicate ids are an error rather than a silent
    replacement: two services must never register the same job id.
    """
    zone = _zone(timezone)
    scheduler = BackgroundScheduler(job_defaults=JOB_DEFAULTS, timezone=zone)
    seen: set[str] = set()
    for job in jobs:
        if job.id in seen:
            raise ValueError(f"two scheduled jobs have the id {job.id!r}")
        seen.add(job.id)
        scheduler.add_job(
            gated(job, is_leader),
            trigger_for(job, zone),
            id=job.id,
            name=job.id,
            misfire_grace_time=job.misfire_grace_seconds,
            coalesce=True,
            max_instances=1,
        )
    return scheduler


def run_leader_jobs_now(scheduler: BackgroundScheduler, jobs: Iterable[Job]) -> None:
    """Bring the next run of every leader-only interval job forward to now. Called on becoming leader.

    Period jobs then catch up at once (a digest missed during the failover goes out now, not a
    minute later). Cron jobs keep their wall-clock times: running them early would be wrong.
    """
    now = datetime.now(UTC)
    for job in jobs:
        if job.leader_only and job.every_seconds is not None and scheduler.get_job(job.id) is not None:
            scheduler.modify_job(job.id, next_run_time=now)
