"""Exactly once across replicas with the real scheduled jobs, on PostgreSQL: the SLA scan
(`runtime.jobs["sla-scan"]`) and the daily digest (`runtime.jobs["digest"]`), run by several `serve`-like
processes (tests/integration/replica_jobs_worker.py) on one database.

The test process is the rest of the deployment: it takes the customers' posts through the signed
webhook (so every case has its card in Slack), seeds a finished day for the digest, and at the end
drains the outbox once into the Slack stand-in, where what people would see is counted: one at-risk
nudge in each card's thread, one grouped breach alert per team, one page, one digest with its chart.

Time is an input: every process has its own ManualClock, and each round sets all of them to the same
instant. Two ways to run the replicas:
- without a leader, every replica runs both jobs at the same moment in every round (a barrier across
  the processes releases them): the database alone (the scan's SKIP LOCKED rows, and the Notice keys
  claimed with every alert and digest) must keep each send single;
- with the real `LeaderElector` (advisory lock) and the scheduler's leader-only gate, only the leader
  runs them; it is SIGKILLed between two rounds and a follower takes over.

Each test gets its own database on the server (`test_replica_<random>`), so it never competes with
other runs for the tables or the advisory lock, and drops it afterwards.
"""

from __future__ import annotations

import multiprocessing
import re
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection, wait
from typing import Any, cast

import pytest
from sqlalchemy import create_engine, make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session, select

from socialdesk.app import Runtime, build_runtime
from socialdesk.clock import ManualClock
from socialdesk.domain.enums import OutboxStatus
from socialdesk.domain.models import Notice, OutboxMessage
from socialdesk.standin import SlackStandin
from socialdesk.store.db import make_engine
from socialdesk.store.migrate import upgrade
from tests import support
from tests.integration.digest_seed import seed_tuesday
from tests.integration.replica_jobs_worker import replica_config, run_replica, settings_for
from tests.integration.sla_helpers import PRIYA, alerts, blocks_text, card, post_cases, stored, thread

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not support.postgres_url(), reason="needs PostgreSQL: several processes and advisory locks"
    ),
]

SPAWN = multiprocessing.get_context("spawn")
STARTUP_DEADLINE = 60.0  # spawn imports the whole bot in each process
STEP_DEADLINE = 20.0  # a round is a scan and a digest build; this only bounds a failure
TAKEOVER_LIMIT = 60.0  # the promise: another replica leads within a minute of the leader's death
DUTY_GROUP = "S0DUTYLEAD"
DUTY_LEADS = [PRIYA, DUTY_GROUP]

# Wednesday 25 Nov 2026 (London is on UTC in November). Customers post at 07:00; a Reddit case's first
# response is due in 60 min: at risk from 07:48 (80 %), breached from 08:00, the duty leads paged from
# 08:30 (150 %). The daily digest of Tuesday (seeded by `seed_tuesday`) is due from 08:00.
POSTED = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
SUPPORT_TEXTS = [f"where is my parcel number {n}? nobody answers" for n in range(5)]
BILLING_TEXTS = ["I was charged twice, I want a refund", "please refund my last invoice"]


def minute(minutes: int) -> datetime:
    return POSTED + timedelta(minutes=minutes)


AT_RISK, BREACH, PAGE = minute(48), minute(61), minute(90)


# -- a database of our own ----------------------------------------------------------------------------


@pytest.fixture
def replica_url() -> Iterator[str]:
    """A fresh, migrated database on the test server, dropped afterwards."""
    pg = support.postgres_url()
    assert pg is not None
    base = make_url(pg)
    name = f"test_replica_{secrets.token_hex(6)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@dataclass
class Desk:
    """The test's own process: webhooks in, outbox out, on a manual clock."""

    runtime: Runtime
    clock: ManualClock
    server: str


@pytest.fixture
def desk(replica_url: str, standin: SlackStandin) -> Iterator[Desk]:
    clock = ManualClock(POSTED)
    runtime = build_runtime(
        settings_for(replica_url, standin.url), clock=clock, config=replica_config(DUTY_LEADS), migrate=False
    )
    try:
        with support.live_server(runtime.http) as server:
            yield Desk(runtime, clock, server)
    finally:
        runtime.close()


@dataclass
class Seeded:
    support: list[int]
    billing: list[int]

    @property
    def cases(self) -> list[int]:
        return self.support + self.billing

    def team_of(self, case_id: int) -> str:
        return "support" if case_id in self.support else "billing"


