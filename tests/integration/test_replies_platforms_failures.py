"""Platform refusals on X and Meta, end to end: each leaves the case unanswered (a FAILED reply, a
`reply_failed` event, a thread line) and tells the agent in a direct message what happened and what to
do; a reply the brand-voice check blocks never reaches the platform."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlmodel import Session, select

from socialdesk.app import Runtime, build_runtime
from socialdesk.clock import ManualClock
from socialdesk.config import Config
from socialdesk.domain.enums import CaseStatus, ReplyStatus
from socialdesk.domain.models import CaseEvent
from socialdesk.slack.ids import ActionId, CallbackId
from socialdesk.sources.meta.source import MetaSource, build_meta
from socialdesk.sources.preset import builtin_settings
from socialdesk.standin import SlackStandin
from socialdesk.standin.platforms import GraphApiStandIn, XApiStandIn
from tests import support
from tests.integration import test_replies_platforms as kit
from tests.integration.slack_driver import typed
from tests.integration.test_replies_platforms import MARIA, Desk

# The same stand-ins and runtime as the success paths (pytest finds fixtures by module attribute).
xapi, graph, runtime, desk = kit.xapi, kit.graph, kit.runtime, kit.desk


def told(d: Desk, answer: list[str] | None, lead: str = "was not posted") -> str:
    """The one notice the agent got about the failed reply: a direct message from the bot, so it reaches
    them outside the case's channel too; a command (`answer`) also answers privately with the same text."""
    texts = [m.text for m in d.standin.messages(MARIA) if m.text.startswith("Your reply to #")]
    assert len(texts) == 1, texts
    assert lead in texts[0] and texts[0].endswith("The case is still unanswered."), texts[0]
    if answer is not None:
        assert answer == texts
    return texts[0]


def assert_unanswered(d: Desk, case_id: int, kind: str) -> None:
    d.settle()
    case = d.case(case_id)
    assert case.first_response_at is None and case.reply_count == 0
    assert case.status in (CaseStatus.NEW, CaseStatus.CLAIMED)
    [row] = d.replies()
    assert row.status is ReplyStatus.FAILED and row.error_kind == kind
    with Session(d.runtime.engine) as session:
        kinds = [e.kind for e in session.exec(select(CaseEvent).where(CaseEvent.case_id == case_id))]
    assert "reply_failed" in kinds and "replied" not in kinds
    verdict = "could not be confirmed" if kind == "unavailable" else "not delivered"
    assert verdict in d.thread_text(case)


def test_expired_page_token_tells_the_agent_to_reconnect(desk: Desk) -> None:
    case_id = kit.open_fb_comment(desk)
    desk.graph.expire_token()  # Graph now answers code 190, subcode 463

    desk.slack.click(case_id, ActionId.REPLY, user=MARIA)
    form = desk.slack.last_view(CallbackId.REPLY_MODAL)
    closed = desk.slack.submit(form, {"reply_text": typed("Hi Priya, yes it does.")}, user=MARIA)

    assert closed.status_code == 200 and "errors" not in closed.text  # the form closes; the result follows
    assert len(desk.graph.requests) == 1 and desk.graph.calls == []
    assert_unanswered(desk, case_id, "auth")
    message = told(desk, None)
    assert "An admin must reconnect the Page (META_PAGE_TOKEN)" in message
    assert kit.PAGE_TOKEN not in message


def test_deleted_post_on_x(desk: Desk) -> None:
    case_id = kit.open_x_mention(desk)
    desk.xapi.delete_tweet(kit.TWEET)  # X now answers 403 "deleted or not visible"

    answer = desk.slack.command(f"reply {case_id} Hi Dana, sorry about that.", user=MARIA)

    [call] = desk.xapi.requests
    assert call.path == "/2/tweets" and desk.xapi.posted == []
    assert_unanswered(desk, case_id, "gone")
    assert "The post was deleted or is no longer visible" in told(desk, answer)


def test_deleted_comment_on_instagram(desk: Desk) -> None:
    case_id = kit.open_ig_comment(desk)
    desk.graph.delete(kit.IG_COMMENT)  # Graph now answers code 100, subcode 33

    answer = desk.slack.command(f"reply {case_id} Hi Lena, it's under Settings.", user=MARIA)

    assert len(desk.graph.requests) == 1 and desk.graph.calls == []
    assert_unanswered(desk, case_id, "gone")
    assert "deleted or is no longer visible to the Page" in told(desk, answer)


