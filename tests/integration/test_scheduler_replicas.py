"""Exactly once across replicas, on PostgreSQL: one leader holds the advisory lock, its leader-only job
records each Notice key once, and another replica takes over when the leader is SIGKILLed.

Replicas are OS processes (tests/integration/scheduler_worker.py) on the shared database and the
Slack stand-in. Time is an input: the test sets the simulated minute, and each replica's job ticks
every second. Tests wait only for process state (a message on a pipe, a post in the stand-in), each
under a deadline. Each test uses its own lock key, so runs sharing a database server never compete.
"""

from __future__ import annotations

import multiprocessing
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from socialdesk.domain.enums import OutboxStatus
from socialdesk.domain.models import Notice, OutboxMessage
from socialdesk.leader import LeaderElector
from socialdesk.metrics import Metrics
from socialdesk.standin import SlackStandin
from tests import support
from tests.integration.scheduler_worker import race_claims, run_replica, tick_key

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not support.postgres_url(), reason="needs PostgreSQL: advisory locks"),
]

RETRY_SECONDS = 0.5  # production retries every 15 s; the test keeps the same logic, faster
TAKEOVER_LIMIT = 60.0  # the promise: another replica leads within a minute of the leader's death
STARTUP_DEADLINE = 60.0  # spawn imports the whole bot in each process
STEP_DEADLINE = 15.0  # a tick is every second; this only bounds a failure
SPAWN = multiprocessing.get_context("spawn")


@pytest.fixture
def lock_key() -> int:
    return secrets.randbits(62)


def holder_pid(engine: Engine, key: int) -> int | None:
    """The backend pid holding advisory lock `key` in this database, if any."""
    query = text(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        " AND classid::bigint = :hi AND objid::bigint = :lo"
    )
    with engine.connect() as conn:
        return conn.execute(query, {"hi": key >> 32, "lo": key & 0xFFFF_FFFF}).scalar()


def until(condition: Callable[[], bool], what: str, deadline: float = STEP_DEADLINE) -> None:
    """Poll another party's state (a lock, a backend) under a deadline."""
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)  # sleep-ok: polling another thread or process with a deadline


# -- the elector in one process, driven round by round ----------------------------------------------


def test_two_electors_one_leader_and_the_other_takes_over_when_it_stops(
    database_url: str, engine: Engine, lock_key: int
) -> None:
    metrics_a, metrics_b = Metrics(), Metrics()
    a = LeaderElector(database_url, lock_key=lock_key, metrics=metrics_a)
    b = LeaderElector(database_url, lock_key=lock_key, metrics=metrics_b)
    try:
        assert a.step() is True
        assert b.step() is False and b.step() is False
        assert a.step() is True  # a leader's check does not take the lock twice
        assert holder_pid(engine, lock_key) is not None
        assert metrics_a.registry.get_sample_value("socialdesk_leader") == 1
        assert metrics_b.registry.get_sample_value("socialdesk_leader") == 0
        a.stop()  # unlocks at once
        assert holder_pid(engine, lock_key) is None
        assert b.step() is True
        assert metrics_a.registry.get_sample_value("socialdesk_leader") == 0
        assert metrics_b.registry.get_sample_value("socialdesk_leader") == 1
    finally:
        a.stop()
        b.stop()


def test_a_leader_whose_connection_dies_steps_down_at_its_next_check(
    database_url: str, engine: Engine, lock_key: int
) -> None:
    changes: list[bool] = []
    a = LeaderElector(database_url, lock_key=lock_key, on_change=changes.append)
    b = LeaderElector(database_url, lock_key=lock_key)
    try:
        assert a.step() is True
        pid = holder_pid(engine, lock_key)
        with engine.connect() as conn:  # what a database restart or a network cut does to it
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        until(lambda: holder_pid(engine, lock_key) is None, "PostgreSQL to release the dead session's lock")
        assert a.step() is False  # the health check fails: step down, leader-only jobs stop
        assert a.is_leader() is False and changes == [True, False]
        assert b.step() is True
        assert a.step() is False  # reconnected, and a follower now
        b.stop()
        assert a.step() is True  # and leader again once the lock is free
        assert changes == [True, False, True]
    finally:
        a.stop()
        b.stop()


