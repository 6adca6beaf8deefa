"""Cases opened by one ingest transaction are written together, one INSERT per table
(bot/ingest/openings.py), and every mention is still worked as if those before it had been written at
once: a follow-up in the same batch joins the case its thread, its author or its parent opened in that
batch, an outage's third report in one batch is P1, the flood rule counts the batch's own cards, the
outbox keeps the rows' order. Checked by working the same traffic twice, one row per transaction and
in batches, and comparing. SQLite by default; PostgreSQL with SOCIALDESK_TEST_DATABASE_URL."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session, col, select

from socialdesk.app import Runtime
from socialdesk.clock import ManualClock
from socialdesk.config import Config
from socialdesk.domain.enums import Priority
from socialdesk.domain.models import Case, CaseEvent, Mention, OutboxMessage
from socialdesk.ingest import inbox
from socialdesk.ingest.pipeline import DrainReport, IngestPipeline
from tests.integration.helpers import generic_mention

OUTAGE = [
    "the app is down again, outage everywhere",
    "Your website is down, cannot log in",
    "is the site down for anyone else?",
    "service outage in my area, nothing works",
]
COMPLAINT = "This is terrible, my order arrived broken"


@dataclass(frozen=True)
class Spec:
    text: str
    author: str
    reply_to: int | str | None = None  # another spec's index (its id), or an id of a post we never saw
    same_as: int | None = None  # the same mention again (a redelivery)


# One inbox row each, in this order.
TRAFFIC = [
    Spec("Where is my parcel?", "ann"),  # 0 opens
    Spec(OUTAGE[0], "bob"),  # 1 incident, 1st report
    Spec(OUTAGE[1], "cat"),  # 2 incident, 2nd report
    Spec(OUTAGE[2], "dan"),  # 3 incident, 3rd report in the hour (1 and 2 not written yet): P1
    Spec("Where is my parcel? Still nothing", "ann"),  # 4 the same author: joins 0
    Spec("thanks, any news?", "eve", reply_to=1),  # 5 a reply to 1: joins 1
    Spec(OUTAGE[3], "fay"),  # 6 incident, 4th report: P1
    Spec(OUTAGE[1], "cat", same_as=2),  # 7 a redelivery of 2: a duplicate
    *(Spec(COMPLAINT, f"fan{i}") for i in range(6)),  # 8-13 complaints (P3): the channel floods
    Spec("Where is my parcel?", "gus", reply_to="brand-post"),  # 14 a thread under a post we never saw
    Spec("same here, where is mine?", "hal", reply_to="brand-post"),  # 15 the same thread: joins 14
    Spec(COMPLAINT, "ivy"),  # 16
]


@pytest.fixture
def config(config: Config) -> Config:
    # A low flood threshold, so that some of the complaints are rolled up and the rule's count matters.
    return config.model_copy(update={"flood": config.flood.model_copy(update={"cards_per_minute": 4})})


def external_id(prefix: str, index: int) -> str:
    return f"{prefix}-{index}"


def store(runtime: Runtime, clock: ManualClock, prefix: str) -> None:
    for index, spec in enumerate(TRAFFIC):
        own = external_id(prefix, spec.same_as if spec.same_as is not None else index)
        parent = spec.reply_to
        payload = generic_mention(
            own,
            spec.text,
            handle=f"{prefix}{spec.author}",
            created_at=clock.now(),
            in_reply_to=(
                external_id(prefix, parent)
                if isinstance(parent, int)
                else f"{prefix}-{parent}"
                if parent
                else None
            ),
        )
        body = json.dumps(payload).encode() + (b" " if spec.same_as is not None else b"")
        inbox.accept(
            runtime.engine, source="generic", body=body, content_type="application/json", now=clock.now()
        )


@dataclass(frozen=True)
class Outcome:
    report: tuple[int, ...]
    cases: dict[int, tuple[int, Priority, str, bool]]  # mention index: its case (the first index), ...
    events: list[tuple[int, str, str]]  # (case, kind, detail without ids), in id order
    outbox: list[tuple[str, int | None]]  # (kind of call, case), in id order: the order it is sent in


def outcome(runtime: Runtime, prefix: str, report: DrainReport) -> Outcome:
    with Session(runtime.engine) as s:
        mentions = s.exec(select(Mention).where(col(Mention.external_id).startswith(f"{prefix}-"))).all()
        by_index = {int(m.external_id.rsplit("-", 1)[1]): m for m in mentions}
        first_of_case: dict[int | None, int] = {}
        for index in sorted(by_index):
            first_of_case.setdefault(by_index[index].case_id, index)
        cases = {c.id: c for c in s.exec(select(Case).where(col(Case.id).in_(list(first_of_case))))}
        for mention in by_index.values():
            case = cases[mention.case_id]
            # Each case holds the row of the mention that opened it (ids matched to rows rightly).
            opener = by_index[first_of_case[mention.case_id]]
            assert (case.conversation_key, case.author_id) == (opener.conversation_key, opener.author_id)
        events = s.exec(
            select(CaseEvent).where(col(CaseEvent.case_id).in_(list(cases))).order_by(col(CaseEvent.id))
        ).all()
        index_of_mention = {m.id: i for i, m in by_index.items()}
        outbox = s.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.case_id).in_(list(cases)) | col(OutboxMessage.case_id).is_(None))
            .where(col(OutboxMessage.created_at) >= runtime.clock.now())
            .order_by(col(OutboxMessage.id))
        ).all()

    def case_of(case_id: int | None) -> int | None:
        return first_of_case.get(case_id) if case_id is not None else None

    def detail(e: CaseEvent) -> str:
        kept = {k: v for k, v in e.detail.items() if k not in {"mention_id"}}
        return json.dumps([index_of_mention.get(e.detail.get("mention_id")), kept], sort_keys=True)

    return Outcome(
        report=(report.items, report.cases_opened, report.followups, report.duplicates, report.failed),
        cases={
            i: (
                first_of_case[by_index[i].case_id],
                cases[by_index[i].case_id].priority,
                cases[by_index[i].case_id].team,
                cases[by_index[i].case_id].rollup_id is not None,
            )
            for i in sorted(by_index)
        },
        events=[(first_of_case[e.case_id], e.kind, detail(e)) for e in events],
        outbox=[(o.dedupe_key.split(":")[0], case_of(o.case_id)) for o in outbox],
    )


def test_batched_openings_are_worked_as_if_written_one_row_at_a_time(
    runtime: Runtime, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as m:
        m.setattr(IngestPipeline, "rows_per_transaction", property(lambda self: 1))
        store(runtime, clock, "one")
        alone = outcome(runtime, "one", runtime.pipeline.drain())
    # Two hours on: the first run's incidents and cards are out of the hour and the minute the rules count.
    clock.advance(timedelta(hours=2))
    store(runtime, clock, "batch")
    with counted_inserts(runtime.engine) as inserts:
        batched = outcome(runtime, "batch", runtime.pipeline.drain())

    assert batched == alone
    # What the traffic was built to show, so that the comparison means something:
    assert alone.report == (17, 13, 3, 1, 0)  # rows, cases, follow-ups, duplicates, failed
    groups = {i: case for i, (case, _, _, _) in alone.cases.items()}
    assert groups[4] == 0 and groups[5] == 1 and groups[15] == 14  # author, parent, thread
    assert [alone.cases[i][1] for i in (1, 2, 3, 6)] == [Priority.P2, Priority.P2, Priority.P1, Priority.P1]
    assert any(rolled for _, _, _, rolled in alone.cases.values())  # the flood rule rolled some up
    assert ("rollup", None) in alone.outbox
    # ...and the batched run wrote its cases several at a time (written before each follow-up).
    assert inserts['INSERT INTO "case"'] < 13


@contextmanager
def counted_inserts(engine: Engine) -> Iterator[Counter[str]]:
    counts: Counter[str] = Counter()

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        words = sql.split()
        if words[:1] == ["INSERT"]:
            counts[" ".join(words[:3])] += 1

    event.listen(engine, "before_cursor_execute", statement)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", statement)
