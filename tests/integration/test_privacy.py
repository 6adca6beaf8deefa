"""Export and erasure of one customer, end to end: the webhook in, cards in the Slack stand-in, the
lead's `/social privacy` commands, the CLI, and the digest figures before and after."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import typer
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from socialdesk.app import Runtime
from socialdesk.cli_privacy import register
from socialdesk.clock import ManualClock
from socialdesk.config import Config, Roles, load_config
from socialdesk.digest.service import DigestService
from socialdesk.domain.digest import Digest
from socialdesk.domain.enums import Platform, ReplyStatus, ReplyVisibility
from socialdesk.domain.models import (
    Case,
    CaseEvent,
    InboxItem,
    Mention,
    Notice,
    PlatformReply,
    SurveyResponse,
)
from socialdesk.privacy.erase import erase
from socialdesk.privacy.export import export
from socialdesk.privacy.subject import UnknownAuthor, install_salt, parse_author, pseudonym
from socialdesk.standin import SlackStandin
from tests.conftest import SAMPLE_CONFIG
from tests.integration.helpers import generic_mention, post_generic, settle
from tests.integration.slack_driver import SlackDriver

PRIYA, MARIA = "U0MANAGER1", "U0AGENT01"
DANA = "reddit:@dana"
DANA_ID = "reddit-dana"  # generic_mention's author id for handle "dana"
CARD = "4111 1111 1111 1111"
DAY = date(2026, 11, 24)
AFTER_DAY = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)  # the digest of DAY can be built


@pytest.fixture
def config() -> Config:
    return load_config(SAMPLE_CONFIG).model_copy(update={"roles": Roles(leads=[PRIYA])})


@pytest.fixture
def slack(server: str, standin: SlackStandin, runtime: Runtime) -> Iterator[SlackDriver]:
    yield SlackDriver(server, standin, runtime)


def _case_of(engine: Engine, author_id: str) -> Case:
    with Session(engine) as session:
        found = session.exec(select(Case).where(Case.author_id == author_id)).first()
    assert found is not None and found.id is not None
    return found


@pytest.fixture
def dana_case(server: str, runtime: Runtime, clock: ManualClock, slack: SlackDriver) -> int:
    """Dana's case (card number and email in the post, a note, a reply, a survey comment, resolved),
    and Casey's, who is not erased."""
    text = f"Charged twice on card {CARD}! Mail me at dana@example.com. Refund me"
    post_generic(server, generic_mention("d-1", text, handle="dana", created_at=clock.now(), followers=120))
    post_generic(
        server, generic_mention("c-1", "Parcel late again, awful", handle="casey", created_at=clock.now())
    )
    settle(runtime, clock)
    case_id = _case_of(runtime.engine, DANA_ID).id
    assert case_id is not None
    slack.command(f"note {case_id} Dana says she lives at 1 Main St", user=MARIA)
    slack.command(f"resolve {case_id} fixed", user=MARIA)
    with Session(runtime.engine) as session:
        session.add(
            PlatformReply(
                idempotency_key="test-reply",
                case_id=case_id,
                actor=MARIA,
                visibility=ReplyVisibility.PUBLIC,
                platform=Platform.REDDIT,
                text="Sorry Dana, refund on its way",
                status=ReplyStatus.SENT,
                created_at=clock.now(),
                sent_at=clock.now(),
            )
        )
        session.add(
            SurveyResponse(
                case_id=case_id,
                kind="csat",
                score=2,
                source="reply",
                source_ref="s-1",
                comment="slow, Dana",
                received_at=clock.now(),
            )
        )
        session.commit()
    settle(runtime, clock)
    return case_id


def _digest(runtime: Runtime, config: Config, clock: ManualClock) -> Digest:
    service = DigestService(engine=runtime.engine, config=config, clock=clock)
    built = service.build(service.period_key(DAY), now=AFTER_DAY)
    # The keywords are read from the texts, which erasure removes on purpose; every figure must stay.
    return dataclasses.replace(built, negative_keywords=[])


