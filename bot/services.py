"""Background machinery of a running service: ingest/outbox workers and the scheduler."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

from apscheduler.schedulers.background import BackgroundScheduler

from socialdesk.app import Runtime
from socialdesk.ingest.completion import MentionCompletion
from socialdesk.jobs import Job
from socialdesk.leader import LeaderElector
from socialdesk.scheduler import build_scheduler, run_leader_jobs_now
from socialdesk.sender_turn import SenderLock
from socialdesk.slack.transport.notifier import OutboxNotifier
from socialdesk.store.db import writer

log = logging.getLogger(__name__)

INGEST_LOOP = "ingest"  # the names of the runtime's worker loops (Runtime.start_workers)
OUTBOX_LOOP = "outbox"


@dataclass
class Background:
    """What `start_background` started, for `stop_background`."""

    scheduler: BackgroundScheduler
    elector: LeaderElector
    jobs: list[Job]
    sender_lock: SenderLock


def mention_completion(runtime: Runtime) -> MentionCompletion:
    """The job that completes mentions a source could not complete at ingest (bot/ingest/completion.py)."""
    return MentionCompletion(
        engine=runtime.engine,
        writer=writer(runtime.engine),
        reader=lambda: runtime.pipeline.sources,
        brand=runtime.pipeline.brand,
        notifier=OutboxNotifier(runtime.config, on_queued=runtime.outbox.wake),
        masking=runtime.config.masking,
        now=runtime.clock.now,
    )


def retry_inbox(runtime: Runtime) -> None:
    """The `inbox-retry` job. The inbox has one owner: where an ingest worker runs (this process's
    loop, or the ingest process), the job only wakes it, and the worker's next pass takes the rows
    that failed before with the new ones. Draining here too would work the same rows twice at once
    (each prepared by both, one losing the lock): in a 2,000-mention run that was twice the parsing
    and triage, and 16% of the throughput. Only where no worker runs does the job drain itself."""
    if runtime.ingest_process is not None or any(
        loop.name == INGEST_LOOP and loop.running for loop in runtime.loops
    ):
        runtime.wake_ingest()
        return
    runtime.pipeline.drain()


def retry_outbox(runtime: Runtime) -> None:
    """The `outbox-retry` job (leader only). The outbox has one owner, as the inbox does: where this
    process's outbox worker loop runs, the job only wakes it, and the loop's next pass sends what fell
    due (a retry, a paced channel, a row another replica queued). Draining here too made two drainers
    of the same rows, taking the sender's lock in turn: in a 10,000-mention run on PostgreSQL the job
    posted 9,663 of the cards, in passes that do not give way to webhook traffic as the loop's do.
    Only where no loop runs does the job send itself."""
    if any(loop.name == OUTBOX_LOOP and loop.running for loop in runtime.loops):
        runtime.wake_outbox()
        return
    runtime.outbox.drain()


def scheduled_jobs(runtime: Runtime) -> list[Job]:
    """The service's own periodic jobs, then the ones services registered in `Runtime.jobs`."""
    jobs = [
        # Safety nets: the workers are woken on new work; these catch retries that fall due later.
        # Slack is posted to by the leader alone (one sender paces each channel and no row can be
        # posted by two replicas at once); ingest runs on every replica.
        Job("outbox-retry", partial(retry_outbox, runtime), every_seconds=15, misfire_grace_seconds=30),
        Job(
            "inbox-retry",
            partial(retry_inbox, runtime),
            every_seconds=60,
            misfire_grace_seconds=120,
            leader_only=False,
        ),
        # Mentions a source could not complete (an Instagram @mention whose fetch failed): read again,
        # the case updated when it succeeds. One replica fetches.
        Job(
            "mention-completion", mention_completion(runtime).run, every_seconds=60, misfire_grace_seconds=120
        ),
    ]
    jobs.extend(runtime.jobs.values())
    return jobs


def start_background(runtime: Runtime, *, elector: LeaderElector | None = None) -> Background:
    """Start the workers, the leader election and the scheduler (see README, "Scheduling and replicas")."""
    elector = elector or LeaderElector(runtime.settings.database_url, metrics=runtime.metrics)
    # SQLite: this process sends only while it holds the sender's lock, which a command sending from
    # another process may hold for a while (bot/sender_turn.py); PostgreSQL: the leader sends.
    sender_lock = SenderLock(runtime.settings.database_url)
    runtime.sends_to_slack = lambda: elector.is_leader() and sender_lock.hold()
    runtime.start_workers()
    jobs = scheduled_jobs(runtime)
    scheduler = build_scheduler(jobs, runtime.config.timezone, is_leader=elector.is_leader)

    def on_change(leading: bool) -> None:
        if leading:
            run_leader_jobs_now(scheduler, jobs)

    elector.on_change = on_change
    scheduler.start()  # before the elector, so that becoming leader can bring jobs forward
    elector.start()
    log.info(
        "scheduler started with jobs %s (leader-only: %s)",
        sorted(j.id for j in jobs),
        sorted(j.id for j in jobs if j.leader_only),
    )
    return Background(scheduler=scheduler, elector=elector, jobs=jobs, sender_lock=sender_lock)


def stop_background(runtime: Runtime, background: Background) -> None:
    # Let running jobs finish before the engine goes (a digest or scan takes seconds), then give up
    # the lock so another replica takes over at its next try rather than after a lost connection.
    background.scheduler.shutdown(wait=True)
    background.elector.stop()
    runtime.close()
    background.sender_lock.release()
