"""CSAT / NPS end to end, through the real HTTP endpoints: a resolve schedules one survey, the
`surveys` job sends it to the generic reply receiver (a real socket) without counting it as a
response, the customer's answer comes back as a mention or from a survey tool's signed webhook, and a
line in the case's Slack thread says so. Time is a ManualClock; the job is run by hand."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlmodel import Session, col, select

from socialdesk.app import Runtime, build_runtime
from socialdesk.clock import ManualClock
from socialdesk.config import Config, Surveys, load_config
from socialdesk.connectors.signing import sign_generic
from socialdesk.domain.enums import CaseStatus, Platform, ReplyStatus
from socialdesk.domain.models import Case, CaseEvent, Mention, Notice, PlatformReply, SurveyResponse
from socialdesk.slack.ids import OverflowOption
from socialdesk.standin import SlackStandin
from socialdesk.standin.platforms.generic_receiver import GenericReceiverStandIn
from tests import support
from tests.conftest import SAMPLE_CONFIG, make_settings
from tests.integration.helpers import generic_mention, post_generic, settle
from tests.integration.slack_driver import SlackDriver

MARIA = "U0AGENT01"
SURVEY_TEXT = "Hi {{ customer_name }}, how did we do on {{ case_ref }}? Reply 1 (poor) to 5 (great)."


@pytest.fixture
def survey_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Overrides of the test's `surveys:` config, through indirect parametrization."""
    return dict(getattr(request, "param", {}))


@pytest.fixture
def config(survey_settings: dict[str, Any]) -> Config:
    surveys = {
        "enabled": True,
        "delay_minutes": 30,
        "text": {Platform.REDDIT: SURVEY_TEXT},
        **survey_settings,
    }
    return load_config(SAMPLE_CONFIG).model_copy(update={"surveys": Surveys(**surveys)})