def _card(standin: SlackStandin, runtime: Runtime, case_id: int) -> str:
    case = _case_of_id(runtime.engine, case_id)
    assert case.slack_channel is not None and case.slack_ts is not None
    (card,) = [m for m in standin.messages(case.slack_channel) if m.ts == case.slack_ts]
    return card.text + json.dumps(card.blocks)


def _case_of_id(engine: Engine, case_id: int) -> Case:
    with Session(engine) as session:
        found = session.get(Case, case_id)
    assert found is not None
    return found


def test_export_holds_everything_about_the_author(runtime: Runtime, dana_case: int) -> None:
    with Session(runtime.engine) as session:
        data = export(session, parse_author(DANA))
    json.dumps(data)  # serialisable as it is
    assert data["author"] == f"reddit:{DANA_ID}"
    (mention,) = data["mentions"]
    assert CARD in mention["text_raw"] and mention["author_handle"] == "dana"
    (case,) = data["cases"]
    assert case["id"] == dana_case and case["outcome"] == "fixed"
    kinds = [e["kind"] for e in case["events"]]
    assert kinds[0] == "opened" and "note" in kinds and "resolved" in kinds
    assert any(e["detail"].get("text") == "Dana says she lives at 1 Main St" for e in case["events"])
    assert {e["actor"] for e in case["events"]} <= {"system", "staff"}  # no staff Slack ids
    assert [r["text"] for r in data["replies"]] == ["Sorry Dana, refund on its way"]
    assert [(s["score"], s["comment"]) for s in data["survey_responses"]] == [(2, "slow, Dana")]
    assert data["crises"] == []
    with Session(runtime.engine) as session, pytest.raises(UnknownAuthor):
        export(session, parse_author("reddit:@nobody"))


def test_erase_keeps_the_figures_and_redraws_the_card(
    runtime: Runtime, config: Config, clock: ManualClock, standin: SlackStandin, dana_case: int
) -> None:
    assert "Charged twice" in _card(standin, runtime, dana_case)
    figures = _digest(runtime, config, clock)
    with Session(runtime.engine) as session:
        mention = session.exec(select(Mention).where(Mention.author_id == DANA_ID)).one()
        inbox_id = mention.inbox_id
        casey_before = session.exec(select(Mention).where(Mention.author_id == "reddit-casey")).one()

    report = erase(runtime.engine, DANA, actor=PRIYA, now=clock.now(), config=config)
    settle(runtime, clock)

    alias = pseudonym(Platform.REDDIT, DANA_ID, install_salt(runtime.engine, clock.now()))
    assert report.author == alias and alias.startswith("erased:") and len(alias) == len("erased:") + 16
    assert (report.mentions, report.cases, report.replies, report.survey_comments) == (1, 1, 1, 1)
    assert report.inbox_bodies == 1 and report.events >= 2 and report.cards_updated == 1
    with Session(runtime.engine) as session:
        m = session.exec(select(Mention).where(Mention.author_id == alias)).one()
        assert (m.text_raw, m.text_masked, m.author_handle, m.author_name) == ("[erased]", "[erased]", "", "")
        assert m.author_followers is None and m.url is None and m.author_url is None
        assert (m.sentiment, m.category, m.case_id) == (mention.sentiment, mention.category, dana_case)
        assert session.get(InboxItem, inbox_id).body == ""  # type: ignore[union-attr]
        case = session.get(Case, dana_case)
        assert case is not None and case.author_id == alias and case.author_handle == ""
        assert case.outcome == "fixed" and case.resolved_at is not None
        texts = json.dumps([e.detail for e in session.exec(select(CaseEvent))])
        assert "Main St" not in texts and "[erased]" in texts
        assert session.exec(select(PlatformReply.text)).one() == "[erased]"
        survey = session.exec(select(SurveyResponse)).one()
        assert (survey.score, survey.comment) == (2, None)
        casey = session.exec(select(Mention).where(Mention.author_id == "reddit-casey")).one()
        assert casey.text_raw == casey_before.text_raw  # nobody else is touched
        (record,) = session.exec(select(Notice).where(Notice.kind == "erasure")).all()
        assert record.detail["requested_by"] == PRIYA and record.detail["counts"]["mentions"] == 1
        assert "dana" not in json.dumps(record.detail).lower() and record.sent_at is not None
    assert _digest(runtime, config, clock) == figures
    card = _card(standin, runtime, dana_case)
    assert "Charged twice" not in card and "[erased]" in card and "dana" not in card.lower()

    again = erase(runtime.engine, f"reddit:{DANA_ID}", actor=PRIYA, now=clock.now(), config=config)
    assert again.already_erased and again.author == alias and again.mentions == 0
    assert _digest(runtime, config, clock) == figures
    with pytest.raises(UnknownAuthor):
        erase(runtime.engine, DANA, actor=PRIYA, now=clock.now(), config=config)  # the handle is gone
    with pytest.raises(UnknownAuthor):
        erase(runtime.engine, "reddit:nobody", actor=PRIYA, now=clock.now(), config=config)


