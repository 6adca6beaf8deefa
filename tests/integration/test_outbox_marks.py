"""The sender records its posts by batches (socialdesk.outbox.marks): what a card costs in SQL, what may wait
for the batch and what may not, and what a sender does when the batch could not be written. SQLite by
default, PostgreSQL with SOCIALDESK_TEST_DATABASE_URL. Time is a ManualClock; nothing sleeps."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from socialdesk.app import Runtime, build_runtime
from socialdesk.clock import ManualClock
from socialdesk.domain.enums import OutboxStatus
from socialdesk.domain.models import Case, OutboxMessage
from socialdesk.metrics import Metrics
from socialdesk.outbox.marks import SendMarks
from socialdesk.outbox.queue import enqueue
from socialdesk.outbox.renderers import RenderTable
from socialdesk.outbox.sender import OutboxSender
from socialdesk.slack.transport.channels import ChannelDirectory
from socialdesk.slack.transport.outbox_api import SlackCalls
from socialdesk.standin import SlackStandin
from socialdesk.store.db import session_scope
from tests import support
from tests.conftest import make_settings
from tests.integration.helpers import generic_mention, post_generic
from tests.integration.test_outbox_in_flight import DiesOnCall, Killed

CHANNEL = "C0SUPPORT1"  # an id: no channel lookups


@pytest.fixture
def unpaced(database_url: str, standin: SlackStandin, clock: ManualClock) -> Iterator[Runtime]:
    settings = make_settings(database_url, standin.url).model_copy(update={"slack_channel_interval": 0.0})
    rt = build_runtime(settings, clock=clock, migrate=False)
    yield rt
    rt.close()


def _open_cases(runtime: Runtime, clock: ManualClock, n: int) -> None:
    with support.live_server(runtime.http) as base:
        for i in range(n):
            mention = generic_mention(f"m-{i}", "Where is my parcel?", created_at=clock.now(), handle=f"u{i}")
            assert post_generic(base, mention).status_code == 200
    runtime.pipeline.drain()


class Statements:
    """Statements by their first words (SELECT by table), and commits, seen on an engine."""

    def __init__(self, engine: Engine) -> None:
        self.seen: Counter[str] = Counter()
        self.commits = 0
        self._engine = engine

    def __enter__(self) -> Statements:
        event.listen(self._engine, "before_cursor_execute", self._statement)
        event.listen(self._engine, "commit", self._commit)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self._engine, "before_cursor_execute", self._statement)
        event.remove(self._engine, "commit", self._commit)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        words = [w.strip('"') for w in statement.split()]
        if words[:1] == ["SELECT"] and "FROM" in words:
            self.seen["SELECT FROM " + words[words.index("FROM") + 1]] += 1
        elif words[:1] != ["BEGIN"]:  # SQLite's own; psycopg's are not seen
            self.seen[" ".join(words[:2])] += 1

    def _commit(self, _conn: Any) -> None:
        self.commits += 1


def test_a_card_costs_one_read_and_a_share_of_two_batches(
    unpaced: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    cards = 6  # first cases of six customers: no earlier cases to read
    _open_cases(unpaced, clock, cards)
    unpaced.channels.resolve("social-support")  # learned once, at a sender's first card: not counted
    with Statements(unpaced.engine) as counted:
        assert unpaced.outbox.drain().sent == cards
    assert len(standin.calls_to("chat.postMessage")) == cards
    # Per card, one read draws it: the case joined to its first mention and its latest answer.
    assert counted.seen["SELECT FROM case"] == cards, counted.seen
    assert counted.seen["SELECT FROM mention"] == 0 and counted.seen["SELECT FROM platform_reply"] == 0
    # The batch: one in-flight mark, then one UPDATE per table for the sent-marks and the cards' ts.
    assert counted.seen["UPDATE slack_outbox"] == 2 and counted.seen["UPDATE case"] == 1, counted.seen
    assert counted.commits == 2
    # The due rows, read once; on PostgreSQL the batch's rows also locked once, together.
    locks = 1 if unpaced.engine.dialect.name == "postgresql" else 0
    assert counted.seen["SELECT FROM slack_outbox"] == 1 + locks, counted.seen
    assert counted.seen.total() == cards + 4 + locks, counted.seen  # nothing else
    with Session(unpaced.engine) as session:
        cases = session.exec(select(Case)).all()
        rows = session.exec(select(OutboxMessage)).all()
    posted = {m.ts for m in standin.messages("social-support")}
    assert {c.slack_ts for c in cases} == posted and len(posted) == cards
    assert {(r.status, r.attempts, r.last_error) for r in rows} == {(OutboxStatus.SENT, 1, None)}


def test_a_card_and_its_thread_line_go_in_one_pass(
    unpaced: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    """The thread line needs the card's ts, whose mark waits for the batch: it is written first."""
    with support.live_server(unpaced.http) as base:
        first = generic_mention("t-1", "Where is my parcel?", created_at=clock.now(), handle="kim")
        post_generic(base, first)
        unpaced.pipeline.drain()
        reply = generic_mention("t-2", "hello??", created_at=clock.now(), handle="kim", in_reply_to="t-1")
        post_generic(base, reply)
        unpaced.pipeline.drain()
    report = unpaced.outbox.drain()
    assert report.sent == 2 and report.waiting == 0, report
    cards = standin.messages("social-support")
    assert len(cards) == 1 and len(cards[0].replies) == 1