@pytest.fixture
def receiver() -> Iterator[GenericReceiverStandIn]:
    server = GenericReceiverStandIn(secret=support.WEBHOOK_SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def runtime(
    database_url: str,
    standin: SlackStandin,
    clock: ManualClock,
    config: Config,
    receiver: GenericReceiverStandIn,
) -> Iterator[Runtime]:
    settings = make_settings(database_url, standin.url).model_copy(
        update={"generic_reply_url": receiver.reply_url, "webhook_secret": SecretStr(support.WEBHOOK_SECRET)}
    )
    rt = build_runtime(settings, clock=clock, config=config, migrate=False)
    yield rt
    rt.close()


@dataclass(frozen=True)
class Desk:
    server: str
    runtime: Runtime
    clock: ManualClock
    standin: SlackStandin
    receiver: GenericReceiverStandIn

    @property
    def slack(self) -> SlackDriver:
        return SlackDriver(self.server, self.standin, self.runtime)

    def settle(self) -> None:
        settle(self.runtime, self.clock)

    def mention(self, mid: str, text: str, *, handle: str = "casey", in_reply_to: str | None = None) -> int:
        """The customer writes; returns the case the mention ended up on."""
        payload = generic_mention(
            mid, text, created_at=self.clock.now(), handle=handle, in_reply_to=in_reply_to
        )
        assert post_generic(self.server, payload).status_code == 200
        self.settle()
        with Session(self.runtime.engine) as session:
            found = session.exec(select(Mention).where(Mention.external_id == mid)).one()
            assert found.case_id is not None
            return found.case_id

    def answer_and_resolve(self, case_id: int, outcome: str = "fixed") -> None:
        self.clock.advance(timedelta(minutes=5))
        [posted] = self.slack.command(f"reply {case_id} Hi Casey, a new parcel is on its way.", user=MARIA)
        assert "was posted" in posted
        self.clock.advance(timedelta(minutes=10))
        self.slack.command(f"resolve {case_id} {outcome}", user=MARIA)
        self.settle()

    def run_surveys(self) -> int:
        sent = self.runtime.jobs["surveys"].func()
        self.settle()
        assert isinstance(sent, int)
        return sent

    def case(self, case_id: int) -> Case:
        with Session(self.runtime.engine) as session:
            case = session.get(Case, case_id)
            assert case is not None
            return case

    def case_count(self) -> int:
        with Session(self.runtime.engine) as session:
            return len(session.exec(select(Case.id)).all())

    def surveys(self) -> list[PlatformReply]:
        with Session(self.runtime.engine) as session:
            stmt = select(PlatformReply).where(col(PlatformReply.purpose).is_not(None))
            return list(session.exec(stmt.order_by(col(PlatformReply.id))))

    def responses(self) -> list[SurveyResponse]:
        with Session(self.runtime.engine) as session:
            return list(session.exec(select(SurveyResponse).order_by(col(SurveyResponse.id))))

    def events(self, case_id: int) -> list[CaseEvent]:
        with Session(self.runtime.engine) as session:
            stmt = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(col(CaseEvent.id))
            return list(session.exec(stmt))

    def thread_text(self, case_id: int) -> str:
        case = self.case(case_id)
        assert case.slack_channel and case.slack_ts
        card = next(m for m in self.standin.messages(case.slack_channel) if m.ts == case.slack_ts)
        return json.dumps([r.blocks or r.text for r in card.replies], ensure_ascii=False)

    def surveyed_case(self, mid: str = "m-1") -> tuple[int, PlatformReply]:
        """A case opened, answered, resolved and surveyed; returns it and its survey message."""
        case_id = self.mention(mid, "my parcel never arrived, where is it")
        self.answer_and_resolve(case_id)
        self.clock.advance(timedelta(minutes=31))
        assert self.run_surveys() == 1
        [survey] = [s for s in self.surveys() if s.case_id == case_id]
        return case_id, survey


@pytest.fixture
def desk(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, receiver: GenericReceiverStandIn
) -> Desk:
    return Desk(server, runtime, clock, standin, receiver)


def post_survey(
    base: str, payload: dict[str, Any] | bytes, *, secret: str = support.WEBHOOK_SECRET
) -> httpx.Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", **sign_generic(body, secret)}
    return httpx.post(f"{base}/webhooks/survey", content=body, headers=headers, timeout=10)


# --- sending -----------------------------------------------------------------------------------------


def test_a_resolve_sends_one_survey_after_the_delay_and_it_is_not_a_response(desk: Desk) -> None:
    case_id = desk.mention("m-1", "my parcel never arrived, where is it")
    desk.answer_and_resolve(case_id)
    answered = desk.case(case_id)
    assert answered.status is CaseStatus.RESOLVED and answered.reply_count == 1
    assert len(desk.receiver.received) == 1  # the agent's answer

    assert desk.run_surveys() == 0  # due 30 minutes after the resolve
    desk.clock.advance(timedelta(minutes=29))
    assert desk.run_surveys() == 0 and len(desk.receiver.received) == 1
    desk.clock.advance(timedelta(minutes=2))
    assert desk.run_surveys() == 1

    survey = desk.receiver.received[-1]
    assert survey.idempotency_key == f"survey:{case_id}"
    assert survey.body["text"] == f"Hi Casey, how did we do on #{case_id}? Reply 1 (poor) to 5 (great)."
    assert survey.body["visibility"] == "public" and survey.body["in_reply_to"] == "m-1"
    [row] = desk.surveys()
    assert (row.purpose, row.status, row.actor) == ("survey:csat", ReplyStatus.SENT, "system")

    # Sent once, whatever the number of runs, and the case's response figures are untouched.
    desk.clock.advance(timedelta(hours=1))
    assert desk.run_surveys() == 0 and len(desk.receiver.received) == 2
    after = desk.case(case_id)
    assert after.status is CaseStatus.RESOLVED
    assert (after.first_response_at, after.reply_count) == (answered.first_response_at, 1)
    assert (after.last_activity_at, after.version) == (answered.last_activity_at, answered.version)
    kinds = [e.kind for e in desk.events(case_id)]
    assert kinds.count("replied") == 1 and kinds.count("survey_sent") == 1
    assert "Satisfaction survey (CSAT) sent to the customer" in desk.thread_text(case_id)
    with Session(desk.runtime.engine) as session:
        notice = session.exec(select(Notice).where(Notice.key == f"survey:{case_id}")).one()
    assert notice.sent_at is not None and notice.detail["reply_id"] == row.id


@pytest.mark.parametrize("survey_settings", [{"delay_minutes": 0, "kind": "nps"}], indirect=True)
def test_without_a_delay_the_next_run_sends_it(desk: Desk) -> None:
    case_id = desk.mention("m-1", "my parcel never arrived, where is it")
    desk.answer_and_resolve(case_id)
    assert desk.run_surveys() == 1
    assert [s.purpose for s in desk.surveys()] == ["survey:nps"]


@pytest.mark.parametrize("survey_settings", [{"enabled": False}], indirect=True)
def test_disabled_surveys_send_nothing(desk: Desk) -> None:
    case_id = desk.mention("m-1", "my parcel never arrived, where is it")
    desk.answer_and_resolve(case_id)
    desk.clock.advance(timedelta(hours=2))
    assert "surveys" not in desk.runtime.jobs  # nothing scheduled at all
    assert desk.surveys() == [] and len(desk.receiver.received) == 1
    with Session(desk.runtime.engine) as session:
        assert session.exec(select(Notice).where(Notice.kind == "survey")).all() == []


def test_spam_and_duplicates_are_never_surveyed(desk: Desk) -> None:
    spam = desk.mention("m-1", "cheap followers at spam dot example", handle="bot1")
    assert desk.slack.choose(spam, OverflowOption.MARK_SPAM, user=MARIA) == [f"#{spam} marked as spam."]
    dup = desk.mention("m-2", "my parcel never arrived", handle="dana")
    desk.slack.command(f"resolve {dup} duplicate", user=MARIA)
    resolved_as_spam = desk.mention("m-3", "win a prize now", handle="bot2")
    desk.slack.command(f"resolve {resolved_as_spam} spam", user=MARIA)
    desk.clock.advance(timedelta(hours=1))

    assert desk.run_surveys() == 0
    assert desk.surveys() == [] and desk.receiver.received == []


def test_one_survey_per_customer_in_30_days(desk: Desk) -> None:
    first, _ = desk.surveyed_case("m-1")

    # The same case reopened and resolved again is not asked twice.
    desk.slack.command(f"reopen {first}", user=MARIA)
    desk.slack.command(f"resolve {first} fixed", user=MARIA)
    desk.clock.advance(timedelta(hours=1))
    assert desk.run_surveys() == 0

    # Nor is a new case of the same customer ten days later...
    desk.clock.advance(timedelta(days=10))
    second = desk.mention("m-2", "the replacement is broken too")
    assert second != first
    desk.answer_and_resolve(second)
    desk.clock.advance(timedelta(hours=1))
    assert desk.run_surveys() == 0

    # ...but another customer is, and so is this one once 30 days have passed.
    other = desk.mention("m-3", "where is my refund", handle="robin")
    desk.answer_and_resolve(other)
    desk.clock.advance(timedelta(minutes=31))
    assert desk.run_surveys() == 1
    desk.clock.advance(timedelta(days=20))
    third = desk.mention("m-4", "my parcel never arrived, again")
    desk.answer_and_resolve(third)
    desk.clock.advance(timedelta(hours=1))
    assert desk.run_surveys() == 1
    assert sorted(s.case_id for s in desk.surveys()) == [first, other, third]


def test_a_survey_that_could_not_go_out_in_time_is_dropped(desk: Desk) -> None:
    case_id = desk.mention("m-1", "my parcel never arrived, where is it")
    desk.answer_and_resolve(case_id)
    desk.clock.advance(timedelta(days=3))  # the service was down, say

    assert desk.run_surveys() == 0
    assert desk.surveys() == []
    with Session(desk.runtime.engine) as session:
        notice = session.exec(select(Notice).where(Notice.key == f"survey:{case_id}")).one()
    assert notice.sent_at is not None and notice.detail["skipped"].startswith("too late")


def test_a_survey_the_receiver_refuses_is_told_in_the_thread_only(desk: Desk) -> None:
    case_id = desk.mention("m-1", "my parcel never arrived, where is it")
    desk.answer_and_resolve(case_id)
    desk.clock.advance(timedelta(minutes=31))
    desk.receiver.fail_next(422, body={"error": "rejected", "message": "surveys are not allowed here"})

    assert desk.run_surveys() == 0
    [row] = desk.surveys()
    assert row.status is ReplyStatus.FAILED and row.error_kind == "rejected"
    assert "survey (CSAT) was not delivered" in desk.thread_text(case_id)
    assert not [m for m in desk.standin.messages(MARIA) if "survey" in m.text.lower()]  # no DM to anyone
    desk.clock.advance(timedelta(hours=1))
    assert desk.run_surveys() == 0 and len(desk.surveys()) == 1  # never retried


# --- answers as replies -----------------------------------------------------------------------------


def test_a_bare_score_answering_the_survey_is_stored_and_opens_no_case(desk: Desk) -> None:
    case_id, survey = desk.surveyed_case()
    cases = desk.case_count()
    desk.clock.advance(timedelta(hours=2))

    landed = desk.mention("m-answer", "5", in_reply_to=survey.external_id)

    assert landed == case_id and desk.case_count() == cases
    [response] = desk.responses()
    assert (response.case_id, response.kind, response.score, response.source) == (case_id, "csat", 5, "reply")
    assert response.source_ref == "reddit:m-answer" and response.comment is None
    assert desk.case(case_id).status is CaseStatus.RESOLVED
    assert "⭐ CSAT 5/5 from the customer" in desk.thread_text(case_id)


def test_a_score_from_the_surveyed_customer_counts_even_outside_the_thread(desk: Desk) -> None:
    case_id, _ = desk.surveyed_case()
    cases = desk.case_count()
    desk.clock.advance(timedelta(hours=3))

    assert desk.mention("m-a1", "⭐⭐⭐⭐") == case_id
    desk.clock.advance(timedelta(minutes=1))
    assert desk.mention("m-a2", "sorry, I meant 5 stars") == case_id  # a correction replaces it

    [response] = desk.responses()
    assert (response.score, response.source_ref) == (5, "reddit:m-a2")
    assert desk.case_count() == cases
    thread = desk.thread_text(case_id)
    assert "CSAT 4/5 from the customer" in thread and "CSAT 5/5 from the customer (was 4)" in thread


def test_a_score_with_a_complaint_is_stored_and_opens_a_case(desk: Desk) -> None:
    case_id, survey = desk.surveyed_case()
    cases = desk.case_count()
    desk.clock.advance(timedelta(hours=1))

    landed = desk.mention(
        "m-answer", "2 still broken, the new one does not switch on", in_reply_to=survey.external_id
    )

    [response] = desk.responses()
    assert (response.case_id, response.score) == (case_id, 2)
    assert response.comment == "still broken, the new one does not switch on"
    assert landed != case_id and desk.case_count() == cases + 1
    assert desk.case(landed).status is CaseStatus.NEW and desk.case(case_id).status is CaseStatus.RESOLVED
    thread = desk.thread_text(case_id)
    assert "CSAT 2/5 from the customer" in thread and "still broken" in thread


def test_a_number_in_an_open_conversation_is_left_to_the_case(desk: Desk) -> None:
    desk.surveyed_case()
    desk.clock.advance(timedelta(hours=4))
    open_case = desk.mention("m-2", "and how many days does a refund take?")
    desk.clock.advance(timedelta(minutes=10))

    assert desk.mention("m-3", "5") == open_case  # joins the open case: it may answer an agent
    assert desk.responses() == []


def test_after_the_answer_window_a_score_is_an_ordinary_mention(desk: Desk) -> None:
    case_id, _ = desk.surveyed_case()
    desk.clock.advance(timedelta(days=8))
    assert desk.mention("m-late", "5") != case_id
    assert desk.responses() == []


# --- answers from a survey tool ---------------------------------------------------------------------


def test_survey_webhook_stores_signed_answers_once(desk: Desk) -> None:
    case_id = desk.mention("m-1", "my parcel never arrived, where is it")
    desk.answer_and_resolve(case_id)
    payload = {
        "case": f"#{case_id}",
        "kind": "nps",
        "score": 9,
        "comment": "Mail me: jo@example.com",
        "id": "r-77",
    }

    first = post_survey(desk.server, payload)
    again = post_survey(desk.server, payload)

    assert first.status_code == 200 and first.json()["ok"] is True and first.json()["duplicate"] is False
    assert again.status_code == 200 and again.json() == {**first.json(), "duplicate": True}
    [response] = desk.responses()
    assert (response.case_id, response.kind, response.score, response.source) == (
        case_id,
        "nps",
        9,
        "webhook",
    )
    assert (response.source_ref, response.comment) == ("r-77", "Mail me: [email]")
    desk.settle()
    thread = desk.thread_text(case_id)
    assert "NPS 9/10 from the customer (promoter), through the survey tool" in thread
    assert "jo@example.com" not in thread
    assert [e.kind for e in desk.events(case_id)].count("survey_answered") == 1


def test_survey_webhook_refuses_forged_and_bad_requests(desk: Desk) -> None:
    case_id = desk.mention("m-1", "my parcel never arrived, where is it")
    good = {"case": case_id, "kind": "csat", "score": 4, "id": "r-1"}

    forged = post_survey(desk.server, good, secret="not-the-secret")
    unsigned = httpx.post(f"{desk.server}/webhooks/survey", json=good, timeout=10)
    assert (forged.status_code, unsigned.status_code) == (401, 401)
    assert forged.json()["error"] == "X-Socialdesk-Signature: bad signature"

    bad = {
        b"not json": "body: not JSON",
        json.dumps([1, 2]).encode(): "body: expected an object",
        json.dumps({**good, "case": 9999}).encode(): "case: #9999 does not exist",
        json.dumps({**good, "case": "#abc"}).encode(): "case: expected a case number",
        json.dumps({**good, "kind": "ces"}).encode(): "kind: expected 'csat' or 'nps'",
        json.dumps({**good, "score": 6}).encode(): "score: 6 is out of range for csat (1 to 5)",
        json.dumps({**good, "kind": "nps", "score": -1}).encode(): "score: -1 is out of range for nps",
        json.dumps({**good, "score": "great"}).encode(): "score: expected a whole number from 1 to 5",
        json.dumps({**good, "score": True}).encode(): "score: expected a whole number",
        json.dumps({**good, "comment": 5}).encode(): "comment: expected a string",
    }
    for body, reason in bad.items():
        answer = post_survey(desk.server, body)
        assert answer.status_code == 400, (body, answer.text)
        assert answer.json()["ok"] is False and answer.json()["error"].startswith(reason), answer.json()
    assert desk.responses() == []

    assert post_survey(desk.server, good).status_code == 200
    assert [r.score for r in desk.responses()] == [4]


def test_surveys_wait_while_a_crisis_pauses_scheduled_posts(desk: Desk) -> None:
    from socialdesk.domain.crisis_models import Crisis, CrisisStatus

    case_id = desk.mention("m-1", "my parcel never arrived, where is it")
    desk.answer_and_resolve(case_id)
    with Session(desk.runtime.engine) as session:
        crisis = Crisis(
            playbook_id="service-outage",
            title="Login failures",
            severity="sev2",
            started_at=desk.clock.now(),
            started_by=MARIA,
            war_room="outage-1-login",
        )
        session.add(crisis)
        session.commit()
        crisis_id = crisis.id
    desk.clock.advance(timedelta(minutes=31))
    assert desk.run_surveys() == 0  # service-outage has pause_scheduled_posts: true
    assert len(desk.receiver.received) == 1  # only the agent's answer
    with Session(desk.runtime.engine) as session:
        ended = session.get(Crisis, crisis_id)
        assert ended is not None
        ended.status = CrisisStatus.ENDED
        session.add(ended)
        session.commit()
    assert desk.run_surveys() == 1  # it waited; it was not lost
    assert len(desk.receiver.received) == 2