def seed(desk: Desk) -> Seeded:
    """Seven unanswered cases posted at 07:00 through the webhook (their cards are in Slack), five for
    support and two for billing, and a finished Tuesday for the digest."""
    ids = post_cases(desk.server, desk.runtime, desk.clock, SUPPORT_TEXTS + BILLING_TEXTS)
    assert len(ids) == 7 and max(ids) < 10  # one digit: "#1" is never part of "#12" below
    teams = {case_id: stored(desk.runtime, case_id).team for case_id in ids}
    seeded = Seeded(
        support=[c for c in ids if teams[c] == "support"], billing=[c for c in ids if teams[c] == "billing"]
    )
    assert (len(seeded.support), len(seeded.billing)) == (5, 2), teams
    seed_tuesday(desk.runtime.engine)
    return seeded


# -- the replicas ---------------------------------------------------------------------------------------


class Replicas:
    """The test's side of the replica processes: starts them, runs rounds, collects reports."""

    def __init__(self, url: str, standin: SlackStandin, mode: str, names: list[str]) -> None:
        self.url, self.standin, self.mode, self.names = url, standin, mode, names
        self.lock_key = secrets.randbits(62)
        # Two threads per replica (the scan and the digest) wait at the barrier: one for all the
        # replicas, one for one fewer after a kill. A replica is only killed while idle, never inside
        # a barrier, so both stay usable.
        self.barriers = {2 * n: SPAWN.Barrier(2 * n) for n in (len(names), len(names) - 1) if n}
        self.procs: dict[str, Any] = {}
        self.pipes: dict[str, Connection] = {}
        self.status: dict[str, str] = {}  # ready, leader, follower, stopped, dead
        self.leader_at: dict[str, float] = {}
        self.done: dict[int, dict[str, dict[str, Any]]] = {}  # round -> replica -> job -> outcome
        self.errors: list[str] = []

    def start(self) -> None:
        for name in self.names:
            ours, theirs = SPAWN.Pipe()
            args = (
                name,
                self.url,
                self.standin.url,
                theirs,
                POSTED.isoformat(),
                DUTY_LEADS,
                self.mode,
                self.lock_key,
                self.barriers,
            )
            proc = SPAWN.Process(target=run_replica, args=args, name=f"replica-{name}", daemon=True)
            proc.start()
            theirs.close()
            self.procs[name], self.pipes[name] = proc, ours

    def live(self) -> list[str]:
        return [n for n in self.procs if self.status.get(n) not in ("dead", "stopped")]

    def pump(self, timeout: float) -> None:
        readers = {self.pipes[n]: n for n in self.procs if self.status.get(n) != "dead"}
        for ready in wait(list(readers), timeout):
            reader = cast(Connection, ready)
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
            elif what == "done":
                self.done.setdefault(message[2], {})[name] = message[3]
            elif what == "error":
                self.errors.append(f"{name}: {message[2]}")

    def until(self, condition: Callable[[], bool], what: str, deadline: float = STEP_DEADLINE) -> None:
        end = time.monotonic() + deadline
        while not condition():
            assert not self.errors, "\n".join(self.errors)
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {what}; replicas: {self.status}")
            self.pump(min(left, 0.05))  # blocks on the pipes: returns as soon as a replica reports
        assert not self.errors, "\n".join(self.errors)

    def started(self) -> None:
        self.until(lambda: len(self.status) == len(self.names), "the replicas to start", STARTUP_DEADLINE)

    def leaders(self) -> list[str]:
        return [n for n in self.live() if self.status.get(n) == "leader"]

    def one_leader(self) -> str:
        self.until(lambda: len(self.leaders()) == 1, "exactly one leader")
        return self.leaders()[0]

    def round(self, number: int, when: datetime) -> dict[str, dict[str, Any]]:
        """Every live replica runs both jobs at `when`, all released together; their outcomes by name."""
        live = self.live()
        for name in live:
            self.pipes[name].send(("round", number, when.isoformat(), 2 * len(live)))
        self.until(lambda: set(self.done.get(number, {})) == set(live), f"round {number}")
        return self.done[number]

    def kill(self, name: str) -> float:
        """SIGKILL: no cleanup, the elector's connection just drops. Returns when it happened."""
        self.procs[name].kill()
        killed_at = time.monotonic()
        self.procs[name].join(STEP_DEADLINE)
        self.status[name] = "dead"
        return killed_at

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
def group(replica_url: str, standin: SlackStandin) -> Iterator[Callable[[str, list[str]], Replicas]]:
    made: list[Replicas] = []

    def make(mode: str, names: list[str]) -> Replicas:
        replicas = Replicas(replica_url, standin, mode, names)
        replicas.start()  # spawning takes seconds: the test seeds meanwhile
        made.append(replicas)
        return replicas

    yield make
    for replicas in made:
        replicas.stop_all()  # before the database is dropped


