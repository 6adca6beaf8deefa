"""`socialdesk.services.start_background`: the jobs `serve` schedules, and how leadership starts them.

A started scheduler runs on its own thread, so these tests wait for an Event with a deadline when
they need a job to have run. Nothing sleeps to let time pass.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable

from apscheduler.triggers.cron import CronTrigger

from socialdesk.app import Runtime
from socialdesk.jobs import Job
from socialdesk.leader import LeaderElector
from socialdesk.periodic import period_job
from socialdesk.services import Background, scheduled_jobs, start_background, stop_background
from socialdesk.store.db import is_sqlite

DEADLINE = 10.0


def leader_gauge(runtime: Runtime) -> float | None:
    return runtime.metrics.registry.get_sample_value("socialdesk_leader")


def test_serve_schedules_its_own_jobs_and_every_registered_one(runtime: Runtime) -> None:
    registered = set(runtime.jobs)  # what the services wired in build_runtime (reply-recovery, ...)
    runtime.jobs["probe-scan"] = Job("probe-scan", lambda: None, every_seconds=60, misfire_grace_seconds=50)
    runtime.jobs["probe-digest"] = period_job("probe-digest", lambda now: False, runtime.clock)
    jobs = {job.id: job for job in scheduled_jobs(runtime)}
    own = {"inbox-retry", "outbox-retry", "mention-completion"}
    assert sorted(jobs) == sorted({*own, "probe-digest", "probe-scan", *registered})
    assert jobs["mention-completion"].leader_only  # one replica fetches what a source could not
    assert jobs["probe-scan"].leader_only and jobs["probe-digest"].leader_only
    assert jobs["outbox-retry"].leader_only  # one sender to Slack: the leader
    assert not jobs["inbox-retry"].leader_only
    assert not jobs["reply-recovery"].leader_only  # local housekeeping runs on every replica
    assert (jobs["outbox-retry"].every_seconds, jobs["outbox-retry"].misfire_grace_seconds) == (15, 30)
    assert (jobs["inbox-retry"].every_seconds, jobs["inbox-retry"].misfire_grace_seconds) == (60, 120)


def test_serve_leads_and_runs_leader_jobs_at_once_without_waiting_their_interval(runtime: Runtime) -> None:
    ran = threading.Event()
    runtime.jobs["probe"] = Job("probe", ran.set, every_seconds=3600)  # leader-only
    runtime.jobs["morning"] = Job("morning", lambda: None, cron={"hour": "8", "minute": "0"})
    url = runtime.settings.database_url
    # SQLite: the elector `serve` builds, which leads at once. PostgreSQL: the same, on a lock key of
    # this test's own, so that other runs on the same server don't compete for it.
    own_key = LeaderElector(url, lock_key=secrets.randbits(62), metrics=runtime.metrics)
    elector = None if is_sqlite(url) else own_key
    background = start_background(runtime, elector=elector)
    try:
        assert ran.wait(DEADLINE), "the leader-only job was not brought forward on becoming leader"
        assert background.elector.is_leader()
        assert leader_gauge(runtime) == 1
        scheduled = {job.id: job for job in background.scheduler.get_jobs()}
        assert set(scheduled) >= {"outbox-retry", "inbox-retry", "reply-recovery", "probe", "morning"}
        assert all(job.coalesce and job.max_instances == 1 for job in scheduled.values())
        assert isinstance(scheduled["morning"].trigger, CronTrigger)
        assert str(scheduled["morning"].trigger.timezone) == runtime.config.timezone
    finally:
        stop_background(runtime, background)
    assert not background.scheduler.running
    assert leader_gauge(runtime) == 0


class HandElector(LeaderElector):
    """An elector that leads when the test says so: what the PostgreSQL election thread would do."""

    def __init__(self) -> None:
        super().__init__("postgresql+psycopg://unused@127.0.0.1:1/none")

    def start(self) -> None:  # no thread and no database: a follower until told
        return None

    def lead(self, leading: bool) -> None:
        self._set_leading(leading)


def started(runtime: Runtime, probe: Callable[[], object]) -> tuple[Background, HandElector]:
    runtime.jobs["probe"] = Job("probe", probe, every_seconds=3600)
    elector = HandElector()
    return start_background(runtime, elector=elector), elector


def test_a_follower_that_becomes_leader_runs_the_leader_jobs_at_once(runtime: Runtime) -> None:
    calls: list[bool] = []
    ran = threading.Event()

    def probe() -> None:
        calls.append(True)
        ran.set()

    background, elector = started(runtime, probe)
    try:
        assert not elector.is_leader()
        background.scheduler.get_job("probe").func()  # what a tick on a follower does
        assert calls == []
        elector.lead(True)
        assert ran.wait(DEADLINE), "becoming leader did not bring the leader-only job forward"
        elector.lead(False)
        calls.clear()
        background.scheduler.get_job("probe").func()  # stepped down: the next tick does nothing
        assert calls == []
    finally:
        stop_background(runtime, background)


def test_only_the_leader_posts_to_slack(runtime: Runtime) -> None:
    from socialdesk.outbox.queue import enqueue
    from socialdesk.store.db import session_scope

    with session_scope(runtime.engine) as session:
        enqueue(
            session,
            dedupe_key="probe:1",
            method="chat.postMessage",
            channel="#general",
            payload={"text": "hello"},
            now=runtime.clock.now(),
        )
    runtime.sends_to_slack = lambda: False  # a follower
    assert runtime.outbox_step() is None
    assert runtime.outbox.pending_count() == 1
    runtime.sends_to_slack = lambda: True  # it became leader
    runtime.outbox_step()
    assert runtime.outbox.pending_count() == 0
