"""Claims are atomic: many people pressing Claim on the same case at the same instant get one owner.

Three races on whatever `database_url` gives (a SQLite file by default, PostgreSQL when
SOCIALDESK_TEST_DATABASE_URL is set): threads calling `CaseWork.claim` directly, signed button clicks
through the live `POST /slack/events`, and several OS processes each with its own engine (what several
replicas, or several workers on one SQLite file, do). Every racer is released by a barrier; nothing
waits by sleeping.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from socialdesk.app import Runtime
from socialdesk.clock import ManualClock
from socialdesk.domain.casework import AlreadyClaimed, EventKind
from socialdesk.domain.enums import CaseStatus
from socialdesk.domain.models import Case, CaseEvent, OutboxMessage
from socialdesk.outbox.queue import RENDER_CASE_CARD, RENDER_EVENT_LINE
from socialdesk.slack.ids import ActionId, encode_case_value
from socialdesk.standin import SlackStandin
from tests import support
from tests.conftest import SAMPLE_CONFIG
from tests.integration.claim_worker import (
    BARRIER_TIMEOUT,
    ClaimResult,
    agent,
    build_work,
    race,
    run_process,
    warm_up,
    wide_engine,
)
from tests.integration.helpers import generic_mention, post_generic, settle

THREADS = 50
PROCESSES, THREADS_PER_PROCESS = 4, 13  # 52 claimers in all
HTTP_CLICKS = 50


def racers(n: int, prefix: str = "U0RACE") -> list[str]:
    return [f"{prefix}{i:03d}" for i in range(n)]


@pytest.fixture
def case_id(server: str, runtime: Runtime, clock: ManualClock) -> int:
    """One new, unclaimed case whose card is already in Slack (so a change queues a card update)."""
    response = post_generic(
        server, generic_mention("race-1", "my parcel never arrived", created_at=clock.now(), handle="racer")
    )
    assert response.status_code in (200, 202), response.text
    settle(runtime, clock)
    with Session(runtime.engine) as session:
        case = session.exec(select(Case)).one()
        assert case.id is not None and case.assignee is None and case.slack_ts is not None
        return case.id


@pytest.fixture
def wide(database_url: str) -> Iterator[Engine]:
    engine = wide_engine(database_url, THREADS)
    warm_up(engine, THREADS)
    yield engine
    engine.dispose()


def outbox_ids(engine: Engine) -> set[int]:
    with Session(engine) as session:
        return {i for i in session.exec(select(OutboxMessage.id)).all() if i is not None}


def assert_one_winner(results: list[ClaimResult], n: int) -> str:
    """Exactly one claimer won; every other one was told, by name, who did."""
    assert len(results) == n
    assert [r for r in results if r.error is not None] == []
    winners = [r for r in results if r.won]
    assert len(winners) == 1, [r.user for r in winners]
    winner = winners[0].user
    losers = [r for r in results if not r.won]
    assert len(losers) == n - 1
    assert {r.holder for r in losers} == {winner}
    assert all(f"is already claimed by <@{winner}>." in r.message for r in losers)
    return winner


def assert_recorded_once(engine: Engine, case_id: int, winner: str, outbox_before: set[int]) -> None:
    """The case belongs to the winner, with one claim event, one card update and one thread line."""
    with Session(engine) as session:
        case = session.get(Case, case_id)
        assert case is not None
        assert case.assignee == winner and case.status is CaseStatus.CLAIMED
        claims = session.exec(
            select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == EventKind.CLAIMED)
        ).all()
        assert [(e.actor, e.detail["after"]["assignee"]) for e in claims] == [(winner, winner)]
        new_rows = session.exec(
            select(OutboxMessage).where(col(OutboxMessage.id).not_in(outbox_before or {-1}))
        ).all()
        kinds = sorted((row.method, row.payload.get("render"), row.case_id) for row in new_rows)
        assert kinds == [
            ("chat.postMessage", RENDER_EVENT_LINE, case_id),
            ("chat.update", RENDER_CASE_CARD, case_id),
        ]
        line = next(row for row in new_rows if row.payload.get("render") == RENDER_EVENT_LINE)
        assert line.payload["event_id"] == claims[0].id
        update = next(row for row in new_rows if row.method == "chat.update")
        assert update.dedupe_key == f"card-update:{case_id}:{case.version}"  # drawn for the claimed state


def test_fifty_threads_claiming_one_case_leave_exactly_one_owner(
    case_id: int, wide: Engine, clock: ManualClock
) -> None:
    work = build_work(wide, SAMPLE_CONFIG, clock=clock)
    before = outbox_ids(wide)
    barrier = threading.Barrier(THREADS, timeout=BARRIER_TIMEOUT)
    results = race(work, case_id, racers(THREADS), barrier.wait)
    winner = assert_one_winner(results, THREADS)
    assert_recorded_once(wide, case_id, winner, before)
    # A late claimer is told the same name, and nothing more is recorded.
    with pytest.raises(AlreadyClaimed) as refused:
        work.claim(case_id=case_id, actor=agent("U0LATECOMER"))
    assert refused.value.assignee == winner
    assert_recorded_once(wide, case_id, winner, before)


def click_body(standin: SlackStandin, case_id: int, user: str, token: str) -> str:
    action = {
        "type": "button",
        "action_id": ActionId.CLAIM.value,
        "value": encode_case_value(case_id),
        "block_id": f"case:{case_id}:actions",
        "action_ts": "1.000001",
    }
    url = standin.response_url(token, channel="social-support", user=user)
    return support.block_action_body(action, response_url=url, user_id=user, channel_id="C0SUPPORT1")


def test_fifty_simultaneous_claim_clicks_get_one_yes_and_forty_nine_names(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock, case_id: int
) -> None:
    users = racers(HTTP_CLICKS, prefix="U0CLICK")
    tokens = {user: f"race-{user}" for user in users}
    bodies = {user: click_body(standin, case_id, user, tokens[user]) for user in users}
    before = outbox_ids(runtime.engine)
    barrier = threading.Barrier(HTTP_CLICKS, timeout=BARRIER_TIMEOUT)
    limits = httpx.Limits(max_connections=HTTP_CLICKS, max_keepalive_connections=HTTP_CLICKS)

    with httpx.Client(base_url=server, limits=limits, timeout=30) as client:
        # One request first so that the connection pool, Bolt and the engine are warm for the race.
        assert client.get("/healthz").status_code == 200

        def click(user: str) -> int:
            body = bodies[user]
            barrier.wait()
            headers = support.slack_headers(body, content_type="application/x-www-form-urlencoded")
            return client.post("/slack/events", content=body.encode(), headers=headers).status_code

        with ThreadPoolExecutor(max_workers=HTTP_CLICKS) as pool:
            statuses = list(pool.map(click, users))
    runtime.wait_for_listeners()

    assert statuses == [200] * HTTP_CLICKS
    answers: dict[str, list[str]] = {user: [] for user in users}
    by_token = {f"/response/{token}": user for user, token in tokens.items()}
    for call in standin.calls_to("response_url"):
        user = next((u for suffix, u in by_token.items() if call.path.endswith(suffix)), None)
        if user is not None:
            answers[user].append(str(call.args.get("text", "")))
    assert all(len(texts) == 1 for texts in answers.values()), answers
    said = Counter(texts[0] for texts in answers.values())
    winners = [user for user, texts in answers.items() if texts == [f"You claimed #{case_id}."]]
    assert len(winners) == 1, said
    winner = winners[0]
    assert said == {
        f"You claimed #{case_id}.": 1,
        f"#{case_id} is already claimed by <@{winner}>.": HTTP_CLICKS - 1,
    }
    assert_recorded_once(runtime.engine, case_id, winner, before)

    # And the card in the channel says so, with one line in its thread.
    settle(runtime, clock)
    card = standin.messages("social-support")[-1]
    assert f"Claimed by <@{winner}>" in json.dumps(card.blocks)
    assert sum(f"Claimed by <@{winner}>" in json.dumps(r.blocks) for r in card.replies) == 1


def test_a_claim_click_is_acked_while_every_listener_thread_is_busy(
    server: str, runtime: Runtime, standin: SlackStandin, case_id: int
) -> None:
    """The ack does not wait for a listener thread (socialdesk.slack.transport.bolt_route.ack_first): with
    the whole listener pool held up, Slack still gets its 200 at once, and the answer follows when a thread
    frees."""
    release = threading.Event()
    jam = [
        runtime.listeners.submit(release.wait, BARRIER_TIMEOUT) for _ in range(runtime.listeners._max_workers)
    ]
    try:
        body = click_body(standin, case_id, "U0PATIENT1", "jammed")
        headers = support.slack_headers(body, content_type="application/x-www-form-urlencoded")
        response = httpx.post(f"{server}/slack/events", content=body.encode(), headers=headers, timeout=30)
        assert response.status_code == 200, response.text
        assert not any(f.done() for f in jam)  # answered while every thread was still held
    finally:
        release.set()
    runtime.wait_for_listeners()
    answers = [
        str(c.args.get("text")) for c in standin.calls_to("response_url") if c.path.endswith("/jammed")
    ]
    assert answers == [f"You claimed #{case_id}."]


def test_claimers_in_several_processes_leave_exactly_one_owner(
    database_url: str, runtime: Runtime, case_id: int
) -> None:
    spawn = multiprocessing.get_context("spawn")
    parties = PROCESSES * THREADS_PER_PROCESS
    barrier = spawn.Barrier(parties)
    results_queue = spawn.Queue()
    users = racers(parties, prefix="U0PROC")
    before = outbox_ids(runtime.engine)
    processes = [
        spawn.Process(
            target=run_process,
            args=(
                database_url,
                str(SAMPLE_CONFIG),
                case_id,
                users[i * THREADS_PER_PROCESS : (i + 1) * THREADS_PER_PROCESS],
                barrier,
                results_queue,
            ),
            name=f"claimers-{i}",
        )
        for i in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    try:
        results: list[ClaimResult] = []
        for _ in processes:
            results.extend(results_queue.get(timeout=BARRIER_TIMEOUT + 30))
    finally:
        for process in processes:
            process.join(30)
            if process.is_alive():
                process.kill()
    assert [p.exitcode for p in processes] == [0] * PROCESSES
    winner = assert_one_winner(results, parties)
    assert_recorded_once(runtime.engine, case_id, winner, before)
