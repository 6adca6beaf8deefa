"""One owner of the inbox: the `inbox-retry` job never works rows itself while an ingest worker runs (the
runtime's loop, or the ingest process); it wakes the worker. Only without a worker does it drain."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from socialdesk.app import Runtime
from socialdesk.clock import ManualClock
from socialdesk.ingest import inbox
from socialdesk.ingest.pipeline import DrainReport
from socialdesk.services import scheduled_jobs
from tests.integration.helpers import generic_mention

DEADLINE = 10.0


def retry_job(runtime: Runtime) -> Any:
    return {job.id: job for job in scheduled_jobs(runtime)}["inbox-retry"].func


def store_one(runtime: Runtime, clock: ManualClock, mid: str) -> None:
    payload = generic_mention(mid, "my parcel never arrived", handle=mid, created_at=clock.now())
    body = json.dumps(payload).encode()
    inbox.accept(
        runtime.engine, source="generic", body=body, content_type="application/json", now=clock.now()
    )


class DrainLog:
    """Records which thread each drain ran on, and lets the test wait for the loop's."""

    def __init__(self, runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
        self.threads: list[str] = []
        self.by_loop = threading.Event()
        drain = runtime.pipeline.drain

        def logged(**kwargs: Any) -> DrainReport:
            self.threads.append(threading.current_thread().name)
            report = drain(**kwargs)
            if threading.current_thread().name == "ingest" and report.cases_opened:
                self.by_loop.set()
            return report

        monkeypatch.setattr(runtime.pipeline, "drain", logged)


def test_with_the_ingest_loop_running_the_retry_job_only_wakes_it(
    runtime: Runtime, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = DrainLog(runtime, monkeypatch)
    runtime.start_workers()
    try:
        store_one(runtime, clock, "retry-1")  # not announced: only a pass finds it
        retry_job(runtime)()
        assert log.by_loop.wait(DEADLINE), "the woken loop did not work the row"
        assert threading.current_thread().name not in log.threads  # the job drained nothing itself
        assert set(log.threads) == {"ingest"}
    finally:
        runtime.stop_workers()


def test_with_an_ingest_process_the_retry_job_wakes_it_and_drains_nothing(
    runtime: Runtime, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = DrainLog(runtime, monkeypatch)
    woken: list[bool] = []

    class ChildStandIn:
        def wake(self) -> None:
            woken.append(True)

    monkeypatch.setattr(runtime, "ingest_process", ChildStandIn())
    store_one(runtime, clock, "retry-2")
    retry_job(runtime)()
    assert woken == [True] and log.threads == []


def test_where_no_worker_runs_the_retry_job_drains_the_inbox(
    runtime: Runtime, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = DrainLog(runtime, monkeypatch)
    store_one(runtime, clock, "retry-3")
    retry_job(runtime)()
    assert log.threads == [threading.current_thread().name]
    runtime.start_workers()
    runtime.stop_workers()  # a stopped loop owns nothing: the job drains again
    store_one(runtime, clock, "retry-4")
    retry_job(runtime)()
    assert log.threads.count(threading.current_thread().name) == 2
