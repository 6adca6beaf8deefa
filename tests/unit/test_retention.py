"""The retention purge with a manual clock: only rows past their class's limit change, in batches,
and a second run changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from socialdesk.clock import ManualClock
from socialdesk.config import Config, Retention
from socialdesk.domain.crisis_models import Crisis, CrisisEvent
from socialdesk.domain.enums import (
    CaseStatus,
    InboxStatus,
    MentionKind,
    OutboxStatus,
    Platform,
    ReplyStatus,
    ReplyVisibility,
    Sentiment,
)
from socialdesk.domain.models import (
    Case,
    CaseEvent,
    InboxItem,
    Mention,
    OutboxMessage,
    PlatformReply,
    SurveyResponse,
)
from socialdesk.jobs import Job
from socialdesk.privacy.retention import PurgeReport, RetentionPurge
from socialdesk.privacy.wiring import build_privacy

NOW = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)
OLD, NEW = NOW - timedelta(days=400), NOW - timedelta(days=10)  # past every limit / within all but none
_seq = iter(range(1, 10_000))
T = TypeVar("T")


def _get(session: Session, model: type[T], row_id: int) -> T:
    found = session.get(model, row_id)
    assert found is not None
    return found


@pytest.fixture
def short(config: Config) -> Config:
    return config.model_copy(
        update={
            "retention": Retention(
                raw_payloads_days=30, message_text_days=365, audit_events_days=365, outbox_days=30
            )
        }
    )


def _add(engine: Engine, *rows: Any) -> list[int]:
    with Session(engine, expire_on_commit=False) as session:
        session.add_all(rows)
        session.commit()
        return [r.id for r in rows]


def inbox(at: datetime, status: InboxStatus = InboxStatus.PROCESSED) -> InboxItem:
    n = next(_seq)
    return InboxItem(
        source="generic", received_at=at, body_sha256=f"{n:064d}", body=f'{{"n": {n}}}', status=status
    )


def case(at: datetime, status: CaseStatus = CaseStatus.RESOLVED) -> Case:
    return Case(
        platform=Platform.X,
        conversation_key=f"x:{next(_seq)}",
        status=status,
        team="support",
        author_id="2200000001",
        opened_at=at,
        first_response_due=at,
        last_activity_at=at,
    )


def mention(at: datetime, case_id: int | None, inbox_id: int | None = None) -> Mention:
    n = next(_seq)
    return Mention(
        platform=Platform.X,
        external_id=str(n),
        kind=MentionKind.REPLY,
        conversation_key=f"x:{n}",
        case_id=case_id,
        inbox_id=inbox_id,
        author_id="2200000001",
        text_raw="my card is 4111 1111 1111 1111",
        text_masked="my card is [card]",
        posted_at=at,
        received_at=at,
        sentiment=Sentiment.NEGATIVE,
    )


def reply(case_id: int, at: datetime, status: ReplyStatus = ReplyStatus.SENT) -> PlatformReply:
    return PlatformReply(
        idempotency_key=f"k{next(_seq)}",
        case_id=case_id,
        actor="U0AGENT01",
        visibility=ReplyVisibility.PUBLIC,
        platform=Platform.X,
        text="Sorry Dana, DM us",
        status=status,
        created_at=at,
    )


def outbox(at: datetime, status: OutboxStatus, **extra: Any) -> OutboxMessage:
    return OutboxMessage(
        dedupe_key=extra.pop("dedupe_key", f"o{next(_seq)}"),
        method="chat.postMessage",
        channel="#social-support",
        payload=extra.pop("payload", {"text": "hi"}),
        status=status,
        created_at=at,
        next_attempt_at=at,
    )


def purge(engine: Engine, config: Config, *, batch: int = 1000) -> PurgeReport:
    return RetentionPurge(engine, config, ManualClock(NOW), batch=batch).run()


def test_only_old_rows_of_each_class_change(engine: Engine, short: Config) -> None:
    old_in, new_in, pending_in = _add(engine, inbox(OLD), inbox(NEW), inbox(OLD, InboxStatus.PENDING))
    closed, open_case = _add(engine, case(OLD), case(OLD, CaseStatus.CLAIMED))
    old_m, new_m, open_first, open_latest = _add(
        engine,
        mention(OLD, closed, old_in),
        mention(NEW, closed, new_in),
        mention(OLD - timedelta(days=1), open_case),
        mention(OLD, open_case),
    )
    old_r, new_r, pending_r = _add(
        engine, reply(closed, OLD), reply(closed, NEW), reply(closed, OLD, ReplyStatus.PENDING)
    )
    old_s, new_s = _add(
        engine,
        SurveyResponse(
            case_id=closed,
            kind="csat",
            score=2,
            source="reply",
            source_ref="a",
            comment="bad",
            received_at=OLD,
        ),
        SurveyResponse(
            case_id=closed,
            kind="csat",
            score=4,
            source="reply",
            source_ref="b",
            comment="ok",
            received_at=NEW,
        ),
    )
    old_note, new_note, old_escalation = _add(
        engine,
        CaseEvent(case_id=closed, at=OLD, actor="U0AGENT01", kind="note", detail={"text": "at 1 Main St"}),
        CaseEvent(case_id=closed, at=NEW, actor="U0AGENT01", kind="note", detail={"text": "call back"}),
        CaseEvent(
            case_id=closed, at=OLD, actor="U0AGENT01", kind="escalated",
            detail={"from_team": "support", "to_team": "billing", "reason": "Dana's refund"},
        ),
    )  # fmt: skip
    (crisis_id,) = _add(
        engine,
        Crisis(
            playbook_id="outage",
            title="Outage",
            severity="high",
            started_at=OLD,
            started_by="U1",
            war_room="w",
        ),
    )
    old_ce, new_ce = _add(
        engine,
        CrisisEvent(
            crisis_id=crisis_id, at=OLD, actor="U1", kind="rejected", detail={"reason": "names Dana"}
        ),
        CrisisEvent(crisis_id=crisis_id, at=NEW, actor="U1", kind="rejected", detail={"reason": "too long"}),
    )
    old_sent, old_dead, new_sent, old_pending, awaited = _add(
        engine,
        outbox(OLD, OutboxStatus.SENT),
        outbox(OLD, OutboxStatus.DEAD),
        outbox(NEW, OutboxStatus.SENT),
        outbox(OLD, OutboxStatus.PENDING, payload={"after": "digest:daily:x"}),
        outbox(OLD, OutboxStatus.SENT, dedupe_key="digest:daily:x"),
    )

    report = purge(engine, short)

    assert report == PurgeReport(
        inbox_bodies=1, mention_texts=2, reply_texts=1, survey_comments=1, case_events=2, crisis_events=1,
        outbox_deleted=2, batches=8,
    )  # fmt: skip
    with Session(engine) as s:
        bodies = [_get(s, InboxItem, i).body for i in (old_in, new_in, pending_in)]
        assert bodies[0] == "" and bodies[1].startswith('{"n"') and bodies[2].startswith('{"n"')
        assert _get(s, InboxItem, old_in).status is InboxStatus.PROCESSED
        texts = {
            m: (_get(s, Mention, m).text_raw, _get(s, Mention, m).text_masked)
            for m in (old_m, new_m, open_first, open_latest)
        }
        assert texts[old_m] == ("[expired]", "[expired]")
        assert texts[open_first] == ("[expired]", "[expired]")
        assert texts[new_m][0].startswith("my card") and texts[open_latest][0].startswith("my card")
        kept = _get(s, Mention, old_m)
        assert (kept.case_id, kept.sentiment, kept.platform) == (closed, Sentiment.NEGATIVE, Platform.X)
        assert [_get(s, PlatformReply, r).text for r in (old_r, new_r, pending_r)] == [
            "[expired]", "Sorry Dana, DM us", "Sorry Dana, DM us",
        ]  # fmt: skip
        assert [_get(s, SurveyResponse, i).comment for i in (old_s, new_s)] == [None, "ok"]
        assert _get(s, SurveyResponse, old_s).score == 2
        assert _get(s, CaseEvent, old_note).detail == {"text": "[expired]"}
        assert _get(s, CaseEvent, new_note).detail == {"text": "call back"}
        assert _get(s, CaseEvent, old_escalation).detail == {
            "from_team": "support", "to_team": "billing", "reason": "[expired]",
        }  # fmt: skip
        assert _get(s, CrisisEvent, old_ce).detail == {"reason": "[expired]"}
        assert _get(s, CrisisEvent, new_ce).detail == {"reason": "too long"}
        left = set(s.exec(select(OutboxMessage.id)).all())
        assert left == {new_sent, old_pending, awaited}
        assert old_sent not in left and old_dead not in left

    assert purge(engine, short) == PurgeReport()  # idempotent: nothing left to clear


def test_batches_split_a_large_purge(engine: Engine, short: Config) -> None:
    (closed,) = _add(engine, case(OLD))
    _add(engine, *(mention(OLD, closed) for _ in range(7)))
    _add(
        engine,
        *(CaseEvent(case_id=closed, at=OLD, actor="U1", kind="note", detail={"text": "x"}) for _ in range(5)),
    )
    _add(engine, *(outbox(OLD, OutboxStatus.SENT) for _ in range(4)))
    report = purge(engine, short, batch=3)
    assert (report.mention_texts, report.case_events, report.outbox_deleted) == (7, 5, 4)
    # 7 mentions: 3+3+1; 5 events: 3+2; 4 outbox rows: 3+1 (each a transaction of its own).
    assert report.batches == 3 + 2 + 2
    with Session(engine) as s:
        assert set(s.exec(select(Mention.text_raw)).all()) == {"[expired]"}
        assert s.exec(select(col(OutboxMessage.id))).all() == []
    assert purge(engine, short, batch=3) == PurgeReport()


def test_defaults_and_limits(config: Config) -> None:
    assert config.retention == Retention(
        raw_payloads_days=30, message_text_days=365, audit_events_days=730, outbox_days=30
    )
    with pytest.raises(ValueError):
        Retention(outbox_days=0)


def test_the_job_is_a_nightly_leader_only_cron(engine: Engine, config: Config) -> None:
    wiring = build_privacy(engine=engine, config=config, clock=ManualClock(NOW))
    (job,) = wiring.jobs
    assert isinstance(job, Job)
    assert (job.id, job.cron, job.leader_only) == ("privacy-purge", {"hour": "3", "minute": "17"}, True)
    assert job.func() == PurgeReport()
