"""Ingest works several inbox rows per transaction (bot/ingest/pipeline.py): a batch is one commit, a
crash in the middle of one leaves every row of it to the next pass (each then worked exactly once: one
case, one card, counted once), a row whose work fails fails alone, and the statements a case costs stay
few. SQLite by default; PostgreSQL with SOCIALDESK_TEST_DATABASE_URL."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session, col, select

from socialdesk.app import Runtime
from socialdesk.clock import ManualClock
from socialdesk.domain.enums import InboxStatus
from socialdesk.domain.models import Case, CaseEvent, InboxItem, Mention, OutboxMessage
from socialdesk.ingest import inbox, pipeline
from socialdesk.standin import SlackStandin
from tests.integration.helpers import generic_mention


class Crash(BaseException):
    """Stands in for the process dying: not an Exception, so nothing on the way up handles it."""


def store(runtime: Runtime, clock: ManualClock, n: int, *, prefix: str = "batch") -> list[str]:
    ids = [f"{prefix}-{i}" for i in range(n)]
    for i, mid in enumerate(ids):
        payload = generic_mention(
            mid, f"my parcel {i} never arrived", handle=f"{prefix}{i}", created_at=clock.now()
        )
        inbox.accept(
            runtime.engine,
            source="generic",
            body=json.dumps(payload).encode(),
            content_type="application/json",
            now=clock.now(),
        )
    return ids


@contextmanager
def counted(engine: Engine) -> Iterator[dict[str, int]]:
    counts = {"statements": 0, "commits": 0}

    def statement(*_args: Any) -> None:
        counts["statements"] += 1

    def commit(_conn: Any) -> None:
        counts["commits"] += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


def cases_counted(runtime: Runtime) -> float:
    labels = {"platform": "reddit", "result": "case"}
    return runtime.metrics.registry.get_sample_value("socialdesk_mentions_total", labels) or 0.0


def assert_each_once(runtime: Runtime, ids: list[str]) -> None:
    with Session(runtime.engine) as s:
        stored = Counter(s.exec(select(Mention.external_id)).all())
        cases = s.exec(select(Case.id)).all()
        cards = Counter(
            o.case_id for o in s.exec(select(OutboxMessage)).all() if o.payload.get("render") == "case_card"
        )
        rows = s.exec(select(InboxItem)).all()
    assert {m: stored[m] for m in ids} == dict.fromkeys(ids, 1)
    assert len(cases) == len(ids)
    assert cards == Counter({c: 1 for c in cases})  # one card queued per case, none twice
    assert {(r.status, r.attempts) for r in rows} == {
        (InboxStatus.PROCESSED, 1)
    }  # the crash's attempt rolled back
    assert cases_counted(runtime) == len(ids)  # the metrics count each once


def test_a_batch_is_one_commit(runtime: Runtime, clock: ManualClock) -> None:
    ids = store(runtime, clock, 5)
    with counted(runtime.engine) as counts:
        report = runtime.pipeline.drain()
    assert (report.items, report.cases_opened, report.failed) == (5, 5, 0)
    assert counts["commits"] == 1
    assert_each_once(runtime, ids)


def test_a_crash_in_the_middle_of_a_batch_loses_nothing_and_posts_nothing_twice(
    runtime: Runtime, standin: SlackStandin, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = store(runtime, clock, 6)
    reached: list[str] = []

    def dies_mid_batch(name: str) -> None:
        reached.append(name)
        if name == "ingest.mid_batch" and reached.count(name) == 2:  # after the second row's work
            raise Crash

    monkeypatch.setattr(pipeline, "failpoint", dies_mid_batch)
    with pytest.raises(Crash):
        runtime.pipeline.drain()
    with Session(runtime.engine) as s:
        assert s.exec(select(Case)).all() == []  # nothing of the batch was committed
        assert {i.status for i in s.exec(select(InboxItem))} == {InboxStatus.PENDING}
    assert cases_counted(runtime) == 0  # nor counted

    monkeypatch.setattr(pipeline, "failpoint", lambda name: None)  # "restarted"
    report = runtime.pipeline.drain()
    assert (report.items, report.cases_opened, report.failed) == (6, 6, 0)
    assert_each_once(runtime, ids)
    runtime.run_until_idle(clock)
    assert len([c for c in standin.calls_to("chat.postMessage") if c.response.get("ok")]) == 6


def test_a_row_whose_work_fails_fails_alone_and_the_rest_of_its_batch_is_worked(
    runtime: Runtime, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = store(runtime, clock, 5)
    work = runtime.pipeline._batch.ingest_mention

    def breaks_on_the_third(*args: Any, **kwargs: Any) -> None:
        nm = args[2]
        if nm.external_id == "batch-2":
            raise ValueError("this one row is bad")
        work(*args, **kwargs)

    monkeypatch.setattr(runtime.pipeline._batch, "ingest_mention", breaks_on_the_third)
    with counted(runtime.engine) as counts:
        report = runtime.pipeline.drain()
    assert (report.items, report.cases_opened, report.failed) == (4, 4, 1)
    # The batch was rolled back, then each row had its own transaction: 4 worked, the bad one marked.
    assert counts["commits"] == 5
    with Session(runtime.engine) as s:
        rows = {r.body and json.loads(r.body)["id"]: r for r in s.exec(select(InboxItem))}
        stored = Counter(s.exec(select(Mention.external_id)).all())
        cards = s.exec(
            select(OutboxMessage.case_id).where(col(OutboxMessage.method) == "chat.postMessage")
        ).all()
    assert rows["batch-2"].status is InboxStatus.FAILED and rows["batch-2"].attempts == 1
    assert "this one row is bad" in (rows["batch-2"].reason or "")
    assert rows["batch-2"].body  # kept for a later pass
    good = [i for i in ids if i != "batch-2"]
    assert {i: (rows[i].status, rows[i].attempts) for i in good} == dict.fromkeys(
        good, (InboxStatus.PROCESSED, 1)
    )
    assert dict(stored) == dict.fromkeys(good, 1)
    assert len(cards) == len(set(cards)) == 4
    assert cases_counted(runtime) == 4  # the rolled-back batch counted nothing

    monkeypatch.undo()  # the row is fine now: the next pass works it, once
    again = runtime.pipeline.drain()
    assert (again.items, again.cases_opened) == (1, 1)
    assert_each_once_after_retry(runtime, ids)


def assert_each_once_after_retry(runtime: Runtime, ids: list[str]) -> None:
    with Session(runtime.engine) as s:
        stored = Counter(s.exec(select(Mention.external_id)).all())
        rows = s.exec(select(InboxItem)).all()
    assert dict(stored) == dict.fromkeys(ids, 1)
    assert {r.status for r in rows} == {InboxStatus.PROCESSED}
    assert cases_counted(runtime) == len(ids)


def test_a_redelivery_inside_one_batch_is_a_duplicate(runtime: Runtime, clock: ManualClock) -> None:
    payload = generic_mention("twice", "my parcel never arrived", handle="casey", created_at=clock.now())
    for extra in ("", " "):  # the same mention in two bodies: two inbox rows
        body = json.dumps(payload).encode() + extra.encode()
        inbox.accept(
            runtime.engine, source="generic", body=body, content_type="application/json", now=clock.now()
        )
    report = runtime.pipeline.drain()
    assert (report.items, report.cases_opened, report.duplicates) == (2, 1, 1)


def test_a_case_costs_few_statements(runtime: Runtime, clock: ManualClock) -> None:
    # 16 statements per case before batching (two reads and two updates of the inbox row, three of the
    # case table, the outbox key read before its insert, the running crises per case).
    store(runtime, clock, 8)
    with counted(runtime.engine) as counts:
        report = runtime.pipeline.drain()
    assert report.cases_opened == 8
    assert counts["statements"] / 8 <= 8, counts


def test_the_cases_of_a_batch_are_one_insert_per_table(runtime: Runtime, clock: ManualClock) -> None:
    # Four INSERTs per case before (case, mention, event, card); now one per table for the batch, and the
    # ids matched to their rows (bot/ingest/openings.py; on SQLite, bot/store/db.py).
    ids = store(runtime, clock, 8)
    inserts: Counter[str] = Counter()

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        if sql.startswith("INSERT"):
            inserts[" ".join(sql.split()[:3])] += 1

    event.listen(runtime.engine, "before_cursor_execute", statement)
    try:
        report = runtime.pipeline.drain()
    finally:
        event.remove(runtime.engine, "before_cursor_execute", statement)
    assert report.cases_opened == 8
    assert inserts == Counter(
        {
            'INSERT INTO "case"': 1,
            "INSERT INTO mention": 1,
            "INSERT INTO case_event": 1,
            "INSERT INTO slack_outbox": 1,
        }
    )
    assert_each_once(runtime, ids)
    with Session(runtime.engine) as s:
        mentions = s.exec(select(Mention).order_by(col(Mention.id))).all()
        cases = {c.id: c for c in s.exec(select(Case))}
        cards = s.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
        opened = {e.case_id: e.detail["mention_id"] for e in s.exec(select(CaseEvent))}
    # The rows' order throughout: mentions, their cases, the cards the sender sends in id order.
    assert [m.external_id for m in mentions] == ids
    assert [cases[m.case_id].author_id for m in mentions] == [m.author_id for m in mentions]
    assert [c.case_id for c in cards] == [m.case_id for m in mentions] == sorted(cases) == report.case_ids
    assert opened == {m.case_id: m.id for m in mentions}  # each `opened` event names its own mention
