"""Plugin jobs as scheduler jobs: a stable id, leader-only by default, each run guarded.

The scheduler id is `plugin:<plugin>:<job id>`, so two plugins cannot collide with each other or with
socialdesk's own jobs. `JobRun.notify(key, text)` posts to the duty channel once per key, recorded as a
notice like every alert socialdesk sends, so a job that runs again after a restart says nothing twice.
"""

from __future__ import annotations

from datetime import timedelta

from socialdesk.clock import Clock
from socialdesk.jobs import Job as ScheduledJob
from socialdesk.plugin_host.duty import DutyNotices
from socialdesk.plugin_host.registry import PluginSet
from socialdesk.plugins.kinds import Job, JobRun

MIN_INTERVAL = timedelta(seconds=10)


def scheduled_plugin_jobs(plugins: PluginSet, *, clock: Clock, duty: DutyNotices) -> list[ScheduledJob]:
    jobs = []
    for job in plugins.jobs():
        owner = plugins.owner(job).name
        job_id = f"plugin:{owner}:{job.id}"
        every = max(job.every, MIN_INTERVAL)
        jobs.append(
            ScheduledJob(
                job_id,
                _Run(plugins, job, job_id, clock, duty),
                every_seconds=int(every.total_seconds()),
                misfire_grace_seconds=max(60, int(every.total_seconds() // 2)),
                leader_only=job.leader_only,
            )
        )
    return jobs


def _runner(plugins: PluginSet, job: Job, job_id: str, clock: Clock, duty: DutyNotices) -> _Run:
    return _Run(plugins, job, job_id, clock, duty)


class _Run:
    """One callable per job (APScheduler calls it); builds the `JobRun` at each run with the time now."""

    def __init__(self, plugins: PluginSet, job: Job, job_id: str, clock: Clock, duty: DutyNotices) -> None:
        self._plugins, self._job, self._id, self._clock, self._duty = plugins, job, job_id, clock, duty

    def notify(self, key: str, text: str) -> bool:
        return self._duty.post_once(f"job:{self._id}:{key}", text)

    def __call__(self) -> None:
        run = JobRun(job_id=self._job.id, now=self._clock.now(), notify=self.notify)
        self._plugins.guarded(self._job, "job", lambda: self._job.run(run), None)
