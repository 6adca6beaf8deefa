"""The post-crisis review: every figure worked out by hand from rows inserted at controlled times (see
`seed_ended_crisis`), the Markdown, the chart, the Slack message within Slack's limits, and the CLI."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from socialdesk.cli_crisis import register
from socialdesk.crisis.review import CrisisNotFound, build_review
from socialdesk.crisis.review_chart import PNG_SIGNATURE, chart_from_json, chart_to_json, review_chart_png
from socialdesk.domain.crisis import text_sha
from socialdesk.domain.crisis_models import (
    Crisis,
    CrisisApproval,
    CrisisEvent,
    CrisisPublication,
    CrisisStatement,
    CrisisStatus,
    StatementStatus,
)
from socialdesk.domain.crisis_review import CrisisReview
from socialdesk.domain.enums import CaseStatus, MentionKind, Platform, ReplyStatus, Sentiment
from socialdesk.domain.models import Case, Mention
from socialdesk.domain.playbooks.loader import load_playbook
from socialdesk.samples import sample_config_path
from socialdesk.settings import PROJECT_ROOT
from socialdesk.slack.blocks.crisis_review_text import event_text, review_markdown
from socialdesk.slack.blocks.crisis_review_view import render_review_message
from socialdesk.slack.blocks.kit import MAX_BLOCKS, MAX_SECTION_TEXT
from socialdesk.slack.ids import CrisisActionId, decode_crisis_value
from socialdesk.standin import validate_blocks
from tests.integration.digest_seed import add_case

TZ = "Europe/London"  # on UTC in November, so local times read as the UTC ones below
PLAYBOOKS = PROJECT_ROOT / "playbooks"
LEAD, COMMS, COMMS2, LEGAL = "U0LEAD0001", "U0COMMS001", "U0COMMS002", "U0LEGAL001"
NOW = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)


def t(hour: int, minute: int = 0, day: int = 24) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


_mentions = iter(range(1, 100_000))


def add_mention(
    session: Session, when: datetime, sentiment: Sentiment, score: float, case: Case | None = None
) -> None:
    n = next(_mentions)
    session.add(
        Mention(
            platform=Platform.X,
            external_id=f"extra-{n}",
            kind=MentionKind.POST,
            conversation_key=case.conversation_key if case else f"extra:{n}",
            case_id=case.id if case else None,
            author_id=f"extra-author-{n}",
            text_raw="The app is down again",
            text_masked="The app is down again",
            posted_at=when,
            received_at=when,
            sentiment=sentiment,
            sentiment_score=score,
        )
    )


def event(session: Session, crisis_id: int, when: datetime, actor: str, kind: str, **detail: Any) -> None:
    session.add(CrisisEvent(crisis_id=crisis_id, at=when, actor=actor, kind=kind, detail=detail))


def statement(
    session: Session,
    crisis_id: int,
    kind: str,
    drafted: datetime,
    status: StatementStatus,
    approvals: Sequence[tuple[str, str, datetime, bool]] = (),
    published: datetime | None = None,
    **extra: Any,
) -> CrisisStatement:
    """A statement with its approvals ``(approver, role, at, of the final text)``."""
    texts = {"x": f"{kind} text: we are on it.", "facebook": f"{kind} text for Facebook.\nSecond line."}
    row = CrisisStatement(
        crisis_id=crisis_id,
        kind=kind,
        status=status,
        texts=texts,
        text_sha=text_sha(texts),
        drafted_by=COMMS,
        drafted_at=drafted,
        published_by=COMMS if published else None,
        published_at=published,
        **extra,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    for approver, role, at, current in approvals:
        sha = row.text_sha if current else "0" * 64
        session.add(CrisisApproval(statement_id=row.id, text_sha=sha, approver=approver, roles=[role], at=at))
    return row


def publication(
    session: Session,
    row: CrisisStatement,
    target: str,
    status: ReplyStatus,
    sent: datetime | None,
    **extra: Any,
) -> None:
    assert row.id is not None
    session.add(
        CrisisPublication(
            statement_id=row.id,
            target=target,
            text=row.texts[target],
            status=status,
            actor=COMMS,
            created_at=sent or row.drafted_at,
            sent_at=sent,
            attempts=1,
            **extra,
        )
    )


def seed_ended_crisis(engine: Engine) -> int:
    """Crisis 14:00-16:00 on Tue 24 Nov 2026 (sev2, raised to sev1 at 14:30), reviewed at 20:00.

    Statements: holding #1 (drafted 14:05, approved 14:12 + 14:15 after a voided 14:08 approval, out
    on X at 14:20, 20 min after the start, on Facebook at 14:26); update #2 rejected; update #3
    (drafted 14:30, approved 14:40, published 14:45: 25 min after #1, on a 30-min cadence); resolution
    #4 (drafted 16:00, approved 16:10, on X at 16:12, Facebook failed: public at 16:12, 87 min after #3:
    late).

    Windows: before 12:00-14:00, during 14:00-16:00, after 16:00-18:00. By hand:
    - before: mentions 4 (1 negative: 25 %; mean (0.1 - 0.6 + 0.2 + 0.2) / 4 = -0.025); cases A and B
      opened, answered in 10 and 40 min (median 25, p90 40), SLA A met, B late: 1/2;
    - during: mentions 10 (6 negative: 60 %; 4 of crisis cases; mean -2.7 / 10 = -0.27); cases C, D,
      E, F opened (G is spam), answered C 30, D 60, E 5 min (median 30, p90 60), F never; SLA E met,
      C and D late, F overdue: 1/4;
    - after: mentions 3 (none negative); case H opened, answered in 10 min, SLA met 1/1.
    """
    with Session(engine) as session:
        crisis = Crisis(
            playbook_id="service-outage",
            title="Service outage",
            summary="Login failures in EU",
            severity="sev1",
            status=CrisisStatus.ENDED,
            started_at=t(14),
            started_by=LEAD,
            ended_at=t(16),
            ended_by=LEAD,
            end_summary="Fixed by a rollback",
            war_room="outage-1",
        )
        session.add(crisis)
        session.flush()
        assert crisis.id is not None
        cid = crisis.id
        neg, very = Sentiment.NEGATIVE, Sentiment.VERY_NEGATIVE
        # Before.
        add_case(session, opened=t(12, 10), answered=t(12, 20))  # A: 10 min, due 12:25, met
        add_case(session, opened=t(13), answered=t(13, 40), sentiment=neg)  # B: 40 min, due 13:15, late
        add_mention(session, t(12, 30), Sentiment.NEUTRAL, 0.2)
        add_mention(session, t(13, 30), Sentiment.NEUTRAL, 0.2)
        add_mention(session, t(11, 59), neg, -0.9)  # outside every window
        # During.
        c = add_case(session, opened=t(14, 10), answered=t(14, 40), sentiment=neg, crisis_id=cid)
        add_case(session, opened=t(14, 20), answered=t(15, 20), sentiment=very, crisis_id=cid)  # D
        add_case(session, opened=t(14, 30), answered=t(14, 35))  # E: 5 min, met
        add_case(session, opened=t(15), sentiment=neg, crisis_id=cid)  # F: never answered
        add_case(session, opened=t(15, 10), status=CaseStatus.SPAM, resolved=t(15, 11))  # G
        add_mention(session, t(14, 50), neg, -0.5, case=c)
        add_mention(session, t(15, 5), neg, -0.5)
        add_mention(session, t(15, 30), neg, -0.5)
        add_mention(session, t(15, 40), Sentiment.NEUTRAL, 0.2)
        add_mention(session, t(15, 59), Sentiment.NEUTRAL, 0.2)
        # After.
        add_case(session, opened=t(16, 30), answered=t(16, 40))  # H
        add_mention(session, t(17), Sentiment.NEUTRAL, 0.2)
        add_mention(session, t(17, 59), Sentiment.NEUTRAL, 0.2)
        add_mention(session, t(18), neg, -0.9)  # the after window ends at 18:00
        # Statements.
        holding = statement(
            session,
            cid,
            "holding",
            t(14, 5),
            StatementStatus.PUBLISHED,
            [
                (LEGAL, "legal", t(14, 8), False),
                (COMMS2, "comms_lead", t(14, 12), True),
                (LEGAL, "legal", t(14, 15), True),
            ],
            published=t(14, 26),  # when the last target took it, after a retry
        )
        publication(session, holding, "x", ReplyStatus.SENT, t(14, 20), url="https://x.com/acme/status/1")
        publication(session, holding, "facebook", ReplyStatus.SENT, t(14, 26), external_id="fb-1")
        statement(
            session,
            cid,
            "update",
            t(14, 25),
            StatementStatus.REJECTED,
            rejected_by=LEGAL,
            rejected_reason="Too vague about refunds",
        )
        update = statement(
            session,
            cid,
            "update",
            t(14, 30),
            StatementStatus.PUBLISHED,
            [(COMMS2, "comms_lead", t(14, 35), True), (LEGAL, "legal", t(14, 40), True)],
            published=t(14, 45),
        )
        publication(session, update, "x", ReplyStatus.SENT, t(14, 45))
        resolution = statement(
            session,
            cid,
            "resolution",
            t(16),
            StatementStatus.PUBLISHING,
            [(COMMS2, "comms_lead", t(16, 5), True), (LEGAL, "legal", t(16, 10), True)],
        )
        publication(session, resolution, "x", ReplyStatus.SENT, t(16, 12))
        publication(
            session,
            resolution,
            "facebook",
            ReplyStatus.FAILED,
            None,
            error_kind="auth",
            error="Facebook needs META_PAGE_TOKEN",
        )
        # The timeline, inserted out of order: the review orders it by time.
        event(session, cid, t(14, 30), LEAD, "severity", before="sev2", after="sev1")
        event(
            session,
            cid,
            t(14),
            LEAD,
            "started",
            playbook="service-outage",
            severity="sev2",
            summary="Login failures in EU",
        )
        event(session, cid, t(14, 5), COMMS, "drafted", statement_id=holding.id, statement_kind="holding")
        event(session, cid, t(14, 15), LEGAL, "approved", statement_id=holding.id, roles=["legal"])
        event(
            session,
            cid,
            t(14, 20),
            "system",
            "published",
            statement_id=holding.id,
            target="x",
            url="https://x.com/acme/status/1",
        )
        event(
            session,
            cid,
            t(14, 28),
            LEGAL,
            "rejected",
            statement_id=holding.id + 1,
            reason="Too vague about refunds",
        )
        event(session, cid, t(14, 32), LEAD, "role", role="legal", user=LEGAL)
        event(
            session,
            cid,
            t(16, 12),
            "system",
            "publish_failed",
            statement_id=resolution.id,
            target="facebook",
            error_kind="auth",
            error="Facebook needs META_PAGE_TOKEN",
        )
        event(session, cid, t(16), LEAD, "ended", summary="Fixed by a rollback")
        session.commit()
        return cid


def review_of(engine: Engine, crisis_id: int, now: datetime = NOW, **kwargs: Any) -> CrisisReview:
    with Session(engine) as session:
        return build_review(session, crisis_id, now=now, tz=TZ, **kwargs)


@pytest.fixture
def ended(engine: Engine) -> CrisisReview:
    cid = seed_ended_crisis(engine)
    return review_of(engine, cid, playbook=load_playbook(PLAYBOOKS / "service-outage.yaml"))


# --- the data --------------------------------------------------------------------------------------


def test_header_and_severity_changes(ended: CrisisReview) -> None:
    assert (ended.crisis_id, ended.playbook_title, ended.severity) == (1, "Service outage", "sev1")
    assert ended.duration == timedelta(hours=2) and not ended.running
    assert [(c.before, c.after, c.by) for c in ended.severity_changes] == [("sev2", "sev1", LEAD)]
    assert ended.end_summary == "Fixed by a rollback" and ended.lessons is None
    assert "Add lessons learned" in ended.lessons_text


def test_key_times_against_the_playbook_targets(ended: CrisisReview) -> None:
    keys = ended.key_times
    # The target of sev2, the severity it started at (30 min); the cadence of sev1 (30 min).
    assert keys.first_statement_at == t(14, 20) and keys.to_first_statement == timedelta(minutes=20)
    assert keys.first_statement_target == timedelta(minutes=30) and keys.first_statement_on_time
    assert keys.update_every == timedelta(minutes=30) and keys.updates == 1
    assert [(s.statement_id, s.gap, s.on_cadence) for s in keys.steps] == [
        (3, timedelta(minutes=25), True),
        (4, timedelta(minutes=87), False),  # the resolution went public on X at 16:12
    ]


def test_statement_approvals_rejection_and_publications(ended: CrisisReview) -> None:
    holding, rejected, update, resolution = ended.statements
    assert [a.current for a in holding.approvals] == [False, True, True]
    assert holding.last_approval_at == t(14, 15)
    assert holding.to_approved == timedelta(minutes=10) and holding.to_published == timedelta(minutes=15)
    assert update.to_approved == timedelta(minutes=10) and update.to_published == timedelta(minutes=15)
    assert rejected.rejected_by == LEGAL and rejected.rejected_at == t(14, 28)
    assert rejected.published_at is None and rejected.to_approved is None
    assert resolution.published_at == t(16, 12) and resolution.to_published == timedelta(minutes=12)
    assert [(p.target, p.status, p.error_kind) for p in resolution.publications] == [
        ("x", "sent", None),
        ("facebook", "failed", "auth"),
    ]


def test_explicit_targets_win_over_the_playbook(engine: Engine) -> None:
    cid = seed_ended_crisis(engine)
    bare = review_of(engine, cid)
    assert bare.key_times.first_statement_target is None and bare.key_times.first_statement_on_time is None
    assert [s.on_cadence for s in bare.key_times.steps] == [None, None]
    strict = review_of(engine, cid, first_statement_target_minutes=15, update_every_minutes=90)
    assert strict.key_times.first_statement_on_time is False
    assert [s.on_cadence for s in strict.key_times.steps] == [True, True]


def test_figures_before_during_after(ended: CrisisReview) -> None:
    before, during, after = ended.figures.before, ended.figures.during, ended.figures.after
    assert after is not None and ended.figures.after_note == ""
    assert (before.start, before.end, during.end, after.end) == (t(12), t(14), t(16), t(18))
    assert (before.mentions, during.mentions, after.mentions) == (4, 10, 3)
    assert (before.negative_share, during.negative_share, after.negative_share) == (0.25, 0.6, 0.0)
    assert (before.crisis_mentions, during.crisis_mentions, after.crisis_mentions) == (0, 4, 0)
    assert before.mean_score == pytest.approx(-0.025) and during.mean_score == pytest.approx(-0.27)
    assert (before.cases_opened, during.cases_opened, after.cases_opened) == (2, 4, 1)
    assert (before.frt_median, before.frt_p90) == (timedelta(minutes=25), timedelta(minutes=40))
    assert (during.frt_median, during.frt_p90) == (timedelta(minutes=30), timedelta(minutes=60))
    assert during.answered == 3 and after.frt_median == timedelta(minutes=10)
    assert (before.sla_met, before.sla_counted, during.sla_met, during.sla_counted) == (1, 2, 1, 4)
    assert after.sla_compliance == 1.0


def test_a_running_crisis_has_no_after(engine: Engine) -> None:
    with Session(engine) as session:
        crisis = Crisis(
            playbook_id="service-outage",
            title="Service outage",
            summary="Payments failing",
            severity="sev2",
            started_at=t(10, day=25),
            started_by=LEAD,
            war_room="outage-2",
        )
        session.add(crisis)
        session.flush()
        assert crisis.id is not None
        add_mention(session, t(9, 30, day=25), Sentiment.NEUTRAL, 0.1)
        add_mention(session, t(10, 15, day=25), Sentiment.NEGATIVE, -0.4)
        add_mention(session, t(10, 45, day=25), Sentiment.NEGATIVE, -0.4)
        session.commit()
        cid = crisis.id
    review = review_of(engine, cid, now=t(11, day=25))
    assert review.running and review.duration == timedelta(hours=1)
    assert review.figures.after is None and "still running" in review.figures.after_note
    assert (review.figures.before.start, review.figures.during.end) == (t(9, day=25), t(11, day=25))
    assert (review.figures.before.mentions, review.figures.during.mentions) == (1, 2)
    assert review.key_times.first_statement_at is None
    # Two hours of range: the chart counts per 10 minutes, up to the time of the review.
    assert review.chart.bucket_minutes == 10 and len(review.chart.mentions) == 12
    assert sum(review.chart.negative) == 2 and review.chart.crisis_end == t(11, day=25)
    markdown = review_markdown(review)
    assert "still running" in markdown and "No statement was published." in markdown


def test_the_after_window_is_cut_at_the_time_of_the_review(engine: Engine) -> None:
    cid = seed_ended_crisis(engine)
    review = review_of(engine, cid, now=t(17))
    assert review.figures.after is not None and review.figures.after.end == t(17)
    assert review.figures.after.mentions == 1 and review.figures.after_note


def test_timeline_in_time_order_with_readable_lines(ended: CrisisReview) -> None:
    times = [e.at for e in ended.timeline]
    assert times == sorted(times) and len(times) == 9
    first = ended.timeline[0]
    assert (first.kind, first.actor) == ("started", LEAD)
    assert first.text == "started the playbook at sev2: Login failures in EU"
    texts = [e.text for e in ended.timeline]
    assert "rejected the update statement #2: Too vague about refunds" in texts
    assert f"made @{LEGAL} legal" in texts
    failed = (
        "could not publish the resolution statement #4 on facebook (auth): Facebook needs META_PAGE_TOKEN"
    )
    assert failed in texts
    assert ended.clock(first.at) == "14:00"


def test_unknown_events_and_missing_details_still_read() -> None:
    assert event_text("drafted", {"statement_id": 7}, {7: "update"}) == "drafted the update statement #7"
    assert event_text("approved", {}, {}) == "approved a statement"
    done = event_text("statement_published", {"statement_id": 3, "statement_kind": "update"}, {})
    assert done == "the update statement #3 is out on every target"
    assert event_text("escalated_to_ceo", {"who": "U1", "empty": ""}, {}) == "escalated to ceo: who U1"


def test_an_unknown_crisis_is_a_domain_error(engine: Engine) -> None:
    with pytest.raises(CrisisNotFound, match="no crisis 99"):
        review_of(engine, 99)


# --- Markdown and the chart ------------------------------------------------------------------------


def test_markdown_names_the_approvers_and_the_figures(ended: CrisisReview) -> None:
    text = review_markdown(ended)
    assert text.startswith("# Crisis 1 review: Service outage")
    assert f"- Approved 14:12 by @{COMMS2} as comms_lead" in text
    assert f"- Approved 14:08 by @{LEGAL} as legal (voided" in text
    assert f"- Rejected 14:28 by @{LEGAL}: Too vague about refunds" in text
    assert "First statement published at 14:20, 20 min after the start (target 30 min: met)." in text
    assert "1 of 2 gaps between published statements on cadence" in text
    assert "| Mentions | 4 | 10 | 3 | ▲ 150% | ▼ 25% |" in text
    assert "| Negative share | 25% | 60% | 0% | ▲ 35 pts | ▼ 25 pts |" in text
    assert "| Median first response | 25 min | 30 min | 10 min | ▲ 20% | ▼ 60% |" in text
    assert "| First-response SLA met | 50% (1/2) | 25% (1/4) | 100% (1/1) | ▼ 25 pts | ▲ 50 pts |" in text
    assert "| 14:00 | @U0LEAD0001 | started the playbook at sev2: Login failures in EU |" in text
    assert "> resolution text: we are on it." in text and "facebook: failed, auth: Facebook needs" in text
    assert text.rstrip().endswith(ended.lessons_text)


def test_the_chart_is_a_real_png_of_hourly_mentions(ended: CrisisReview) -> None:
    chart = ended.chart
    assert chart.bucket_minutes == 60 and chart.start == t(12)
    assert list(chart.mentions) == [2, 2, 4, 6, 1, 2]  # 12:00 ... 17:00
    assert list(chart.negative) == [0, 1, 3, 3, 0, 0]
    assert [kind for _, kind in chart.statements] == ["holding", "update", "resolution"]
    assert chart_from_json(chart_to_json(chart)) == chart
    png = review_chart_png(ended)
    assert png.startswith(PNG_SIGNATURE) and len(png) > 10_000
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1000, 520)


# --- Slack -----------------------------------------------------------------------------------------


def all_text(blocks: list[dict[str, Any]]) -> str:
    parts: list[str] = []
    for block in blocks:
        if "text" in block:
            parts.append(block["text"]["text"])
        parts += [f["text"] for f in block.get("fields", [])]
        parts += [e.get("text", "") for e in block.get("elements", []) if isinstance(e.get("text"), str)]
    return "\n".join(parts)


def test_the_slack_message_is_valid_and_has_the_lessons_button(ended: CrisisReview) -> None:
    message = render_review_message(ended)
    assert validate_blocks(message.blocks, surface="message") == []
    text = all_text(message.blocks)
    assert f"<@{COMMS2}> as comms_lead 14:12" in text and "(voided by an edit)" in text
    assert "*Mentions*\nbefore 4 · during 10 ▲ 150% · after 3 ▼ 25%" in text
    assert f"`14:32` <@{LEAD}> made <@{LEGAL}> legal" in text
    assert "full timeline" not in text and "9 events" in text
    [actions] = [b for b in message.blocks if b["type"] == "actions"]
    [lessons] = actions["elements"]
    assert lessons["action_id"] == CrisisActionId.LESSONS.value
    assert decode_crisis_value(lessons["value"]).crisis_id == 1
    assert message.text.startswith("Crisis 1 review: Service outage. First statement after 20 min")


def test_a_long_timeline_is_cut_to_fit_slack(engine: Engine) -> None:
    cid = seed_ended_crisis(engine)
    with Session(engine) as session:
        for i in range(300):
            event(
                session,
                cid,
                t(14) + timedelta(seconds=20 * i),
                COMMS,
                "edited",
                statement_id=1,
                note="x" * 150 + f" edit {i}",
            )
        event(session, cid, t(15, 59), LEAD, "lessons", length=3)
        crisis = session.get(Crisis, cid)
        assert crisis is not None
        crisis.lessons = "Have a holding statement ready. <!channel> " + "y" * 5000
        session.add(crisis)
        session.commit()
    review = review_of(engine, cid)
    assert len(review.timeline) == 310
    message = render_review_message(review)
    assert validate_blocks(message.blocks, surface="message") == []
    assert len(message.blocks) <= MAX_BLOCKS
    assert all(len(b.get("text", {}).get("text", "")) <= MAX_SECTION_TEXT for b in message.blocks)
    text = all_text(message.blocks)
    assert f"full timeline: `socialdesk crisis review {cid}`" in text and "310 events" in text
    assert "more events…" in text
    assert "`14:00` " in text and "ended the crisis" in text  # the first and the last events stay
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text


# --- the CLI ---------------------------------------------------------------------------------------


def cli_app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def test_cli_writes_the_review_and_its_chart(
    engine: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = seed_ended_crisis(engine)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SOCIALDESK_CONFIG", str(sample_config_path()))
    monkeypatch.setenv("SOCIALDESK_PLAYBOOKS", str(PLAYBOOKS))
    out = tmp_path / "reviews" / "outage.md"
    result = CliRunner().invoke(cli_app(), ["crisis", "review", str(cid), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert str(out) in result.output and str(out.with_suffix(".png")) in result.output
    markdown = out.read_text(encoding="utf-8")
    assert markdown.startswith(f"# Crisis {cid} review") and "(target 30 min: met)" in markdown
    assert out.with_suffix(".png").read_bytes().startswith(PNG_SIGNATURE)
    monkeypatch.chdir(tmp_path)
    default = CliRunner().invoke(cli_app(), ["crisis", "review", str(cid)])
    assert default.exit_code == 0, default.output
    assert (tmp_path / f"crisis-{cid}-review.md").exists()
    assert (tmp_path / f"crisis-{cid}-review.png").exists()


def test_cli_exits_1_for_an_unknown_crisis(
    engine: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SOCIALDESK_CONFIG", str(sample_config_path()))
    result = CliRunner().invoke(cli_app(), ["crisis", "review", "42", "--out", str(tmp_path / "r.md")])
    assert result.exit_code == 1
    assert "There is no crisis 42." in result.output
    assert not (tmp_path / "r.md").exists()
