"""The case each new mention of an ingest batch continues is read for the whole batch at once
(bot/store/joinable.py) and gives the answers the database gives one mention at a time: a thread's open
case, the author's case with a post in the window, not a resolved case, not one whose posts are older
than the window, the author's count of cases (priority); and a mention that meets what an earlier row
of the batch changed (a case opened, a post joined to a case, which makes that case's author's newest
post recent) asks the database itself. Checked by working the same traffic one row per transaction and
in one batch, and comparing. SQLite by default; PostgreSQL with SOCIALDESK_TEST_DATABASE_URL."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from socialdesk.app import Runtime
from socialdesk.clock import ManualClock
from socialdesk.domain.enums import CaseStatus, Platform, Priority
from socialdesk.domain.models import Case, Mention
from socialdesk.ingest import inbox
from socialdesk.ingest.pipeline import IngestPipeline
from socialdesk.store import cases_repo
from socialdesk.store.db import session_scope
from socialdesk.store.joinable import Wanted, joinable_lookup
from tests.integration.helpers import generic_mention


@dataclass(frozen=True)
class Post:
    name: str
    author: str
    hours_ago: float = 0.0
    conversation: str | None = None  # a thread by id, without a parent post


HISTORY = [
    Post("kim-1", "kim"),
    Post("lee-1", "lee"),  # resolved below
    Post("max-1", "max", hours_ago=3),  # older than the 120-minute window
    Post("ned-1", "ned", hours_ago=3, conversation="c-ned"),
    Post("pia-1", "pia"),
    Post("quin-1", "quin", conversation="c-quin"),
]
BATCH = [
    Post("zed-1", "zed", conversation="c-quin"),  # the thread's case: joins quin-1
    Post("kim-2", "kim"),  # the author's recent case: joins kim-1
    Post("lee-2", "lee"),  # lee's case is resolved: a new case, lee's second
    Post("max-2", "max"),  # max's post is out of the window: a new case
    Post("ola-1", "ola", conversation="c-ned"),  # ned's thread: joins ned-1, a recent post there
    Post("ned-2", "ned"),  # ...so ned's case now has a post in the window: joins ned-1
    Post("pia-2", "pia"),  # joins pia-1
    Post("rex-1", "rex"),  # new
    Post("rex-2", "rex"),  # joins rex-1, opened by this same batch
]


def _store(runtime: Runtime, clock: ManualClock, prefix: str, posts: list[Post]) -> None:
    for post in posts:
        payload: dict[str, Any] = generic_mention(
            f"{prefix}-{post.name}",
            f"Where is my parcel? ({post.name})",
            handle=f"{prefix}{post.author}",
            created_at=clock.now() - timedelta(hours=post.hours_ago),
        )
        if post.conversation is not None:
            payload["conversation_id"] = f"{prefix}-{post.conversation}"
        body = json.dumps(payload).encode()
        inbox.accept(
            runtime.engine, source="generic", body=body, content_type="application/json", now=clock.now()
        )


def _work(
    runtime: Runtime, clock: ManualClock, prefix: str, *, rows: int, asked: list[str] | None = None
) -> dict[str, tuple[str, Priority]]:
    """History first, one row at a time, lee's case resolved; then the batch, `rows` per transaction.
    Each batch mention: the name of the post that opened its case, and that case's priority. `asked`:
    the authors the batch asked the database about one mention at a time."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(IngestPipeline, "rows_per_transaction", property(lambda self: 1))
        _store(runtime, clock, prefix, HISTORY)
        runtime.pipeline.drain()
    with session_scope(runtime.engine) as session:
        lee = session.exec(select(Mention).where(Mention.external_id == f"{prefix}-lee-1")).one()
        case = session.get(Case, lee.case_id)
        assert case is not None
        case.status = CaseStatus.RESOLVED
    with pytest.MonkeyPatch.context() as m:
        m.setattr(IngestPipeline, "rows_per_transaction", property(lambda self: rows))
        if asked is not None:
            m.setattr(cases_repo, "joinable_and_earlier", _counting(asked))
        _store(runtime, clock, prefix, BATCH)
        report = runtime.pipeline.drain()
    assert report.items == len(BATCH) and report.failed == 0
    with Session(runtime.engine) as session:
        mentions = session.exec(
            select(Mention).where(col(Mention.external_id).startswith(f"{prefix}-")).order_by(col(Mention.id))
        ).all()
        cases = {c.id: c for c in session.exec(select(Case))}
    opener: dict[int | None, str] = {}
    for mention in mentions:
        opener.setdefault(mention.case_id, mention.external_id.removeprefix(f"{prefix}-"))
    names = {p.name for p in BATCH}
    return {
        name: (opener[m.case_id], cases[m.case_id].priority)
        for m in mentions
        if (name := m.external_id.removeprefix(f"{prefix}-")) in names
    }