# -- what the rounds did, and what reached Slack --------------------------------------------------------


def totals(outcomes: list[dict[str, Any]]) -> Counter[str]:
    """Nudges, breaches and pages the scans queued, and digests queued, over the outcomes of some rounds."""
    total: Counter[str] = Counter()
    for outcome in outcomes:
        scan = outcome["sla-scan"]["result"]
        if scan is not None:
            total.update({k: scan[k] for k in ("nudges", "breaches", "pages")})
        total["digests"] += outcome["digest"]["result"] is True
    return total


def all_outcomes(replicas: Replicas) -> list[dict[str, Any]]:
    return [outcome for by_name in replicas.done.values() for outcome in by_name.values()]


def drain(desk: Desk, when: datetime) -> None:
    """The outbox, once, from the test process: everything the replicas queued reaches the stand-in."""
    desk.clock.set(when)
    desk.runtime.run_until_idle(desk.clock)


def case_links(message_text: str) -> Counter[int]:
    return Counter(int(n) for n in re.findall(r"\|#(\d+)>", message_text))


def page_refs(message_text: str) -> Counter[int]:
    return Counter(int(n) for n in re.findall(r"#(\d)\b", message_text))


def assert_each_sent_once(desk: Desk, standin: SlackStandin, seeded: Seeded, *, scans: int = 1) -> None:
    """Each alert level of each case and the digest reached Slack exactly once.

    A grouped alert is one message per channel per `sla.alert_window_minutes`. `scans` is how many scans
    ran at the same moment: with a leader, one; without one, the concurrent scans share the due cases
    between them (SKIP LOCKED) and add them to the same message (updated), so there is still one
    message per channel and each case is in exactly one of them."""
    # One at-risk nudge in each card's thread.
    for case_id in seeded.cases:
        channel = f"social-{seeded.team_of(case_id)}"
        nudges = [line for line in thread(standin, case_id, channel) if "at risk" in line]
        assert len(nudges) == 1, (case_id, nudges)
        assert "duty lead paged" in blocks_text(card(standin, case_id, channel))
    # One grouped breach alert per team, naming each of its cases once.
    for team, cases in (("support", seeded.support), ("billing", seeded.billing)):
        texts = [blocks_text(alert) for alert in alerts(standin, f"social-{team}")]
        assert len(texts) == 1, texts  # `scans` scans at once still make one message, updated
        assert all("breached" in text for text in texts)
        assert sum((case_links(text) for text in texts), Counter()) == Counter(cases), (team, texts)
        assert f"{len(cases)} cases breached" in texts[0]
    # One page for the duty leads, naming every case once.
    pages = [blocks_text(page) for page in alerts(standin, "social-duty", head="sla:page:head")]
    assert len(pages) == 1, pages
    assert all(f"<@{PRIYA}> <!subteam^{DUTY_GROUP}>" in text for text in pages)
    assert sum((page_refs(text) for text in pages), Counter()) == Counter(seeded.cases), pages
    # One digest of Tuesday, with one chart in its thread.
    digests = [m for m in standin.messages("social-managers") if "digest" in m.text.lower()]
    assert [d.text.split(":")[0] for d in digests] == ["📬 Daily digest · Tue 24 Nov 2026"]
    [chart] = standin.files()
    assert chart.completed and [r.files for r in digests[0].replies] == [[chart.id]]
    # And underneath: each Notice key once, every outbox row sent, each Slack post made once.
    with Session(desk.runtime.engine) as session:
        keys = session.exec(select(Notice.key)).all()
        rows = session.exec(
            select(OutboxMessage.dedupe_key, OutboxMessage.method, OutboxMessage.status)
        ).all()
    expected = {f"sla:{c}:{level}" for c in seeded.cases for level in ("at_risk", "breached", "paged")}
    expected |= {"digest:daily:2026-11-24", "digest-chart:daily:2026-11-24"}
    # One grouped message per channel: concurrent scans add to the same group (bot/sla/groups.py).
    expected |= {"sla-breach:#social-support:1", "sla-breach:#social-billing:1", "sla-page:#social-duty:1"}
    assert Counter(keys) == Counter(expected)
    assert [key for key, _, status in rows if status is not OutboxStatus.SENT] == []
    posts = [key for key, method, _ in rows if method == "chat.postMessage"]
    assert len(standin.calls_to("chat.postMessage")) == len(posts)  # one Slack call per queued post