def _sender(engine: Engine, standin: SlackStandin, clock: ManualClock, *, api: Any = None) -> OutboxSender:
    client = WebClient(token=support.BOT_TOKEN, base_url=standin.url, timeout=10, retry_handlers=[])
    return OutboxSender(
        engine=engine,
        api=api or SlackCalls(client, ChannelDirectory(client=client, engine=engine)),
        renderers=RenderTable(),
        clock=clock,
        metrics=Metrics(),
        per_channel_interval=0,
    )


def _queue(engine: Engine, clock: ManualClock, rows: list[tuple[str, dict[str, Any]]]) -> None:
    with session_scope(engine) as session:
        for key, payload in rows:
            enqueue(
                session,
                dedupe_key=key,
                method="chat.postMessage",
                channel=CHANNEL,
                payload=payload,
                now=clock.now(),
            )


def _rows(engine: Engine) -> dict[str, OutboxMessage]:
    with Session(engine) as session:
        return {r.dedupe_key: r for r in session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))}


def _posts_by_outbox_id(standin: SlackStandin) -> Counter[int]:
    posts = [standin.messages(CHANNEL), [r for m in standin.messages(CHANNEL) for r in m.replies]]
    return Counter(
        int((m.metadata or {})["event_payload"]["outbox_id"]) for group in posts for m in group if m.metadata
    )


def test_marks_that_could_not_be_written_make_the_sender_look_its_posts_up(
    engine: Engine, standin: SlackStandin, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Posted, not recorded, the sender still running: posting them again would double them."""
    _queue(engine, clock, [(f"post-{n}", {"text": f"post {n}"}) for n in range(3)])
    write = SendMarks._write
    failures = iter([OperationalError("UPDATE slack_outbox", {}, Exception("disk I/O error"))])

    def fails_once(self: SendMarks, session: Session, waiting: Any) -> None:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        write(self, session, waiting)

    monkeypatch.setattr(SendMarks, "_write", fails_once)
    sender = _sender(engine, standin, clock)
    try:
        with pytest.raises(OperationalError):
            sender.drain()
        assert len(standin.messages(CHANNEL)) == 3
        assert {r.status for r in _rows(engine).values()} == {OutboxStatus.PENDING}
        report = sender.drain()
    finally:
        sender.close()
    assert report.sent == 3 and not report.errors
    assert len(standin.calls_to("conversations.history")) == 3  # each looked up, found, not posted again
    assert _posts_by_outbox_id(standin) == Counter({r.id: 1 for r in _rows(engine).values() if r.id})
    assert {r.status for r in _rows(engine).values()} == {OutboxStatus.SENT}


def test_a_thread_reply_is_marked_sent_before_the_next_call(
    engine: Engine, standin: SlackStandin, clock: ManualClock
) -> None:
    """A reply in a thread cannot be looked up (history lists top-level messages only): its mark never
    waits. The post it answers has its waiting mark written before the reply is drawn."""
    _queue(
        engine,
        clock,
        [
            ("parent", {"text": "parent"}),
            ("reply", {"text": "reply", "after": "parent"}),
            ("next", {"text": "next"}),
        ],
    )
    client = WebClient(token=support.BOT_TOKEN, base_url=standin.url, timeout=10, retry_handlers=[])
    dying = DiesOnCall(
        SlackCalls(client, ChannelDirectory(client=client, engine=engine)), n=3, after_slack=True
    )
    with pytest.raises(Killed):
        _sender(engine, standin, clock, api=dying).drain()
    rows = _rows(engine)
    assert rows["parent"].status is OutboxStatus.SENT and rows["parent"].result_ts
    assert rows["reply"].status is OutboxStatus.SENT
    assert rows["next"].status is OutboxStatus.PENDING  # posted; its mark went down with the sender
    (parent,) = standin.messages(CHANNEL)[:1]
    assert [r.text for r in parent.replies] == ["reply"]

    second = _sender(engine, standin, clock)
    try:
        assert second.drain().sent == 1
    finally:
        second.close()
        dying.close()
    assert len(standin.calls_to("conversations.history")) == 1  # "next", found
    assert [m.text for m in standin.messages(CHANNEL)] == ["parent", "next"]
    assert {r.status for r in _rows(engine).values()} == {OutboxStatus.SENT}
