"""Survey rules (bot/surveys/rules.py), the survey webhook's body check, and the thread lines."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from socialdesk.config import BrandVoice, Surveys
from socialdesk.domain.enums import CaseStatus, Category, MentionKind, Platform, ReplyVisibility, Sentiment
from socialdesk.domain.models import Case, Mention
from socialdesk.slack.blocks.event_lines import render_event_line
from socialdesk.surveys import rules
from socialdesk.surveys.webhook import BadSurveyAnswer, parse_answer

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
PRIVATE, PUBLIC = ReplyVisibility.PRIVATE, ReplyVisibility.PUBLIC


def mention(platform: Platform, kind: MentionKind = MentionKind.COMMENT, **fields: Any) -> Mention:
    values: dict[str, Any] = {
        "platform": platform,
        "external_id": "1",
        "kind": kind,
        "conversation_key": "k",
        "author_id": "2200000001",
        "text_raw": "",
        "text_masked": "",
        "posted_at": NOW - timedelta(days=1),
        "received_at": NOW,
        **fields,
    }
    return Mention(**values)


def case(**fields: Any) -> Case:
    values: dict[str, Any] = {
        "id": 42,
        "platform": Platform.X,
        "conversation_key": "k",
        "status": CaseStatus.RESOLVED,
        "team": "support",
        "author_id": "2200000001",
        "author_name": "Dana Whitfield",
        "author_handle": "dana_flies",
        "opened_at": NOW,
        "first_response_due": NOW,
        "last_activity_at": NOW,
        "outcome": "fixed",
        **fields,
    }
    return Case(**values)


@pytest.mark.parametrize(
    ("given", "used", "expected"),
    [
        (mention(Platform.MESSENGER, MentionKind.DIRECT, is_private=True), False, PRIVATE),
        (mention(Platform.X, MentionKind.POST), False, PRIVATE),  # a DM
        (mention(Platform.X, MentionKind.POST, author_id="dana"), False, PUBLIC),  # no numeric id to DM
        (mention(Platform.FACEBOOK), False, PRIVATE),  # a private reply to the comment
        (mention(Platform.FACEBOOK), True, PUBLIC),  # Meta allows one per comment
        (mention(Platform.FACEBOOK, posted_at=NOW - timedelta(days=7)), False, PUBLIC),  # window closed
        (mention(Platform.FACEBOOK, MentionKind.REVIEW), False, PUBLIC),
        (mention(Platform.INSTAGRAM), False, PRIVATE),
        (mention(Platform.INSTAGRAM, MentionKind.POST), False, PUBLIC),
        (mention(Platform.INSTAGRAM, extra={"mentioned": "true"}), False, PUBLIC),
        (mention(Platform.REDDIT, MentionKind.POST), False, PUBLIC),
        (mention(Platform.REVIEW, MentionKind.DIRECT, is_private=True), False, PRIVATE),
    ],
)
def test_private_where_the_platform_allows(given: Mention, used: bool, expected: ReplyVisibility) -> None:
    assert rules.choose_visibility(given, now=NOW, private_reply_used=used) is expected


def test_who_is_not_scheduled() -> None:
    on = Surveys(enabled=True)
    assert rules.why_not_schedule(on, case()) is None
    assert rules.why_not_schedule(Surveys(enabled=False), case()) == "surveys are disabled"
    assert rules.why_not_schedule(on, case(outcome="duplicate")) == "outcome duplicate"
    assert rules.why_not_schedule(on, case(outcome="spam")) == "outcome spam"
    assert rules.why_not_schedule(on, case(status=CaseStatus.SPAM, outcome="spam")) == "the case is spam"


def test_survey_text_is_rendered_per_platform_without_a_signature() -> None:
    surveys = Surveys(enabled=True, text={Platform.X: "Hi {{ customer_name }}, rate {{ case_ref }} 1-5?"})
    assert rules.survey_text(surveys, case()) == "Hi Dana Whitfield, rate #42 1-5?"
    assert rules.survey_text(surveys, case(platform=Platform.REDDIT, author_name="")).startswith(
        "Thanks for talking to us, @dana_flies."
    )


def test_length_is_counted_the_platform_way() -> None:
    voice = BrandVoice()
    fits = "How did we do? " + "⭐" * 130  # X counts an emoji twice: 15 + 260 = 275
    too_long = fits + "⭐⭐⭐"
    assert rules.length_problem(fits, Platform.X, PUBLIC, voice) is None
    problem = rules.length_problem(too_long, Platform.X, PUBLIC, voice)
    assert problem == "the survey text is 281 characters; X allows 280 in a public reply"
    assert rules.length_problem(too_long, Platform.X, PRIVATE, voice) is None  # a DM holds 10,000
    assert rules.length_problem("  ", Platform.X, PRIVATE, voice) == "the survey text is empty"


@pytest.mark.parametrize(
    ("comment", "category", "sentiment", "needs"),
    [
        (None, Category.OTHER, Sentiment.NEUTRAL, False),
        ("thanks!", Category.OTHER, Sentiment.POSITIVE, False),
        ("Maria was brilliant", Category.PRAISE, Sentiment.VERY_POSITIVE, False),
        ("still broken", Category.COMPLAINT, Sentiment.NEGATIVE, True),
        ("but where is my refund?", Category.QUESTION, Sentiment.POSITIVE, True),
        ("the courier left it in the rain", Category.OTHER, Sentiment.NEUTRAL, True),
    ],
)
def test_when_an_answer_needs_a_person(
    comment: str | None, category: Category, sentiment: Sentiment, needs: bool
) -> None:
    given = mention(Platform.X, category=category, sentiment=sentiment)
    assert rules.needs_a_person(comment, given) is needs


def test_survey_purposes() -> None:
    assert rules.purpose_for("nps") == "survey:nps"
    assert rules.kind_of("survey:nps") == "nps"
    assert rules.kind_of("survey:ces") is None and rules.kind_of(None) is None
    assert rules.notice_key(7) == "survey:7"


# --- the webhook body --------------------------------------------------------------------------------


def body(**fields: Any) -> bytes:
    return json.dumps({"case": 42, "kind": "csat", "score": 4, "id": "r-1", **fields}).encode()


def test_webhook_body_forms() -> None:
    assert parse_answer(body(case="#42", comment="  great  ")).comment == "great"
    assert parse_answer(body(case=" 42 ")).case_id == 42
    assert parse_answer(body(score="5")).score == 5
    assert parse_answer(body(score=3.0)).score == 3
    assert parse_answer(body(kind="nps", score=0)).score == 0
    assert parse_answer(body(id=981)).response_id == "981"
    assert parse_answer(body(comment="x" * 5000)).comment == "x" * 2000
    without_id = json.dumps({"case": 42, "kind": "csat", "score": 4}).encode()
    assert parse_answer(without_id).response_id.startswith("sha256:")
    assert parse_answer(without_id).response_id == parse_answer(without_id).response_id


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{", "body: not JSON"),
        (b"\xff", "body: not JSON"),
        (b"[]", "body: expected an object"),
        (body(case=0), "case: expected a case number"),
        (body(case="42a"), "case: expected a case number"),
        (body(case=True), "case: expected a case number"),
        (body(case=None), "case: expected a case number"),
        (body(kind="CSAT"), "kind: expected 'csat' or 'nps'"),
        (body(score=4.5), "score: expected a whole number from 1 to 5"),
        (body(score=None), "score: expected a whole number"),
        (body(score=0), "score: 0 is out of range for csat (1 to 5)"),
        (body(kind="nps", score=11), "score: 11 is out of range for nps (0 to 10)"),
        (body(comment=["a"]), "comment: expected a string"),
        (body(id=""), "id: expected a non-empty string or number"),
        (body(id=False), "id: expected a non-empty string or number"),
        (body(id="x" * 201), "id: at most 200 characters"),
    ],
)
def test_webhook_body_refusals(raw: bytes, reason: str) -> None:
    with pytest.raises(BadSurveyAnswer) as refused:
        parse_answer(raw)
    assert str(refused.value).startswith(reason)


# --- thread lines ------------------------------------------------------------------------------------


def line(kind: str, **detail: Any) -> str:
    message = render_event_line(case_id=42, event_id=7, kind=kind, actor="system", at=NOW, detail=detail)
    return json.dumps(message.blocks, ensure_ascii=False) + message.text


def test_thread_lines_for_surveys() -> None:
    assert "⭐ CSAT 4/5 from the customer" in line("survey_answered", survey="csat", score=4, scale=5)
    nps = line("survey_answered", survey="nps", score=3, scale=10, source="webhook", comment="too slow")
    assert "NPS 3/10 from the customer (detractor), through the survey tool" in nps and "too slow" in nps
    assert "(was 2)" in line("survey_answered", survey="csat", score=4, scale=5, previous_score=2)
    sent = line("survey_sent", purpose="survey:nps", visibility="private")
    assert "Satisfaction survey (NPS) sent to the customer 🔒 privately" in sent
    failed = line("survey_failed", purpose="survey:csat", error_kind="unavailable", error="X timed out")
    assert "survey (CSAT) could not be confirmed: X timed out" in failed


def test_the_documented_example_is_accepted() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "generic-webhook.md").read_text(encoding="utf-8")
    section = doc.split("## Survey answers", 1)[1]
    example = section.split("```\n", 2)[1]
    answer = parse_answer(example.encode())
    assert (answer.case_id, answer.kind, answer.score, answer.response_id) == (42, "csat", 4, "resp_8f3a")
