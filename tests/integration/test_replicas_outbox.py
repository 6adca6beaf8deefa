"""Two outbox senders on one PostgreSQL (a leadership handover overlap, two replicas that both believe
they lead) drain the same backlog at once: each row is claimed with `FOR UPDATE SKIP LOCKED` and held
until it is marked sent (with the rest of its batch), so no row is posted twice, all of them are posted,
and each channel keeps its order. Each sender has its own engine (its own connections), as a replica would."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from socialdesk.app_outbox import build_outbox
from socialdesk.clock import ManualClock
from socialdesk.domain.enums import OutboxStatus
from socialdesk.domain.models import OutboxMessage
from socialdesk.metrics import Metrics
from socialdesk.outbox import sender as outbox_sender
from socialdesk.outbox.queue import RENDER_DIGEST_CHART, enqueue
from socialdesk.outbox.sender import OutboxSender
from socialdesk.plugin_host.registry import EMPTY
from socialdesk.slack.transport.channels import ChannelDirectory
from socialdesk.standin import SlackStandin
from socialdesk.store.db import make_engine, session_scope
from tests import support

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not support.postgres_url(), reason="needs PostgreSQL: row locks shared by several senders"
    ),
]

CHANNELS = ["C0GENERAL1", "C0SUPPORT1", "C0MANAGER1", "C0SOCDUTY1"]  # ids: no lookups in the race
ROWS_PER_CHANNEL = 12
DEADLINE = 60.0  # bounds a failure only


@dataclass
class Sender:
    name: str
    outbox: OutboxSender
    engine: Engine
    sent: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def senders(database_url: str, standin: SlackStandin, clock: ManualClock) -> Iterator[list[Sender]]:
    made = []
    for name in ("a", "b"):
        engine = make_engine(database_url, pool_size=2)
        client = WebClient(token=support.BOT_TOKEN, base_url=standin.url, timeout=10, retry_handlers=[])
        outbox = build_outbox(
            engine=engine,
            client=client,
            channels=ChannelDirectory(client=client, engine=engine),
            plugins=EMPTY,
            clock=clock,
            metrics=Metrics(),
            per_channel_interval=0,
        )
        made.append(Sender(name, outbox, engine))
    yield made
    for sender in made:
        sender.engine.dispose()


def queue(engine: Engine, clock: ManualClock, keys: list[tuple[str, str]], **payload: object) -> None:
    with session_scope(engine) as session:
        for key, channel in keys:
            enqueue(
                session,
                dedupe_key=key,
                method="chat.postMessage",
                channel=channel,
                payload={"text": key, **payload},
                now=clock.now(),
            )


def backlog(engine: Engine, clock: ManualClock) -> list[str]:
    """Rows in queue order, round-robin over the channels, so both senders find every channel busy."""
    keys = [(f"{c}:{n:02d}", c) for n in range(ROWS_PER_CHANNEL) for c in CHANNELS]
    queue(engine, clock, keys)
    return [key for key, _ in keys]


def pending(engine: Engine) -> int:
    with Session(engine) as session:
        rows = session.exec(select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.PENDING))
        return len(rows.all())


def run(sender: Sender, start: threading.Barrier) -> None:
    try:
        start.wait(10)
        end = time.monotonic() + DEADLINE
        while pending(sender.engine) and time.monotonic() < end:
            report = sender.outbox.drain()
            sender.sent += report.sent
            sender.skipped += report.waiting
            sender.errors += report.errors
    except Exception as exc:  # reported to the test, which fails on it
        sender.errors.append(repr(exc))


def test_two_senders_never_post_a_row_twice_and_together_post_all(
    engine: Engine,
    standin: SlackStandin,
    clock: ManualClock,
    senders: list[Sender],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A sender marks, locks and records its posts by batches (outbox/marks.py) and the other meets its
    # rows held until the batch is written: batches of two make the senders meet at every other row
    # (with 16, one of them often sent the whole backlog of 48 before the other got a batch).
    monkeypatch.setattr(outbox_sender, "IN_FLIGHT_BATCH", 2)
    monkeypatch.setattr(outbox_sender, "MARKS_MAX_ROWS", 2)
    keys = backlog(engine, clock)
    # Each answer takes a few milliseconds, so a sender is often mid-call while the other looks at its row.
    standin.fail("chat.postMessage", delay=0.01, times=10 * len(keys))
    start = threading.Barrier(len(senders))
    threads = [threading.Thread(target=run, args=(s, start)) for s in senders]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE + 10)
    took = time.monotonic() - began
    print(
        f"\n{len(keys)} rows, two senders: {took:.2f} s; sent "
        + ", ".join(f"{s.name} {s.sent} (skipped {s.skipped})" for s in senders)
    )

    assert [e for s in senders for e in s.errors] == []
    posts = Counter(str(call.args["text"]) for call in standin.calls_to("chat.postMessage"))
    assert posts == Counter(keys), "a row was posted twice or not at all"
    assert sum(s.sent for s in senders) == len(keys)
    assert all(s.sent > 0 for s in senders), "the senders did not overlap"
    for channel in CHANNELS:
        texts = [m.text for m in standin.messages(channel)]
        assert texts == sorted(texts) and len(texts) == ROWS_PER_CHANNEL, (channel, texts)
    with Session(engine) as session:
        rows = session.exec(select(OutboxMessage)).all()
    assert {(r.status, r.attempts) for r in rows} == {(OutboxStatus.SENT, 1)}


def test_a_row_another_sender_holds_or_has_sent_is_skipped_without_waiting(
    engine: Engine, clock: ManualClock, senders: list[Sender]
) -> None:
    queue(engine, clock, [("held", CHANNELS[0]), ("gone", CHANNELS[1])])
    a, b = senders
    with Session(engine) as session:
        held, gone = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
    now = clock.now()
    with a.outbox._marks() as mine:
        assert mine.claim(held, now, saves_progress=False) is not None
        started = time.monotonic()
        with b.outbox._marks() as theirs:
            assert theirs.claim(held, now, saves_progress=False) is None
        assert time.monotonic() - started < 1.0  # SKIP LOCKED: no waiting on the holder
    with session_scope(engine) as session:  # sent by someone else after `gone` was read
        row = session.get(OutboxMessage, gone.id)
        assert row is not None
        row.status = OutboxStatus.SENT
    with b.outbox._marks() as late:
        assert late.claim(gone, now, saves_progress=False) is None
    with session_scope(engine) as session:  # failed meanwhile: not due before its retry
        row = session.get(OutboxMessage, held.id)
        assert row is not None
        row.next_attempt_at = now + timedelta(seconds=30)
    with b.outbox._marks() as early:
        assert early.claim(held, now, saves_progress=False) is None


def test_a_chart_upload_row_is_claimed_without_blocking_its_own_progress_saves(
    engine: Engine, clock: ManualClock, senders: list[Sender]
) -> None:
    """The upload saves its progress on the row from other transactions (outbox/upload.py): its claim
    is an advisory lock, which excludes the other sender but leaves the row writable."""
    queue(engine, clock, [("chart", CHANNELS[2])], render=RENDER_DIGEST_CHART, after="post")
    a, b = senders
    with Session(engine) as session:
        row = session.exec(select(OutboxMessage)).one()
    now = clock.now()
    with a.outbox._marks() as mine:
        assert mine.claim(row, now, saves_progress=True) is not None
        with b.outbox._marks() as theirs:
            assert theirs.claim(row, now, saves_progress=True) is None
        with session_scope(engine) as session:
            session.execute(text("SET LOCAL lock_timeout = '2s'"))  # blocked would fail, not hang
            saved = session.get(OutboxMessage, row.id)
            assert saved is not None
            saved.payload = {**saved.payload, "file_id": "F1"}
    with b.outbox._marks() as after:
        # The claim reads the saved progress.
        assert after.claim(row, now, saves_progress=True) is not None and row.payload["file_id"] == "F1"
