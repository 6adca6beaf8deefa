"""Posts are marked in flight in batches (socialdesk.outbox.history.mark_in_flight) and marked sent in
batches (socialdesk.outbox.marks): a sender that dies in the middle of a batch, before or after Slack
took a post, leaves every row of the batch, the posts whose sent-mark was still waiting among them, to be
looked up by the next sender, so nothing is lost and nothing is posted twice; a batch never overwrites
the marker another sender left; and a sender whose marks could not be written looks its own posts up
before posting any again. SQLite by default, PostgreSQL with SOCIALDESK_TEST_DATABASE_URL."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, event, update
from sqlmodel import Session, col, select

from socialdesk.app_outbox import build_outbox
from socialdesk.clock import ManualClock
from socialdesk.domain.enums import OutboxStatus
from socialdesk.domain.models import OutboxMessage
from socialdesk.metrics import Metrics
from socialdesk.outbox.history import IN_FLIGHT_BATCH, mark_in_flight, sender_token
from socialdesk.outbox.queue import enqueue
from socialdesk.outbox.renderers import RenderTable
from socialdesk.outbox.sender import OutboxSender
from socialdesk.plugin_host.registry import EMPTY
from socialdesk.slack.transport.channels import ChannelDirectory
from socialdesk.slack.transport.outbox_api import SlackCalls
from socialdesk.standin import SlackStandin
from socialdesk.store.db import make_engine, session_scope
from tests import support

CHANNEL = "C0SUPPORT1"  # an id: no channel lookups
ROWS = 6


class Killed(BaseException):
    """The process dying: no `except Exception` in the sender catches it, nothing after it runs."""


class DiesOnCall:
    """The ChatApi of a sender killed at its `n`th post, before Slack has it or after it answered."""

    def __init__(self, inner: SlackCalls, *, n: int, after_slack: bool) -> None:
        self._inner, self._n, self._after = inner, n, after_slack
        self.posts = 0

    def call(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        self.posts += 1
        if self.posts == self._n and not self._after:
            raise Killed
        answer = self._inner.call(method, args)
        if self.posts == self._n:
            raise Killed
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    made = make_engine(database_url, pool_size=2)
    yield made
    made.dispose()


def _client(standin: SlackStandin) -> WebClient:
    return WebClient(token=support.BOT_TOKEN, base_url=standin.url, timeout=10, retry_handlers=[])


def _queue(engine: Engine, clock: ManualClock) -> None:
    with session_scope(engine) as session:
        for n in range(ROWS):
            enqueue(
                session,
                dedupe_key=f"post-{n}",
                method="chat.postMessage",
                channel=CHANNEL,
                payload={"text": f"post {n}"},
                now=clock.now(),
            )


def _rows(engine: Engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())


def _posts_by_outbox_id(standin: SlackStandin) -> Counter[int]:
    return Counter(int((m.metadata or {})["event_payload"]["outbox_id"]) for m in standin.messages(CHANNEL))


@pytest.mark.parametrize("after_slack", [False, True], ids=["before the call", "after Slack took it"])
def test_a_sender_killed_mid_batch_loses_nothing_and_posts_nothing_twice(
    after_slack: bool, engine: Engine, standin: SlackStandin, clock: ManualClock
) -> None:
    _queue(engine, clock)
    client = _client(standin)
    channels = ChannelDirectory(client=client, engine=engine)
    dying = DiesOnCall(SlackCalls(client, channels), n=2, after_slack=after_slack)
    first = OutboxSender(
        engine=engine,
        api=dying,
        renderers=RenderTable(),
        clock=clock,
        metrics=Metrics(),
        per_channel_interval=0,
    )
    with pytest.raises(Killed):
        first.drain()
    rows = _rows(engine)
    marked = [
        r.id
        for r in rows
        if r.status is OutboxStatus.PENDING and (r.last_error or "").startswith("in_flight")
    ]
    # The batch: the rest of the backlog was marked with the first post, in one transaction; the first
    # post's sent-mark was waiting for the batch's, and went down with the sender.
    assert len(marked) == min(ROWS, IN_FLIGHT_BATCH), [(r.id, r.status, r.last_error) for r in rows]
    assert len(standin.messages(CHANNEL)) == (2 if after_slack else 1)

    second = build_outbox(
        engine=engine,
        client=client,
        channels=channels,
        plugins=EMPTY,
        clock=clock,
        metrics=Metrics(),
        per_channel_interval=0,
    )
    try:
        report = second.drain()
    finally:
        second.close()
        dying.close()
    assert report.sent == ROWS and not report.errors  # the posts found in Slack count as sent
    assert _posts_by_outbox_id(standin) == Counter({r.id: 1 for r in rows if r.id is not None})
    assert all(r.status is OutboxStatus.SENT for r in _rows(engine))
    # Each row the dead sender marked was looked up before it was posted (history lists 200 a page).
    assert len(standin.calls_to("conversations.history")) == len(marked)


def test_a_batch_never_overwrites_the_marker_another_sender_left(engine: Engine, clock: ManualClock) -> None:
    _queue(engine, clock)
    rows = _rows(engine)
    dead = sender_token()
    with engine.begin() as conn:  # a sender died while posting the second row
        conn.execute(update(OutboxMessage).where(col(OutboxMessage.id) == rows[1].id).values(last_error=dead))
    ours = sender_token()
    # Read before the dead sender's marker (a stale copy): the batch's own condition must keep it.
    mark_in_flight(engine, rows, ours, skip_locked=engine.dialect.name == "postgresql")
    after = {r.id: r.last_error for r in _rows(engine)}
    assert after[rows[1].id] == dead
    assert rows[1].last_error is None  # our copy was not told it is ours
    assert [after[r.id] for r in rows if r.id != rows[1].id] == [ours] * (ROWS - 1)


def test_each_post_is_drawn_once_and_costs_a_share_of_two_batches(
    engine: Engine, standin: SlackStandin, clock: ManualClock
) -> None:
    drawn: Counter[int] = Counter()

    def draw(_session: Session, item: OutboxMessage, _now: object) -> dict[str, Any]:
        assert item.id is not None
        drawn[item.id] += 1
        return {"channel": CHANNEL, "text": f"drawn {item.id}"}

    table = RenderTable()
    table.register("counted", draw)
    with session_scope(engine) as session:
        for n in range(ROWS):
            enqueue(
                session,
                dedupe_key=f"drawn-{n}",
                method="chat.postMessage",
                channel=CHANNEL,
                payload={"render": "counted"},
                now=clock.now(),
            )
    client = _client(standin)
    sender = OutboxSender(
        engine=engine,
        api=SlackCalls(client, ChannelDirectory(client=client, engine=engine)),
        renderers=table,
        clock=clock,
        metrics=Metrics(),
        per_channel_interval=0,
    )
    commits: list[object] = []

    def committed(conn: object) -> None:
        commits.append(conn)

    event.listen(engine, "commit", committed)
    try:
        assert sender.drain().sent == ROWS
    finally:
        event.remove(engine, "commit", committed)
        sender.close()
    assert sorted(drawn.values()) == [1] * ROWS
    # One in-flight batch and one batch of sent-marks for all of them (ROWS < IN_FLIGHT_BATCH).
    assert len(commits) == 2