def _counting(calls: list[str]) -> Callable[..., Any]:
    real = cases_repo.joinable_and_earlier

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(str(kwargs["author_id"]))
        return real(*args, **kwargs)

    return counted


def test_a_batch_reads_the_cases_it_could_join_once_and_joins_as_one_row_at_a_time(
    runtime: Runtime, clock: ManualClock
) -> None:
    alone = _work(runtime, clock, "one", rows=1)
    clock.advance(timedelta(hours=6))  # the first run's cards are out of the flood rule's minute
    asked: list[str] = []
    batched = _work(runtime, clock, "batch", rows=len(BATCH), asked=asked)

    assert batched == alone
    # What the traffic was built to show, so that the comparison means something:
    joined = {name: case for name, (case, _) in alone.items()}
    assert joined == {
        "zed-1": "quin-1",
        "kim-2": "kim-1",
        "lee-2": "lee-2",
        "max-2": "max-2",
        "ola-1": "ned-1",
        "ned-2": "ned-1",
        "pia-2": "pia-1",
        "rex-1": "rex-1",
        "rex-2": "rex-1",
    }
    # The batch asked the database one mention at a time only where an earlier row of it had changed
    # what the answer reads: ned (ola's post joined ned's case) and rex's second post.
    assert sorted(asked) == ["reddit-batchned", "reddit-batchrex"], asked


def test_the_batch_read_answers_like_the_query(runtime: Runtime, clock: ManualClock) -> None:
    """Without the batch around it: the lookup and the one-mention query over the same rows, for threads
    and authors with and without cases, open or resolved, in and out of the window."""
    _work(runtime, clock, "q", rows=1)
    now = clock.now()
    threads = {"kim": None, "ned": "c-ned", "zed": "c-quin", "lee": None, "max": None, "new": None}
    starts = (now - timedelta(minutes=120), now - timedelta(hours=4), now + timedelta(minutes=1))
    asked = [
        Wanted(Platform.REDDIT, f"reddit:q-{thread or author + '-elsewhere'}", f"reddit-q{author}")
        for author, thread in threads.items()
    ]
    with Session(runtime.engine) as session:
        lookup = joinable_lookup(session, asked)
        for wanted in asked:
            for start in starts:
                case, count = cases_repo.joinable_and_earlier(
                    session,
                    platform=wanted.platform,
                    conversation_key=wanted.conversation_key,
                    parent_external_id=None,
                    author_id=wanted.author_id,
                    window_start=start,
                )
                found = lookup.answer(
                    platform=wanted.platform,
                    conversation_key=wanted.conversation_key,
                    author_id=wanted.author_id,
                    window_start=start,
                )
                assert found == (case.id if case else None, count), (wanted, start)
        # Not all alike: some join, some do not, some authors have several cases.
        answers = {lookup.answer(**vars_of(w), window_start=starts[0]) for w in asked}
        assert None in {a[0] for a in answers} and len({a[0] for a in answers}) > 2
        assert {a[1] for a in answers} >= {0, 2}


def vars_of(wanted: Wanted) -> dict[str, Any]:
    return {
        "platform": wanted.platform,
        "conversation_key": wanted.conversation_key,
        "author_id": wanted.author_id,
    }