# -- the tests ----------------------------------------------------------------------------------------


ROUNDS = [minute(30), AT_RISK, minute(50), BREACH, minute(62), PAGE, minute(91)]


def test_replicas_without_a_leader_send_each_alert_and_the_digest_once(
    desk: Desk, standin: SlackStandin, group: Callable[[str, list[str]], Replicas]
) -> None:
    """The second line of defence: three replicas that all run the scan and the digest at the same
    moment, round after round (as two processes that both believe they lead would). Nothing but the
    database keeps them apart: the scans share the due cases (SKIP LOCKED) and claim each alert's
    Notice key, the digest builds race for the period's Notice key."""
    replicas = group("free", ["a", "b", "c"])
    seeded = seed(desk)
    replicas.started()
    for number, when in enumerate(ROUNDS):
        outcomes = replicas.round(number, when)
        assert {o["sla-scan"]["result"] is not None for o in outcomes.values()} == {True}  # nobody gated
    replicas.stop_all()

    n = len(seeded.cases)
    assert totals(all_outcomes(replicas)) == Counter(nudges=n, breaches=n, pages=n, digests=1)
    by_round = {number: totals(list(replicas.done[number].values())) for number in replicas.done}
    assert by_round[ROUNDS.index(AT_RISK)] == Counter(nudges=n, breaches=0, pages=0, digests=0)
    assert by_round[ROUNDS.index(BREACH)] == Counter(nudges=0, breaches=n, pages=0, digests=1)
    assert by_round[ROUNDS.index(PAGE)] == Counter(nudges=0, breaches=0, pages=n, digests=0)
    drain(desk, ROUNDS[-1])
    assert_each_sent_once(desk, standin, seeded, scans=len(replicas.names))


def test_only_the_leader_runs_the_jobs_and_a_follower_takes_over_when_it_is_killed(
    desk: Desk, standin: SlackStandin, group: Callable[[str, list[str]], Replicas]
) -> None:
    replicas = group("leader", ["a", "b", "c"])
    seeded = seed(desk)
    replicas.started()
    first = replicas.one_leader()

    def run(number: int, when: datetime, leader: str) -> Counter[str]:
        outcomes = replicas.round(number, when)
        for name, outcome in outcomes.items():
            for job, ran in outcome.items():
                assert ran["leader"] is (name == leader), (number, name, job)
                assert (ran["result"] is None) is (name != leader), (number, name, job)  # the gate
        return totals(list(outcomes.values()))

    n = len(seeded.cases)
    assert run(0, minute(30), first) == Counter(nudges=0, breaches=0, pages=0, digests=0)
    assert run(1, AT_RISK, first) == Counter(nudges=n, breaches=0, pages=0, digests=0)

    # Between two rounds the leader dies without a word; PostgreSQL frees its lock with its session.
    killed_at = replicas.kill(first)
    replicas.until(lambda: len(replicas.leaders()) == 1, "a follower to take over", TAKEOVER_LIMIT)
    second = replicas.leaders()[0]
    takeover = replicas.leader_at[second] - killed_at
    print(f"\nfailover after SIGKILL: {takeover:.2f} s")
    assert second != first and 0 < takeover < TAKEOVER_LIMIT

    assert run(2, minute(50), second) == Counter(nudges=0, breaches=0, pages=0, digests=0)
    assert run(3, BREACH, second) == Counter(nudges=0, breaches=n, pages=0, digests=1)
    assert run(4, minute(62), second) == Counter(nudges=0, breaches=0, pages=0, digests=0)
    assert run(5, PAGE, second) == Counter(nudges=0, breaches=0, pages=n, digests=0)
    replicas.stop_all()

    drain(desk, PAGE)
    assert_each_sent_once(desk, standin, seeded)
