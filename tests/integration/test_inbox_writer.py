"""The inbox's group commit: concurrent payloads stored together, each request answered once its own row
is committed, redeliveries recognised within and across batches, and a failed commit failing every
request of its batch (nothing answered as stored that is not)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, create_engine
from sqlmodel import Session, select

from socialdesk.domain.enums import InboxStatus
from socialdesk.domain.models import InboxItem
from socialdesk.ingest.inbox_writer import InboxWriter

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


async def _accept_all(writer: InboxWriter, bodies: list[bytes]) -> list[object]:
    calls = [
        writer.accept(source="generic", body=b, content_type="application/json", now=NOW) for b in bodies
    ]
    return await asyncio.gather(*calls, return_exceptions=True)


def test_concurrent_payloads_share_commits_and_each_gets_its_own_row(engine: Engine) -> None:
    writer = InboxWriter(engine)
    bodies = [f'{{"n": {i}}}'.encode() for i in range(200)]
    try:
        results = asyncio.run(_accept_all(writer, bodies))
    finally:
        writer.close()
    ids = [r.inbox_id for r in results]  # type: ignore[attr-defined]
    assert len(set(ids)) == 200 and not any(r.duplicate for r in results)  # type: ignore[attr-defined]
    assert writer.batches < 200  # requests that arrived during a commit went into the next one
    with Session(engine) as session:
        rows = session.exec(select(InboxItem)).all()
    by_id = {row.id: row for row in rows}
    for body, inbox_id in zip(bodies, ids, strict=True):
        assert by_id[inbox_id].body == body.decode()
        assert by_id[inbox_id].status is InboxStatus.PENDING


def test_a_redelivery_in_the_same_batch_or_a_later_one_is_one_row(engine: Engine) -> None:
    writer = InboxWriter(engine)
    try:
        first = asyncio.run(_accept_all(writer, [b'{"a": 1}', b'{"a": 1}', b'{"b": 2}']))
        again = asyncio.run(_accept_all(writer, [b'{"a": 1}']))
    finally:
        writer.close()
    a1, a2, b = first
    assert a1.inbox_id == a2.inbox_id == again[0].inbox_id  # type: ignore[attr-defined]
    assert [a1.duplicate, a2.duplicate, b.duplicate] == [False, True, False]  # type: ignore[attr-defined]
    assert again[0].duplicate  # type: ignore[attr-defined]
    with Session(engine) as session:
        assert len(session.exec(select(InboxItem)).all()) == 2


def test_a_failed_commit_fails_every_request_of_its_batch(tmp_path: pytest.TempPathFactory) -> None:
    # A database without the inbox table: the insert fails, and no request may be told it was stored.
    broken = create_engine(f"sqlite:///{tmp_path}/empty.db")
    writer = InboxWriter(broken)
    try:
        results = asyncio.run(_accept_all(writer, [b"1", b"2", b"3"]))
        assert all(isinstance(r, Exception) for r in results)
        assert writer.stored == 0
    finally:
        writer.close()
        broken.dispose()


def test_close_stores_what_is_queued_then_stops(engine: Engine) -> None:
    writer = InboxWriter(engine)

    async def accept_then_close() -> list[object]:
        tasks = [
            asyncio.ensure_future(
                writer.accept(source="meta", body=f"{i}".encode(), content_type="", now=NOW)
            )
            for i in range(20)
        ]
        await asyncio.sleep(0)  # sleep-ok: lets the tasks queue their payloads before the close
        await asyncio.to_thread(writer.close)
        return await asyncio.gather(*tasks)

    results = asyncio.run(accept_then_close())
    assert len({r.inbox_id for r in results}) == 20  # type: ignore[attr-defined]
    with Session(engine) as session:
        assert len(session.exec(select(InboxItem)).all()) == 20