# -- replicas as processes ---------------------------------------------------------------------------


class Replicas:
    """The test's side of the replica processes: starts them, sends commands, collects reports."""

    def __init__(self, url: str, standin: SlackStandin, lock_key: int) -> None:
        self.url, self.standin, self.lock_key = url, standin, lock_key
        self.procs: dict[str, Any] = {}
        self.pipes: dict[str, Connection] = {}
        self.status: dict[str, str] = {}  # ready, leader, follower, stopped, dead
        self.claims: list[tuple[str, str]] = []  # (replica, key), in the order reported
        self.errors: list[str] = []
        self.leader_at: dict[str, float] = {}  # replica -> time.monotonic() it last became leader

    def start(self, names: list[str]) -> None:
        for name in names:
            ours, theirs = SPAWN.Pipe()
            args = (name, self.url, self.standin.url, support.BOT_TOKEN, theirs, self.lock_key, RETRY_SECONDS)
            proc = SPAWN.Process(target=run_replica, args=args, name=f"replica-{name}", daemon=True)
            proc.start()
            theirs.close()
            self.procs[name], self.pipes[name] = proc, ours

    def live(self) -> list[str]:
        return [n for n in self.procs if self.status.get(n) not in ("dead", "stopped")]

    def send(self, *command: Any) -> None:
        for name in self.live():
            self.pipes[name].send(command)

    def pump(self, timeout: float) -> None:
        readers = {self.pipes[n]: n for n in self.procs if self.status.get(n) != "dead"}
        for reader in wait(list(readers), timeout):
            name = readers[reader]
            try:
                message = reader.recv()
            except EOFError:
                self.status[name] = "dead"
                continue
            what = message[1]
            if what in ("ready", "leader", "follower", "stopped"):
                if what != "ready" or name not in self.status:
                    self.status[name] = what
                if what == "leader":
                    self.leader_at[name] = message[2]
            elif what == "claimed":
                self.claims.append((name, message[2]))
            elif what == "error":
                self.errors.append(f"{name}: {message[2]}")

    def until(self, condition: Callable[[], bool], what: str, deadline: float = STEP_DEADLINE) -> None:
        end = time.monotonic() + deadline
        while not condition():
            assert not self.errors, self.errors
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {what}; replicas: {self.status}")
            self.pump(min(left, 0.05))  # blocks on the pipes: returns as soon as a replica reports
        assert not self.errors, self.errors

    def leaders(self) -> list[str]:
        return [n for n in self.live() if self.status.get(n) == "leader"]

    def one_leader(self) -> str:
        self.until(lambda: len(self.leaders()) == 1, "exactly one leader")
        return self.leaders()[0]

    def posted(self, minute: int) -> bool:
        prefix = f"tick {minute} "
        return any(
            str(c.args.get("text", "")).startswith(prefix) for c in self.standin.calls_to("chat.postMessage")
        )

    def tick(self, minute: int) -> None:
        """Move simulated time to `minute` and wait until that minute's post reached Slack."""
        self.send("minute", minute)
        self.until(lambda: self.posted(minute), f"the post for minute {minute}")

    def stop_all(self) -> None:
        for name in self.live():
            try:
                self.pipes[name].send(("stop",))
            except OSError:
                self.status[name] = "dead"
        end = time.monotonic() + STEP_DEADLINE
        for proc in self.procs.values():
            proc.join(max(end - time.monotonic(), 0))
        for proc in self.procs.values():
            if proc.is_alive():  # only after a failure elsewhere: don't leave processes behind
                proc.kill()
                proc.join()
        for pipe in self.pipes.values():
            pipe.close()


@pytest.fixture
def replicas(database_url: str, standin: SlackStandin, lock_key: int) -> Iterator[Replicas]:
    group = Replicas(database_url, standin, lock_key)
    yield group
    group.stop_all()


