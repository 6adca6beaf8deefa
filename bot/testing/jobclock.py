"""Scheduled jobs on a manual clock: what APScheduler would run, run when the test moves time.

A plugin's job (and socialdesk's own: the SLA scan, the digest, pollers) is a `socialdesk.jobs.Job` with
an interval or a cron trigger. `JobClock` keeps the time each job last fired and, when the test advances
the clock, runs every job that fell due once (APScheduler's `coalesce`: after a long jump a job runs once,
not once per missed tick). Nothing sleeps and no scheduler thread runs, so a test decides exactly when
work happens. The test process is the leader, so leader-only jobs run too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from socialdesk.clock import ManualClock
from socialdesk.jobs import Job

SEPARATORS = (":", ".", "-", "/")


def find_job(jobs: Iterable[Job], wanted: str) -> Job:
    """The job with id `wanted`, or the one job whose id ends with it after a separator: a plugin's job
    `export` is scheduled under an id prefixed with its plugin's name."""
    listed = list(jobs)
    exact = [j for j in listed if j.id == wanted]
    if exact:
        return exact[0]
    suffixed = [j for j in listed if any(j.id.endswith(sep + wanted) for sep in SEPARATORS)]
    if len(suffixed) == 1:
        return suffixed[0]
    ids = ", ".join(sorted(j.id for j in listed)) or "none"
    if suffixed:
        raise LookupError(f"job {wanted!r} is ambiguous: {', '.join(j.id for j in suffixed)}")
    raise LookupError(f"no scheduled job {wanted!r}; the runtime schedules: {ids}")


class JobClock:
    """Runs `jobs()` as a scheduler started at `clock.now()` would, as far as the clock has moved."""

    def __init__(self, clock: ManualClock, jobs: Callable[[], list[Job]], timezone: str | tzinfo) -> None:
        self._clock = clock
        self._jobs = jobs
        self._zone = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
        self._started = clock.now()
        self._last: dict[str, datetime] = {}  # job id -> when it last fired (or the scheduler started)

    @property
    def jobs(self) -> list[Job]:
        return self._jobs()

    def next_due(self, job: Job) -> datetime:
        last = self._last.get(job.id, self._started)
        if job.every_seconds is not None:
            return last + timedelta(seconds=job.every_seconds)
        assert job.cron is not None  # a Job has exactly one of the two
        after = last + timedelta(microseconds=1)
        trigger = CronTrigger(timezone=self._zone, start_date=after, **job.cron)
        fire = trigger.get_next_fire_time(None, after)
        assert fire is not None  # no end_date: a cron trigger always fires again
        return fire

    def run_due(self) -> list[str]:
        """Run every job due by now (once each, in id order); the ids of those that ran."""
        now = self._clock.now()
        ran: list[str] = []
        for job in sorted(self.jobs, key=lambda j: j.id):
            due = self.next_due(job)
            if due > now:
                continue
            job.func()
            # The next fire keeps the job's own grid (every 60 s from the start), as APScheduler does.
            while due <= now:
                self._last[job.id] = due
                due = self.next_due(job)
            ran.append(job.id)
        return ran

    def advance(self, delta: timedelta) -> list[str]:
        """Move the clock by `delta`, then run what fell due; the ids of the jobs that ran."""
        self._clock.advance(delta)
        return self.run_due()

    def run(self, job_id: str) -> object:
        """Run one job now, due or not (by its id or, for a plugin's job, the id its plugin gave it)."""
        job = find_job(self.jobs, job_id)
        self._last[job.id] = self._clock.now()
        return job.func()
