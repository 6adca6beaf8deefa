"""Replicas for tests/integration/test_replicas_real_jobs.py, one OS process each.

multiprocessing "spawn" imports this module by name, so it must stay importable and free of test
fixtures. Each replica builds its own `Runtime` with `build_runtime`, exactly as `serve` does, on the
shared PostgreSQL database, with its own `ManualClock`, and runs the real scheduled jobs it registers:
`runtime.jobs["sla-scan"]` (`SlaScanner.scan`) and `runtime.jobs["digest"]` (`DigestService.send_if_due`).
It never posts to Slack: the test drains the outbox once, from its own process.

Modes:
- "free": no leader; every replica runs both jobs every round, so only the Notice keys stand between
  the replicas and a double send.
- "leader": a real `LeaderElector` (a PostgreSQL advisory lock on its own connection) and the
  scheduler's own leader-only gate (`socialdesk.scheduler.gated`): only the leader's jobs do anything.

The test talks to each replica over its own `Pipe` (a replica SIGKILLed while holding a shared lock
would hang every other process; a pipe only breaks for its own replica). Commands:
("round", number, iso instant, parties) and ("stop",). Reports, each (name, what, ...): ready,
leader/follower (with time.monotonic()), done (round, {job: result}), error (traceback), stopped.

In a round the replica sets its clock to the instant, then runs the two jobs on two threads, both
released by the cross-process barrier for `parties` threads, so every job of every replica starts at
once. The replica is idle between rounds (blocked on its pipe), which is when the test kills it.
"""

from __future__ import annotations

import threading
import time
import traceback
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any

from pydantic import SecretStr

from socialdesk.app import Runtime, build_runtime
from socialdesk.clock import ManualClock
from socialdesk.config import Config, load_config
from socialdesk.domain.enums import Priority
from socialdesk.leader import LeaderElector
from socialdesk.samples import sample_config_path
from socialdesk.scheduler import gated
from socialdesk.settings import Settings
from socialdesk.sla.scanner import ScanReport
from tests import support

SAMPLE_CONFIG = sample_config_path()
JOBS = ("sla-scan", "digest")
BARRIER_TIMEOUT = 30.0  # only reached when a replica never turns up: fail, don't hang
ELECTION_SECONDS = 0.2  # production retries every 15 s; same logic, faster


def settings_for(database_url: str, slack_api_url: str) -> Settings:
    """What `serve` reads from the environment, for the test database and the Slack stand-in."""
    return Settings.model_validate(
        {
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": SecretStr(support.BOT_TOKEN),
            "SLACK_SIGNING_SECRET": SecretStr(support.SIGNING_SECRET),
            "SLACK_API_URL": slack_api_url,
            "WEBHOOK_SECRET": SecretStr(support.WEBHOOK_SECRET),
            "META_APP_SECRET": SecretStr(support.META_APP_SECRET),
            "META_VERIFY_TOKEN": SecretStr(support.META_VERIFY_TOKEN),
            "X_CONSUMER_SECRET": SecretStr(support.X_CONSUMER_SECRET),
            "SOCIALDESK_CONFIG": str(SAMPLE_CONFIG),
        }
    )


def replica_config(duty_leads: list[str]) -> Config:
    """The sample config with duty leads to page, for every priority (the cases are routine ones): the
    same in the test and in every replica."""
    base = load_config(SAMPLE_CONFIG)
    sla = base.sla.model_copy(update={"page_priorities": list(Priority)})
    return base.model_copy(update={"duty_leads": duty_leads, "sla": sla})


class Replica:
    def __init__(
        self,
        name: str,
        database_url: str,
        slack_url: str,
        conn: Connection,
        *,
        start: str,
        duty_leads: list[str],
        mode: str,
        lock_key: int,
        barriers: dict[int, Any],
    ) -> None:
        self.name = name
        self.conn = conn
        self.barriers = barriers
        self._send_lock = threading.Lock()  # the elector's thread and the job threads all report
        self.clock = ManualClock(datetime.fromisoformat(start))
        self.runtime: Runtime = build_runtime(
            settings_for(database_url, slack_url),
            clock=self.clock,
            config=replica_config(duty_leads),
            migrate=False,
        )
        self.elector: LeaderElector | None = None
        is_leader = lambda: True  # noqa: E731 - "free": nobody is gated
        if mode == "leader":
            self.elector = LeaderElector(
                database_url,
                lock_key=lock_key,
                retry_seconds=ELECTION_SECONDS,
                check_seconds=ELECTION_SECONDS,
                on_change=self.on_change,
            )
            is_leader = self.elector.is_leader
        # What the scheduler calls (bot/scheduler.py): the job itself, or the leader-only gate around it.
        self.calls = {job: gated(self.runtime.jobs[job], is_leader) for job in JOBS}
        for job in JOBS:
            assert self.runtime.jobs[job].leader_only

    def report(self, what: str, *details: Any) -> None:
        with self._send_lock:
            self.conn.send((self.name, what, *details))

    def on_change(self, leading: bool) -> None:
        self.report("leader" if leading else "follower", time.monotonic())

    def run_round(self, number: int, instant: str, parties: int) -> None:
        self.clock.set(datetime.fromisoformat(instant))
        results: dict[str, Any] = {}
        errors: list[str] = []
        barrier = self.barriers[parties]

        def run(job: str) -> None:
            try:
                barrier.wait(BARRIER_TIMEOUT)
                leading = self.elector.is_leader() if self.elector is not None else None
                value = self.calls[job]()
                if isinstance(value, ScanReport):
                    value = value.as_dict()
                results[job] = {"result": value, "leader": leading}
            except Exception:
                errors.append(traceback.format_exc())
                barrier.abort()

        threads = [threading.Thread(target=run, args=(job,), name=f"{self.name}-{job}") for job in JOBS]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            self.report("error", "\n".join(errors))
        else:
            self.report("done", number, results)

    def serve(self) -> None:
        if self.elector is not None:
            self.elector.start()
        self.report("ready")
        try:
            while True:
                command = self.conn.recv()
                if command[0] == "round":
                    self.run_round(*command[1:])
                elif command[0] == "stop":
                    break
        except EOFError:  # the test went away
            pass
        finally:
            if self.elector is not None:
                self.elector.stop()  # releases the lock at once
            self.runtime.close()
        self.report("stopped")


def run_replica(
    name: str,
    database_url: str,
    slack_url: str,
    conn: Connection,
    start: str,
    duty_leads: list[str],
    mode: str,
    lock_key: int,
    barriers: dict[int, Any],
) -> None:
    """Process entry point."""
    try:
        replica = Replica(
            name,
            database_url,
            slack_url,
            conn,
            start=start,
            duty_leads=duty_leads,
            mode=mode,
            lock_key=lock_key,
            barriers=barriers,
        )
    except Exception:
        conn.send((name, "error", traceback.format_exc()))
        return
    replica.serve()