def test_x_rate_limit_names_when_to_retry(desk: Desk) -> None:
    case_id = kit.open_x_mention(desk)
    reset = desk.clock.now().replace(second=0, microsecond=0) + timedelta(minutes=12)
    desk.xapi.fail_next(429, endpoint="tweets", headers={"x-rate-limit-reset": str(int(reset.timestamp()))})

    answer = desk.slack.command(f"reply {case_id} Hi Dana, looking into it.", user=MARIA)

    assert len(desk.xapi.requests) == 1 and desk.xapi.posted == []
    assert_unanswered(desk, case_id, "rate_limited")
    message = told(desk, answer)
    assert "rate limit" in message and f"Try again after {reset:%H:%M} UTC" in message


def test_private_reply_after_seven_days_suggests_a_public_reply(desk: Desk) -> None:
    case_id = kit.open_fb_comment(desk)
    desk.clock.advance(timedelta(days=7, minutes=1))

    answer = desk.slack.command(f"dm {case_id} Hi Priya, sending the details privately.", user=MARIA)

    assert desk.graph.requests == []  # refused before calling, as Meta would refuse it
    assert_unanswered(desk, case_id, "window_closed")
    message = told(desk, answer)
    assert "only within 7 days" in message and "Reply publicly instead" in message


def test_server_error_on_x_says_to_check_before_resending(desk: Desk) -> None:
    case_id = kit.open_x_mention(desk)
    desk.xapi.fail_next(503, endpoint="tweets")

    answer = desk.slack.command(f"reply {case_id} Hi Dana, looking into it.", user=MARIA)

    assert len(desk.xapi.requests) == 1
    assert_unanswered(desk, case_id, "unavailable")
    message = told(desk, answer, "could not be confirmed")
    assert "may or may not have been posted" in message and "check on X before sending it again" in message


@pytest.fixture
def impatient(runtime: Runtime) -> Iterator[None]:
    """The runtime's Meta connector on a client that gives up after 0.3 s.

    The Meta source's connector (what its `reply` sends through) is swapped for one built by the Meta
    plugin's own builder from the runtime's settings, on a short-timeout client."""
    client = httpx.Client(timeout=0.3)
    source = runtime.plugins.source("meta")
    assert isinstance(source, MetaSource)
    settings = builtin_settings(runtime.settings, runtime.config)["meta"]
    source.connector = build_meta(settings, client).connector
    yield
    client.close()


@pytest.mark.usefixtures("impatient")
def test_timeout_on_meta_says_to_check_before_resending(desk: Desk) -> None:
    case_id = kit.open_fb_comment(desk)
    desk.graph.delay_next(5, edge="comments")  # Graph takes it but answers too late; stop() ends the wait

    answer = desk.slack.command(f"reply {case_id} Hi Priya, yes it does.", user=MARIA)

    assert [c.edge for c in desk.graph.calls] == ["comments"]  # it may well be out: hence the warning
    assert_unanswered(desk, case_id, "unavailable")
    message = told(desk, answer, "could not be confirmed")
    assert "did not answer in time" in message and "check on Meta before sending it again" in message


def test_too_long_for_x_is_blocked_before_any_call(desk: Desk) -> None:
    case_id = kit.open_x_mention(desk)
    long_text = "Hi Dana, " + "we are so sorry about the trouble with the app logging you out. " * 5

    answer = desk.slack.command(f"reply {case_id} {long_text}", user=MARIA)
    desk.slack.click(case_id, ActionId.REPLY, user=MARIA)
    form = desk.slack.last_view(CallbackId.REPLY_MODAL)
    refused = desk.slack.submit(form, {"reply_text": typed(long_text)}, user=MARIA).json()

    assert answer[0].startswith("Not sent:") and "280" in answer[0]
    assert refused["response_action"] == "errors" and "280" in refused["errors"]["reply_text"]
    assert desk.xapi.requests == [] and desk.replies() == []
    desk.settle()
    assert desk.case(case_id).first_response_at is None


def test_missing_x_token_names_the_setting(
    database_url: str,
    standin: SlackStandin,
    clock: ManualClock,
    config: Config,
    xapi: XApiStandIn,
    graph: GraphApiStandIn,
) -> None:
    settings = kit.platform_settings(database_url, standin, xapi, graph)
    rt = build_runtime(
        settings.model_copy(update={"x_access_token": None}), clock=clock, config=config, migrate=False
    )
    try:
        with support.live_server(rt.http) as url:
            d = Desk(url, rt, clock, standin, xapi, graph)
            case_id = kit.open_x_mention(d)
            answer = d.slack.command(f"reply {case_id} Hi Dana, looking into it.", user=MARIA)
            assert xapi.requests == []
            assert_unanswered(d, case_id, "auth")
            assert "need X_ACCESS_TOKEN, which is not set: ask an admin" in told(d, answer)
    finally:
        rt.close()
