"""Replicas for tests/integration/test_scheduler_replicas.py, one OS process each.

multiprocessing "spawn" imports this module by name, so it must stay importable and free of test
fixtures. Each replica runs what `serve` runs for scheduled sends: a `LeaderElector` on the shared
PostgreSQL and a `build_scheduler` with one leader-only job. The job claims the Notice
`test:tick:{minute}`, queues a Slack post in the same transaction, and drains the outbox to the
Slack stand-in.

The test talks to each replica over its own `Pipe`, not over a shared Queue, Event or Value. A
replica killed with SIGKILL while holding a shared lock would hang every other process. A pipe only
breaks for its own replica. The test sends commands: the simulated minute (time is an input), whether
to post, stop. The replica reports (name, what, ...) messages: ready, leader/follower (with
time.monotonic(), the same clock in every process on Linux), claimed, error, stopped.
"""

from __future__ import annotations

import threading
import time
import traceback
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import Any

from slack_sdk import WebClient

from socialdesk.app_outbox import build_outbox
from socialdesk.clock import SystemClock
from socialdesk.jobs import Job
from socialdesk.leader import LeaderElector
from socialdesk.metrics import Metrics
from socialdesk.outbox.queue import enqueue
from socialdesk.plugin_host.registry import EMPTY
from socialdesk.scheduler import build_scheduler, run_leader_jobs_now
from socialdesk.slack.transport.channels import ChannelDirectory
from socialdesk.store.db import make_engine, session_scope, writer
from socialdesk.store.notices_repo import claim_notice

TICK_JOB_ID = "test-tick"
CHANNEL = "C0MANAGER1"  # an id: no channel lookups (and no slack_channel writes) in the race


def tick_key(minute: int) -> str:
    return f"test:tick:{minute}"


def tick_text(minute: int, name: str) -> str:
    return f"tick {minute} (queued by {name})"


class Replica:
    def __init__(
        self,
        name: str,
        url: str,
        slack_url: str,
        token: str,
        conn: Connection,
        *,
        lock_key: int,
        retry_seconds: float,
    ) -> None:
        self.name = name
        self.conn = conn
        self.minute = 0  # simulated time, set by the test
        self.posting = True
        self._send_lock = threading.Lock()  # the scheduler's and the elector's threads both report
        self.engine = make_engine(url, pool_size=2)
        slack = WebClient(token=token, base_url=slack_url, timeout=10, retry_handlers=[])
        self.outbox = build_outbox(
            engine=self.engine,
            client=slack,
            channels=ChannelDirectory(client=slack, engine=self.engine),
            plugins=EMPTY,
            clock=SystemClock(),
            metrics=Metrics(),
            per_channel_interval=0,
        )
        self.job = Job(TICK_JOB_ID, self.tick, every_seconds=1, misfire_grace_seconds=1)  # leader-only
        self.elector = LeaderElector(
            url, lock_key=lock_key, retry_seconds=retry_seconds, check_seconds=retry_seconds
        )
        self.scheduler = build_scheduler([self.job], "Europe/Berlin", is_leader=self.elector.is_leader)
        self.elector.on_change = self.on_change

    def report(self, what: str, *details: Any) -> None:
        with self._send_lock:
            self.conn.send((self.name, what, *details))

    def on_change(self, leading: bool) -> None:
        self.report("leader" if leading else "follower", time.monotonic())
        if leading:
            run_leader_jobs_now(self.scheduler, [self.job])

    def tick(self) -> None:
        try:
            minute, now = self.minute, datetime.now(UTC)
            key = tick_key(minute)
            with session_scope(writer(self.engine)) as session:
                claimed = claim_notice(session, key, "test", now, detail={"by": self.name})
                if claimed:
                    enqueue(
                        session,
                        dedupe_key=key,
                        method="chat.postMessage",
                        channel=CHANNEL,
                        payload={"text": tick_text(minute, self.name)},
                        now=now,
                    )
            if claimed:
                self.report("claimed", key)
            if self.posting:
                self.outbox.drain()
        except Exception:
            self.report("error", traceback.format_exc())

    def serve(self) -> None:
        self.scheduler.start()
        self.elector.start()
        self.report("ready")
        try:
            while True:
                command = self.conn.recv()
                if command[0] == "minute":
                    self.minute = command[1]
                elif command[0] == "posting":
                    self.posting = command[1]
                elif command[0] == "stop":
                    break
        except EOFError:  # the test went away
            pass
        finally:
            self.scheduler.shutdown(wait=True)
            self.elector.stop()  # releases the lock at once: a graceful handover
            self.engine.dispose()
        self.report("stopped")


def run_replica(
    name: str,
    url: str,
    slack_url: str,
    token: str,
    conn: Connection,
    lock_key: int,
    retry_seconds: float,
) -> None:
    """Process entry point."""
    try:
        replica = Replica(name, url, slack_url, token, conn, lock_key=lock_key, retry_seconds=retry_seconds)
    except Exception:
        conn.send((name, "error", traceback.format_exc()))
        return
    replica.serve()


def race_claims(url: str, name: str, keys: list[str], threads: int, barrier: Any, conn: Connection) -> None:
    """Process entry point for the leaderless race: `threads` threads, released together by a barrier
    shared by all processes, each claim every key and queue its post in one write transaction. It
    sends back (name, keys this process won, errors)."""
    engine = make_engine(url, pool_size=threads)
    won: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()

    def racer(i: int) -> None:
        try:
            barrier.wait(60)
            for key in keys:
                now = datetime.now(UTC)
                with session_scope(writer(engine)) as session:
                    if not claim_notice(session, key, "test", now, detail={"by": f"{name}/{i}"}):
                        continue
                    enqueue(
                        session,
                        dedupe_key=key,
                        method="chat.postMessage",
                        channel=CHANNEL,
                        payload={"text": key},
                        now=now,
                    )
                with lock:
                    won.append(key)
        except Exception:
            with lock:
                errors.append(traceback.format_exc())
            barrier.abort()

    workers = [threading.Thread(target=racer, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    engine.dispose()
    conn.send((name, won, errors))
