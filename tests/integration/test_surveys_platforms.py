"""Surveys on X and Facebook through their real endpoints (the X API and Graph API stand-ins): private
where the platform allows it, public where it does not, and answers coming back by DM or in the
survey's thread. The desk, stand-ins and payload builders are those of test_replies_platforms.py."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from socialdesk.config import Config, Surveys, load_config
from socialdesk.demo.feed import BRAND_PAGE_ID
from socialdesk.domain.enums import CaseStatus, Platform, ReplyStatus
from socialdesk.domain.models import Case, PlatformReply, SurveyResponse
from tests.conftest import SAMPLE_CONFIG
from tests.integration import test_replies_platforms as kit
from tests.integration.helpers import post_x
from tests.integration.test_replies_platforms import COMMENT, DANA, MARIA, TWEET, Desk

# The same stand-ins and runtime as the reply tests (pytest finds fixtures by module attribute); the
# runtime picks up this module's `config`.
xapi, graph, runtime, desk = kit.xapi, kit.graph, kit.runtime, kit.desk

X_SURVEY = "Thanks {{ customer_name }}! How did we do? Reply with a number from 1 (poor) to 5 (great)."
FB_SURVEY = "Thanks for talking to us, {{ customer_name }}. How did we do, from 1 (poor) to 5 (great)?"


@pytest.fixture
def config() -> Config:
    surveys = Surveys(
        enabled=True, delay_minutes=0, text={Platform.X: X_SURVEY, Platform.FACEBOOK: FB_SURVEY}
    )
    return load_config(SAMPLE_CONFIG).model_copy(update={"surveys": surveys})


def resolve_after_a_reply(d: Desk, case_id: int, command: str = "reply") -> Case:
    d.clock.advance(timedelta(minutes=6))
    [said] = d.slack.command(
        f"{command} {case_id} Hi, this is sorted now: thanks for your patience.", user=MARIA
    )
    assert "was posted" in said, said
    d.clock.advance(timedelta(minutes=20))
    d.slack.command(f"resolve {case_id} fixed", user=MARIA)
    d.settle()
    return d.case(case_id)


def run_surveys(d: Desk) -> int:
    sent = d.runtime.jobs["surveys"].func()
    d.settle()
    assert isinstance(sent, int)
    return sent


def surveys(d: Desk) -> list[PlatformReply]:
    return [r for r in d.replies() if r.purpose is not None]


def responses(d: Desk) -> list[SurveyResponse]:
    with Session(d.runtime.engine) as session:
        return list(session.exec(select(SurveyResponse).order_by(col(SurveyResponse.id))))


def assert_untouched(d: Desk, case_id: int, resolved: Case) -> None:
    """The survey is not a response: FRT, reply count and the case's state are as the agent left them."""
    case = d.case(case_id)
    assert case.status is CaseStatus.RESOLVED and case.reply_count == 1
    assert case.first_response_at == resolved.first_response_at and case.version == resolved.version


def test_x_survey_goes_by_dm_and_the_dm_answer_is_stored(desk: Desk) -> None:
    desk.xapi.add_user("dana_flies", id=DANA["id_str"])  # Dana accepts DMs from us
    case_id = kit.open_x_mention(desk)
    resolved = resolve_after_a_reply(desk, case_id)

    assert run_surveys(desk) == 1

    [dm] = desk.xapi.dms
    assert dm["participant_id"] == DANA["id_str"]
    assert (
        dm["text"] == "Thanks Dana Whitfield! How did we do? Reply with a number from 1 (poor) to 5 (great)."
    )
    assert len(desk.xapi.posted) == 1  # only the agent's public answer
    assert_untouched(desk, case_id, resolved)
    assert "sent to the customer 🔒 privately" in desk.thread_text(resolved)

    answer = kit.x_dm("1860000000000000200", DANA["id_str"], "4", desk.clock.advance(timedelta(hours=1)))
    assert post_x(desk.server, answer).status_code == 200
    desk.settle()

    [response] = responses(desk)
    assert (response.case_id, response.score, response.source) == (case_id, 4, "reply")
    assert desk.last_case_id() == case_id  # no new case for a bare score
    assert "CSAT 4/5 from the customer" in desk.thread_text(desk.case(case_id))


def test_x_survey_goes_public_when_dms_are_closed_and_a_reply_in_its_thread_counts(desk: Desk) -> None:
    case_id = kit.open_x_mention(desk)  # the stand-in does not know Dana's id: X refuses the DM
    resolved = resolve_after_a_reply(desk, case_id)

    assert run_surveys(desk) == 1

    private, public = surveys(desk)
    assert (private.status, private.error_kind, public.status) == (
        ReplyStatus.FAILED,
        "rejected",
        ReplyStatus.SENT,
    )
    survey_tweet = desk.xapi.posted[-1]
    assert survey_tweet["reply"] == {"in_reply_to_tweet_id": TWEET}
    assert survey_tweet["text"].startswith("Thanks Dana Whitfield! How did we do?")
    assert public.external_id == survey_tweet["id"] and desk.xapi.dms == []
    assert_untouched(desk, case_id, resolved)
    thread = desk.thread_text(resolved)
    assert "survey (CSAT) was not delivered" in thread and "sent to the customer 🌐 publicly" in thread
    assert run_surveys(desk) == 0 and len(desk.xapi.posted) == 2  # once

    when = desk.clock.advance(timedelta(hours=2))
    answer = kit.x_tweet("1860000000000000300", "@acme_help 5/5 thanks!", when, reply_to=survey_tweet["id"])
    assert post_x(desk.server, answer).status_code == 200
    desk.settle()

    [response] = responses(desk)
    assert (response.case_id, response.score, response.comment) == (case_id, 5, "thanks!")
    assert desk.last_case_id() == case_id


def test_facebook_comment_gets_a_private_reply_survey_within_seven_days(desk: Desk) -> None:
    case_id = kit.open_fb_comment(desk)
    resolved = resolve_after_a_reply(desk, case_id)  # the agent answered publicly under the comment

    assert run_surveys(desk) == 1

    call = desk.graph.requests[-1]
    assert (call.method, call.path) == ("POST", f"/v21.0/{BRAND_PAGE_ID}/messages")
    assert call.json["recipient"] == {"comment_id": COMMENT}
    assert call.json["message"] == {"text": FB_SURVEY.replace("{{ customer_name }}", "Priya Shah")}
    assert_untouched(desk, case_id, resolved)


def test_facebook_survey_is_public_once_the_private_reply_is_used(desk: Desk) -> None:
    case_id = kit.open_fb_comment(desk)
    resolved = resolve_after_a_reply(desk, case_id, command="dm")  # Meta's one private reply, used

    assert run_surveys(desk) == 1

    call = desk.graph.requests[-1]
    assert (call.method, call.path) == ("POST", f"/v21.0/{COMMENT}/comments")
    assert call.json["message"].startswith("Thanks for talking to us, Priya Shah.")
    case = desk.case(case_id)
    assert case.reply_count == 1 and case.first_response_at == resolved.first_response_at
    assert json.dumps([r.visibility.value for r in surveys(desk)]) == '["public"]'


def test_facebook_survey_is_public_after_the_private_reply_window(desk: Desk) -> None:
    case_id = kit.open_fb_comment(desk)
    desk.clock.advance(timedelta(days=7))
    resolve_after_a_reply(desk, case_id)

    assert run_surveys(desk) == 1

    call = desk.graph.requests[-1]
    assert (call.method, call.path) == ("POST", f"/v21.0/{COMMENT}/comments")
    assert [r.status for r in surveys(desk)] == [ReplyStatus.SENT]
