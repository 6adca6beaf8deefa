"""The Slack outbox against the stand-in: pacing per channel, 429 Retry-After, 5xx backoff,
permanent errors kept, and never a lost or doubled card. Time is a ManualClock; nothing sleeps."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlmodel import Session, select

from socialdesk.app import Runtime
from socialdesk.clock import ManualClock, as_utc
from socialdesk.domain.enums import OutboxStatus
from socialdesk.domain.models import Case, OutboxMessage
from socialdesk.standin import SlackStandin
from tests.integration.helpers import generic_mention, post_generic, settle


def _open_cases(
    server: str, runtime: Runtime, clock: ManualClock, n: int, text: str = "Where is my parcel?"
) -> None:
    for i in range(n):
        post_generic(server, generic_mention(f"o-{i}", text, created_at=clock.now(), handle=f"user{i}"))
    runtime.pipeline.drain()


def _outbox(runtime: Runtime) -> list[OutboxMessage]:
    with Session(runtime.engine) as s:
        return list(s.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())  # type: ignore[arg-type]


def _card_posts_per_case(standin: SlackStandin) -> Counter[str]:
    """Accepted chat.postMessage calls per outbox row (refused attempts don't count as posts)."""
    return Counter(
        str(call.args.get("metadata"))
        for call in standin.calls_to("chat.postMessage")
        if isinstance(call.response, dict) and call.response.get("ok")
    )


def test_at_most_one_post_per_second_per_channel(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    _open_cases(server, runtime, clock, 5)
    report = runtime.outbox.drain()
    assert report.sent == 1 and report.waiting == 4
    assert report.next_due == clock.now() + timedelta(seconds=1)
    clock.advance(timedelta(milliseconds=999))
    assert runtime.outbox.drain().sent == 0
    for expected_total in (2, 3, 4, 5):
        clock.advance(timedelta(seconds=1))
        runtime.outbox.drain()
        assert len(standin.calls_to("chat.postMessage")) == expected_total
    assert len(standin.messages("social-support")) == 5


def test_channels_are_paced_independently(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    post_generic(server, generic_mention("p-1", "refund please", created_at=clock.now(), handle="a"))
    post_generic(server, generic_mention("p-2", "How do I export?", created_at=clock.now(), handle="b"))
    post_generic(server, generic_mention("p-3", "site is down", created_at=clock.now(), handle="c"))
    runtime.pipeline.drain()
    assert runtime.outbox.drain().sent == 3  # three channels, one each, in the same second


def test_429_retry_after_is_honoured_and_nothing_doubles(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    _open_cases(server, runtime, clock, 2)
    standin.fail("chat.postMessage", status=429, retry_after=7)
    report = runtime.outbox.drain()
    assert report.sent == 0 and report.retried == 1
    assert report.next_due == clock.now() + timedelta(seconds=7)
    clock.advance(timedelta(seconds=6))
    assert runtime.outbox.drain().sent == 0, "sent before Retry-After ran out"
    clock.advance(timedelta(seconds=1))
    assert runtime.outbox.drain().sent == 1
    clock.advance(timedelta(seconds=1))
    assert runtime.outbox.drain().sent == 1
    assert len(standin.messages("social-support")) == 2
    posts = _card_posts_per_case(standin)
    assert len(posts) == 2 and all(n == 1 for n in posts.values())
    assert {m.status for m in _outbox(runtime)} == {OutboxStatus.SENT}


def test_5xx_backs_off_and_recovers(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    _open_cases(server, runtime, clock, 1)
    standin.fail("chat.postMessage", status=500, times=3)
    waits = []
    for _ in range(3):
        report = runtime.outbox.drain()
        assert report.sent == 0 and report.retried == 1
        assert report.next_due is not None
        waits.append((report.next_due - clock.now()).total_seconds())
        clock.set(report.next_due)
    assert waits == [1.0, 2.0, 4.0]
    assert runtime.outbox.drain().sent == 1
    assert len(standin.messages("social-support")) == 1
    row = _outbox(runtime)[0]
    assert row.status is OutboxStatus.SENT and row.attempts == 4


def test_permanent_error_is_kept_as_dead_with_the_reason(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    _open_cases(server, runtime, clock, 1)
    standin.fail("chat.postMessage", error="invalid_blocks")
    report = runtime.outbox.drain()
    assert report.dead == 1
    row = _outbox(runtime)[0]
    assert row.status is OutboxStatus.DEAD and row.last_error == "invalid_blocks"
    dead = runtime.metrics.registry.get_sample_value(
        "socialdesk_outbox_dead_total", {"error": "invalid_blocks"}
    )
    assert dead == 1


def test_updates_and_thread_posts_wait_for_the_card(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    post_generic(
        server,
        generic_mention("t-1", "Where is my parcel?", created_at=clock.now(), handle="kim", platform="x"),
    )
    runtime.pipeline.drain()
    standin.fail("chat.postMessage", status=429, retry_after=30)
    runtime.outbox.drain()  # the card is held back by the rate limit
    post_generic(
        server,
        generic_mention(
            "t-2", "hello??", created_at=clock.now(), handle="kim", platform="x", in_reply_to="t-1"
        ),
    )
    runtime.pipeline.drain()
    clock.advance(timedelta(seconds=30))
    runtime.outbox.drain()
    clock.advance(timedelta(seconds=1))
    runtime.outbox.drain()
    clock.advance(timedelta(seconds=1))
    runtime.outbox.drain()
    cards = standin.messages("social-support")
    assert len(cards) == 1
    assert len(cards[0].replies) == 1
    with Session(runtime.engine) as s:
        case = s.exec(select(Case)).one()
        assert case.mention_count == 2
    # The card was drawn when it was finally sent, so it already shows two messages: no update needed.
    assert standin.calls_to("chat.update") == []
    assert {m.status for m in _outbox(runtime)} == {OutboxStatus.SENT}


def test_slack_down_then_back_loses_nothing(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    _open_cases(server, runtime, clock, 6)
    standin.fail("chat.postMessage", status=503, times=4)
    settle(runtime, clock)
    assert len(standin.messages("social-support")) == 6
    posts = _card_posts_per_case(standin)
    assert len(posts) == 6 and all(n == 1 for n in posts.values())
    with Session(runtime.engine) as s:
        assert all(c.slack_ts for c in s.exec(select(Case)).all())
    assert all(as_utc(m.sent_at) >= as_utc(m.created_at) for m in _outbox(runtime) if m.sent_at)


def test_without_pacing_one_pass_sends_a_whole_backlog(
    database_url: str, standin: SlackStandin, clock: ManualClock
) -> None:
    from socialdesk.app import build_runtime
    from tests.conftest import make_settings
    from tests.support import live_server

    settings = make_settings(database_url, standin.url).model_copy(update={"slack_channel_interval": 0.0})
    rt = build_runtime(settings, clock=clock, migrate=False)
    try:
        with live_server(rt.http) as base:
            _open_cases(base, rt, clock, 6)
        report = rt.outbox.drain()
        assert report.sent == 6 and report.next_due is None
        assert len(standin.messages("social-support")) == 6
        page = rt.outbox.drain(limit=2)
        assert page.sent == 0 and page.next_due is None
    finally:
        rt.engine.dispose()


class TickingClock(ManualClock):
    """Real time's one property the manual clock lacks: every reading is later than the last."""

    def __init__(self, start: ManualClock, step: timedelta) -> None:
        super().__init__(start.now())
        self.step = step

    def now(self) -> datetime:
        return self.advance(self.step)


def _runtime_with(database_url: str, standin: SlackStandin, clock: ManualClock, interval: float) -> Runtime:
    from socialdesk.app import build_runtime
    from tests.conftest import make_settings

    settings = make_settings(database_url, standin.url)
    settings = settings.model_copy(update={"slack_channel_interval": interval})
    return build_runtime(settings, clock=clock, migrate=False)


def test_without_pacing_a_pass_sends_the_backlog_while_time_moves(
    database_url: str, standin: SlackStandin, clock: ManualClock
) -> None:
    # Each call ends later than the pass began: with no interval that must not end the channel's turn
    # (it did once, and a 10,000-card backlog took one pass, reading every page, per card).
    from tests.support import live_server

    rt = _runtime_with(database_url, standin, TickingClock(clock, timedelta(milliseconds=5)), 0.0)
    try:
        with live_server(rt.http) as base:
            _open_cases(base, rt, clock, 6)
        assert rt.outbox.drain().sent == 6
    finally:
        rt.engine.dispose()


def test_the_next_call_waits_an_interval_from_the_end_of_the_last(
    database_url: str, standin: SlackStandin, clock: ManualClock
) -> None:
    # A call that ends 300 ms into the pass frees the channel one interval after that, not after the
    # pass's start (Slack would answer the early call 429).
    from tests.support import live_server

    ticking = TickingClock(clock, timedelta(0))
    rt = _runtime_with(database_url, standin, ticking, 1.0)
    try:
        with live_server(rt.http) as base:
            _open_cases(base, rt, clock, 2)
        ticking.step = timedelta(milliseconds=300)
        started = ticking.now() + ticking.step  # the pass's own first reading
        report = rt.outbox.drain()
        assert report.sent == 1
        assert report.next_due is not None and report.next_due > started + timedelta(seconds=1)
    finally:
        rt.engine.dispose()


def test_one_pass_reads_every_page_and_comes_back_at_the_channel_pace(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    _open_cases(server, runtime, clock, 3)
    report = runtime.outbox.drain(limit=2)
    assert report.sent == 1 and report.waiting == 2 and not report.more
    assert report.next_due == clock.now() + timedelta(seconds=1)


def test_a_blocked_channel_filling_a_page_neither_spins_nor_hides_other_channels(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    _open_cases(server, runtime, clock, 12)  # twelve cards for #social-support
    post_generic(server, generic_mention("other-1", "site is down", created_at=clock.now(), handle="zed"))
    runtime.pipeline.drain()  # one more, for another channel, behind them
    standin.fail("chat.postMessage", status=429, retry_after=9)
    first = runtime.outbox.drain(limit=5)
    assert first.retried == 1
    # The other channel's card, on the third page, still went out in the same pass.
    assert first.sent == 1
    second = runtime.outbox.drain(limit=5)
    assert second.sent == 0 and second.next_due == clock.now() + timedelta(seconds=9), second
