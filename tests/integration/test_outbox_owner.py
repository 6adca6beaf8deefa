"""One owner of the outbox: the `outbox-retry` job never sends rows itself while this process's outbox
worker loop runs; it wakes the loop. Only without a loop does it drain (and, as before, on the leader
only: the job is leader-only, tests/unit/test_scheduler_services.py)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from socialdesk.app import Runtime
from socialdesk.clock import ManualClock
from socialdesk.outbox.queue import enqueue
from socialdesk.outbox.sender import SendReport
from socialdesk.services import scheduled_jobs
from socialdesk.store.db import session_scope

DEADLINE = 10.0


def retry_job(runtime: Runtime) -> Any:
    return {job.id: job for job in scheduled_jobs(runtime)}["outbox-retry"].func


def queue_quietly(runtime: Runtime, clock: ManualClock, key: str) -> None:
    """A row queued without waking anyone: what another replica's listener or a due retry leaves."""
    with session_scope(runtime.engine) as session:
        enqueue(
            session,
            dedupe_key=key,
            method="chat.postMessage",
            channel="#general",
            payload={"text": key},
            now=clock.now(),
        )


class DrainLog:
    """Records which thread each outbox drain ran on; lets the test wait for the loop's passes."""

    def __init__(self, runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
        self.threads: list[str] = []
        self.loop_passed = threading.Event()  # the loop made a pass
        self.loop_sent = threading.Event()  # the loop sent something
        drain = runtime.outbox.drain

        def logged(**kwargs: Any) -> SendReport:
            name = threading.current_thread().name
            self.threads.append(name)
            report = drain(**kwargs)
            if name == "outbox":
                self.loop_passed.set()
                if report.sent:
                    self.loop_sent.set()
            return report

        monkeypatch.setattr(runtime.outbox, "drain", logged)


def test_with_the_outbox_loop_running_the_retry_job_only_wakes_it(
    runtime: Runtime, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = DrainLog(runtime, monkeypatch)
    # The loop's own look for unannounced rows, far away: only the job's wake can start its next pass.
    runtime.outbox_poll_seconds = 3600.0
    runtime.start_workers()
    try:
        assert log.loop_passed.wait(DEADLINE), "the outbox loop made no first pass"
        queue_quietly(runtime, clock, "retry-1")
        retry_job(runtime)()
        assert log.loop_sent.wait(DEADLINE), "the woken loop did not send the row"
        assert threading.current_thread().name not in log.threads  # the job sent nothing itself
        assert set(log.threads) == {"outbox"}
        assert runtime.outbox.pending_count() == 0
    finally:
        runtime.stop_workers()


def test_where_no_outbox_loop_runs_the_retry_job_sends_itself(
    runtime: Runtime, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = DrainLog(runtime, monkeypatch)
    queue_quietly(runtime, clock, "retry-2")
    retry_job(runtime)()
    assert log.threads == [threading.current_thread().name]
    assert runtime.outbox.pending_count() == 0
    runtime.start_workers()
    runtime.stop_workers()  # a stopped loop owns nothing: the job sends again
    clock.advance(2)  # past the channel's one-post-per-second pacing
    queue_quietly(runtime, clock, "retry-3")
    retry_job(runtime)()
    assert log.threads.count(threading.current_thread().name) == 2
    assert runtime.outbox.pending_count() == 0
