"""Slack down for a while (5xx, then timeouts, then a 429 storm) and back: webhooks keep being accepted
and stored, /readyz reports the degraded Slack while /healthz and /readyz stay 200, and afterwards the
backlog drains in order per channel with every card exactly once. Time is a ManualClock; the only
real waits are for the stand-in to finish the calls whose answers the client gave up on."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
from sqlmodel import Session, col, select

from socialdesk.app import Runtime
from socialdesk.clock import ManualClock, as_utc
from socialdesk.domain.enums import OutboxStatus
from socialdesk.domain.models import Case, InboxItem, OutboxMessage
from socialdesk.standin import SlackStandin
from tests.integration.helpers import generic_mention, post_generic

SUPPORT, BILLING = "social-support", "social-billing"
WRITES = ("chat.postMessage", "chat.update")
STORM_RETRY_AFTER = 20
SLOW_ANSWER, CLIENT_TIMEOUT = 1.0, 0.3  # seconds, real: the stand-in answers after the client gave up


def ready(server: str) -> dict[str, Any]:
    answer = httpx.get(f"{server}/readyz", timeout=10)
    assert answer.status_code == 200, answer.text  # Slack's state never fails readiness
    assert httpx.get(f"{server}/healthz", timeout=10).status_code == 200
    body: dict[str, Any] = answer.json()
    assert body["database"] == "ok" and body["leader"] is True
    return body


def accept(server: str, clock: ManualClock, mid: str, text: str, **kwargs: Any) -> None:
    answer = post_generic(server, generic_mention(mid, text, created_at=clock.now(), **kwargs))
    assert answer.status_code == 200, answer.text


def worker(runtime: Runtime, clock: ManualClock, seconds: int) -> None:
    """The outbox worker for `seconds` of simulated time: ingest, then a pass every second (its idle look)."""
    for _ in range(seconds):
        runtime.pipeline.drain()
        runtime.outbox.drain()
        clock.advance(timedelta(seconds=1))


def writes(standin: SlackStandin) -> int:
    return sum(len(standin.calls_to(m)) for m in WRITES)


def wait_for_slow_calls(standin: SlackStandin, before: int, count: int) -> None:
    """The stand-in records a held-back call once it has answered it (after the client gave up)."""
    deadline = time.monotonic() + 10
    while writes(standin) < before + count and time.monotonic() < deadline:
        time.sleep(0.02)  # sleep-ok: polling another thread or process with a deadline
    assert writes(standin) == before + count


def outbox(runtime: Runtime) -> list[OutboxMessage]:
    with Session(runtime.engine) as s:
        return list(s.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())


def card_rows(runtime: Runtime) -> dict[int, OutboxMessage]:
    """Each case's card post, by case id."""
    return {
        row.case_id: row
        for row in outbox(runtime)
        if row.method == "chat.postMessage" and row.payload.get("render") == "case_card" and row.case_id
    }


def posted_ids(standin: SlackStandin, channel: str) -> list[int]:
    """The outbox ids of the channel's top-level messages, in the order Slack shows them."""
    return [int((m.metadata or {})["event_payload"]["outbox_id"]) for m in standin.messages(channel)]


