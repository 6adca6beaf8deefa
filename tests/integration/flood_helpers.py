"""Shared pieces of the flood-control tests: a crowd of mentions through the real webhook, and the
database's answer to "is every case shown exactly once"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, select

from socialdesk.app import Runtime
from socialdesk.clock import ManualClock
from socialdesk.domain.enums import Priority
from socialdesk.domain.models import Case, OutboxMessage
from socialdesk.domain.rollup_models import Rollup
from tests.integration.helpers import generic_mention, post_generic

QUESTION = "Where is my parcel?"  # question, P4, team support
COMPLAINT = "This is terrible, my order arrived broken"  # complaint, P3; P2 with 10k+ followers


def post_crowd_member(server: str, clock: ManualClock, i: int, *, p2_every: int = 25) -> None:
    """Mention `i` of a crowd: every `p2_every`-th from a big account (P2), every third a complaint (P3),
    the rest questions (P4); one author each, so no two join the same case."""
    if p2_every and i % p2_every == 0:
        text, followers = COMPLAINT, 50_000
    elif i % 3 == 0:
        text, followers = COMPLAINT, None
    else:
        text, followers = QUESTION, None
    mention = generic_mention(f"f-{i}", text, created_at=clock.now(), handle=f"fan{i}", followers=followers)
    response = post_generic(server, mention)
    assert response.status_code == 200, response.text


def flood(
    server: str, runtime: Runtime, clock: ManualClock, *, n: int, seconds: float, batch: int = 10
) -> None:
    """`n` mentions over `seconds` of the manual clock; the pipeline and the outbox run between batches
    as the workers would (so roll-up posts go out and later joins queue updates)."""
    step = timedelta(seconds=seconds * batch / n)
    for start in range(0, n, batch):
        for i in range(start, min(start + batch, n)):
            post_crowd_member(server, clock, i)
        runtime.pipeline.drain()
        runtime.outbox.drain()
        clock.advance(step)


@dataclass(frozen=True)
class Shown:
    cases: dict[int, Case]
    carded: set[int]  # cases with a card post queued (or sent)
    rolled: set[int]  # cases counted in a roll-up
    rollups: list[Rollup]
    rollup_db_counts: dict[int, int]


def shown(runtime: Runtime) -> Shown:
    with Session(runtime.engine) as s:
        cases = {c.id: c for c in s.exec(select(Case)).all() if c.id is not None}
        posts = s.exec(
            select(OutboxMessage.case_id).where(
                col(OutboxMessage.dedupe_key).startswith("card:"), OutboxMessage.method == "chat.postMessage"
            )
        ).all()
        rollups = list(s.exec(select(Rollup).order_by(col(Rollup.id))).all())
    counts: dict[int, int] = {}
    for case in cases.values():
        if case.rollup_id is not None:
            counts[case.rollup_id] = counts.get(case.rollup_id, 0) + 1
    carded_list = [p for p in posts if p is not None]
    assert len(carded_list) == len(set(carded_list)), "a case got two card posts"
    return Shown(
        cases=cases,
        carded=set(carded_list),
        rolled={i for i, c in cases.items() if c.rollup_id is not None},
        rollups=rollups,
        rollup_db_counts=counts,
    )


def high_priority(view: Shown) -> set[int]:
    return {i for i, c in view.cases.items() if c.priority in (Priority.P1, Priority.P2)}