def test_slack_commands_for_a_lead_and_refused_for_an_agent(
    runtime: Runtime, clock: ManualClock, slack: SlackDriver, dana_case: int
) -> None:
    (refused,) = slack.command(f"privacy export {DANA}", user=MARIA)
    assert "lead or manager" in refused
    (refused,) = slack.command(f"privacy erase {DANA} confirm", user=MARIA)
    assert "lead or manager" in refused
    assert _case_of(runtime.engine, DANA_ID).id == dana_case  # nothing erased

    (summary,) = slack.command(f"privacy export {DANA}", user=PRIYA)
    assert "1 mentions" in summary and "socialdesk privacy export --author reddit:@dana" in summary
    assert CARD not in summary
    (ask,) = slack.command(f"privacy erase {DANA}", user=PRIYA)
    assert f"/social privacy erase {DANA} confirm" in ask
    assert _case_of(runtime.engine, DANA_ID).id == dana_case  # asking is not doing
    (done,) = slack.command(f"privacy erase {DANA} confirm", user=PRIYA)
    assert done.startswith(f"Erased `{DANA}`, now `erased:")
    with Session(runtime.engine) as session:
        assert session.exec(select(col(Mention.id)).where(Mention.author_id == DANA_ID)).all() == []
    (unknown,) = slack.command("privacy export reddit:@nobody", user=PRIYA)
    assert "No data for reddit:@nobody" in unknown
    (usage,) = slack.command("privacy", user=PRIYA)
    assert "Usage:" in usage


def test_cli_export_and_erase(
    runtime: Runtime, dana_case: int, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SOCIALDESK_CONFIG", str(SAMPLE_CONFIG))
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)  # a second command, so Typer keeps `privacy` as a group
    runner = CliRunner()

    out = tmp_path / "dana.json"
    result = runner.invoke(app, ["privacy", "export", "--author", DANA, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert CARD in json.loads(out.read_text())["mentions"][0]["text_raw"]
    printed = runner.invoke(app, ["privacy", "export", "--author", DANA])
    assert printed.exit_code == 0 and json.loads(printed.stdout)["cases"][0]["id"] == dana_case

    declined = runner.invoke(app, ["privacy", "erase", "--author", DANA], input="n\n")
    assert declined.exit_code == 1 and _case_of(runtime.engine, DANA_ID).id == dana_case
    erased = runner.invoke(app, ["privacy", "erase", "--author", DANA, "--yes"])
    assert erased.exit_code == 0, erased.output
    counts = json.loads(erased.stdout)
    assert counts["mentions"] == 1 and counts["cases"] == 1 and counts["pseudonym"].startswith("erased:")
    missing = runner.invoke(app, ["privacy", "erase", "--author", DANA, "--yes"])
    assert missing.exit_code == 1 and "No data for reddit:@dana" in missing.output
    bad = runner.invoke(app, ["privacy", "export", "--author", "dana"])
    assert bad.exit_code == 1 and "is not an author" in bad.output