def test_three_replicas_send_each_tick_once_and_survive_the_leader_being_killed(
    replicas: Replicas, standin: SlackStandin, engine: Engine
) -> None:
    replicas.start(["a", "b", "c"])
    replicas.until(lambda: len(replicas.status) == 3, "three replicas to start", STARTUP_DEADLINE)
    first = replicas.one_leader()
    for minute in (1, 2, 3):
        replicas.tick(minute)

    # The leader claims minute 4 (Notice and outbox row in one transaction) and is killed before it
    # posts it: the post must still go out, once, from the next leader.
    replicas.send("posting", False)
    replicas.send("minute", 4)
    replicas.until(lambda: (first, tick_key(4)) in replicas.claims, "the leader to claim minute 4")
    replicas.procs[first].kill()  # SIGKILL: no cleanup, the connection just drops
    killed_at = time.monotonic()
    replicas.procs[first].join(STEP_DEADLINE)
    replicas.status[first] = "dead"
    replicas.until(lambda: len(replicas.leaders()) == 1, "another replica to take over", TAKEOVER_LIMIT)
    second = replicas.leaders()[0]
    takeover = replicas.leader_at[second] - killed_at
    print(f"\nfailover after SIGKILL: {takeover:.2f} s (retry interval {RETRY_SECONDS} s)")
    assert second != first and 0 < takeover < TAKEOVER_LIMIT
    replicas.send("posting", True)
    replicas.until(lambda: replicas.posted(4), "the new leader to post minute 4")
    replicas.tick(5)

    # A graceful stop hands over at once (the lock is released, not lost).
    replicas.pipes[second].send(("stop",))
    replicas.until(lambda: replicas.status.get(second) == "stopped", "the second leader to stop")
    third = replicas.one_leader()
    assert third not in (first, second)
    replicas.tick(6)
    replicas.stop_all()
    assert not replicas.errors, replicas.errors

    keys = [tick_key(m) for m in range(7)]  # minute 0 is the first leader's first tick
    claimed = Counter(key for _, key in replicas.claims)
    assert claimed == Counter(keys), "each key claimed exactly once across all replicas"
    by = {key: name for name, key in replicas.claims}
    assert [by[tick_key(m)] for m in range(7)] == [first] * 5 + [second, third]
    posts = Counter(str(c.args["text"]).split(" (")[0] for c in standin.calls_to("chat.postMessage"))
    assert posts == Counter(f"tick {m}" for m in range(7)), "exactly one Slack post per key"
    with Session(engine) as session:
        notices = session.exec(select(Notice.key).where(col(Notice.key).startswith("test:tick:"))).all()
        rows = session.exec(select(OutboxMessage.dedupe_key, OutboxMessage.status)).all()
    assert sorted(notices) == sorted(keys)
    assert sorted(rows) == sorted((key, OutboxStatus.SENT) for key in keys)


def test_replicas_racing_without_a_leader_still_record_each_key_once(
    database_url: str, engine: Engine
) -> None:
    """The second line of defence: if two processes ever both ran a job (a leader that has not yet
    noticed its lost connection), the Notice key alone keeps each send single. Three processes,
    eight threads each, all claim the same twenty keys at once."""
    processes, threads = 3, 8
    keys = [f"test:race:{i}" for i in range(20)]
    barrier = SPAWN.Barrier(processes * threads)
    pipes: list[Connection] = []
    procs = []
    for p in range(processes):
        ours, theirs = SPAWN.Pipe()
        proc = SPAWN.Process(target=race_claims, args=(database_url, f"p{p}", keys, threads, barrier, theirs))
        proc.start()
        theirs.close()
        pipes.append(ours)
        procs.append(proc)
    results = []
    for pipe in pipes:
        assert pipe.poll(STARTUP_DEADLINE), "a racer process never reported"
        results.append(pipe.recv())
    for proc in procs:
        proc.join(STEP_DEADLINE)
    assert [errors for _, _, errors in results] == [[]] * processes
    won = Counter(key for _, keys_won, _ in results for key in keys_won)
    assert won == Counter(keys)
    with Session(engine) as session:
        notices = session.exec(select(Notice.key).where(col(Notice.key).startswith("test:race:"))).all()
        rows = session.exec(select(OutboxMessage.dedupe_key)).all()
    assert sorted(notices) == sorted(keys)
    assert sorted(rows) == sorted(keys)