def test_slack_outage_then_recovery_keeps_every_webhook_and_drains_in_order(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    # Before: two billing cases with their cards in Slack; nothing known about Slack before a call.
    assert ready(server)["slack"] == "unknown"
    accept(server, clock, "b-0", "refund please, charged twice", handle="bea", platform="x")
    accept(server, clock, "b-1", "I want a refund for my order", handle="bo", platform="x")
    worker(runtime, clock, 3)
    assert len(standin.messages(BILLING)) == 2 and ready(server)["slack"] == "ok"

    # 1. Slack answers 503 to every write for 90 s. Webhooks keep coming: new cases and follow-ups.
    for method in WRITES:
        standin.fail(method, status=503, times=100_000)
    for n in range(3):
        accept(server, clock, f"s-{n}", f"where is my parcel number {n}?", handle=f"sam{n}")
        worker(runtime, clock, 10)
    accept(server, clock, "b-0-2", "hello?? anyone", handle="bea", platform="x", in_reply_to="b-0")
    worker(runtime, clock, 60)
    during = ready(server)
    assert during["slack"] == "degraded" and during["outbox_pending"] >= 5
    assert during["outbox_oldest_age_seconds"] >= 80
    assert len(standin.messages(SUPPORT)) == 0

    # 2. Timeouts: Slack takes the next card post and card update but the answers never come back.
    standin.clear_failures()
    runtime.slack.timeout = CLIENT_TIMEOUT
    slow = [standin.fail(method, delay=SLOW_ANSWER) for method in WRITES]
    clock.set(max(as_utc(row.next_attempt_at) for row in outbox(runtime)))
    before, errors = writes(standin), []
    for _ in range(5):  # the billing thread line goes first, then its card update meets the slow answer
        errors += runtime.outbox.drain().errors
        clock.advance(timedelta(seconds=1))
        if all(rule.used.is_set() for rule in slow):
            break
    assert [e.split(":")[0] for e in errors] == ["network", "network"], errors
    accept(server, clock, "s-3", "where is my parcel number 3?", handle="sam3")
    assert ready(server)["slack"] == "degraded"
    wait_for_slow_calls(standin, before, 3)
    assert len(standin.messages(SUPPORT)) == 1  # taken by Slack, unknown to us

    # 3. A 429 storm for three minutes, webhooks still coming; the sender honours Retry-After.
    runtime.slack.timeout = 10
    for method in WRITES:
        standin.fail(method, status=429, retry_after=STORM_RETRY_AFTER, times=100_000)
    before = writes(standin)
    accept(server, clock, "s-4", "where is my parcel number 4?", handle="sam4")
    accept(server, clock, "b-1-2", "still waiting for refund", handle="bo", platform="x", in_reply_to="b-1")
    worker(runtime, clock, 180)
    storm_calls = writes(standin) - before
    print(f"\n429 storm: {storm_calls} writes in 180 s simulated, Retry-After {STORM_RETRY_AFTER} s")
    assert 0 < storm_calls <= 2 * (180 // STORM_RETRY_AFTER + 1), storm_calls  # two channels, no busy loop
    assert ready(server)["slack"] == "degraded"
    metrics = httpx.get(f"{server}/metrics", timeout=10).text
    assert "socialdesk_slack_state 1.0" in metrics
    assert "socialdesk_outbox_oldest_pending_seconds 0.0" not in metrics

    # Every webhook of the outage was accepted and stored, and became a case or joined one.
    with Session(runtime.engine) as s:
        assert len(s.exec(select(InboxItem)).all()) == 9
        assert len(s.exec(select(Case)).all()) == 7

    # 4. Slack is back: the backlog drains.
    standin.clear_failures()
    started, wall = clock.now(), time.monotonic()
    runtime.run_until_idle(clock)
    print(
        f"\nbacklog drained in {(clock.now() - started).total_seconds():.0f} s simulated,"
        f" {time.monotonic() - wall:.2f} s wall"
    )

    rows = outbox(runtime)
    assert {row.status for row in rows} == {OutboxStatus.SENT}
    cards = card_rows(runtime)
    assert len(cards) == 7
    with Session(runtime.engine) as s:
        cases = {c.id: c for c in s.exec(select(Case)).all()}
    for channel in (SUPPORT, BILLING):
        ids = posted_ids(standin, channel)
        assert ids == sorted(ids), f"{channel} out of order: {ids}"  # the original order per channel
        assert len(ids) == len(set(ids)), f"{channel} has a card twice: {ids}"
    posted = Counter(posted_ids(standin, SUPPORT) + posted_ids(standin, BILLING))
    assert posted == Counter(row.id for row in cards.values())  # every case's card, exactly once
    by_ts = {m.ts: m for channel in (SUPPORT, BILLING) for m in standin.messages(channel)}
    for case_id, row in cards.items():
        assert cases[case_id].slack_ts == row.result_ts and row.result_ts in by_ts
    # Each follow-up is one line in its card's thread, and the cards were redrawn with it.
    for message in standin.messages(BILLING):
        assert len(message.replies) == 1, [r.text for r in message.replies]
    body = ready(server)
    assert body["slack"] == "ok" and body["outbox_pending"] == 0
    assert body["outbox_oldest_age_seconds"] == 0
    metrics = httpx.get(f"{server}/metrics", timeout=10).text
    assert "socialdesk_slack_state 0.0" in metrics and "socialdesk_outbox_pending 0.0" in metrics


def test_a_429_storm_costs_one_call_per_retry_after_and_no_busy_loop(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    for n in range(3):
        accept(server, clock, f"r-{n}", f"where is my parcel number {n}?", handle=f"ria{n}")
    runtime.pipeline.drain()
    standin.fail("chat.postMessage", status=429, retry_after=30, times=100_000)
    for _ in range(200):  # a worker woken again and again at the same instant makes one call
        runtime.outbox.drain()
    assert len(standin.calls_to("chat.postMessage")) == 1
    worker(runtime, clock, 600)  # ten minutes at one pass a second
    calls = len(standin.calls_to("chat.postMessage"))
    assert 600 // 30 <= calls <= 600 // 30 + 1, calls
    assert len(standin.calls_to("conversations.history")) == 0  # a 429 means nothing was posted
    assert ready(server)["slack"] == "degraded"
    standin.clear_failures()
    runtime.run_until_idle(clock)
    assert len(standin.messages(SUPPORT)) == 3 and ready(server)["slack"] == "ok"
