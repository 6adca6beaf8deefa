"""Replies reach the platform: the reply form (canned answers, live brand-voice check, preview),
`/social reply|dm`, idempotency, and platform refusals explained to the agent, against a generic
reply receiver and the X API stand-in over real sockets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlmodel import Session, select

from socialdesk.app import Runtime, build_runtime
from socialdesk.casework.roles import RoleDirectory
from socialdesk.clock import ManualClock
from socialdesk.config import Config, Roles
from socialdesk.domain.enums import CaseStatus, ReplyStatus, ReplyVisibility
from socialdesk.domain.models import Case, CaseEvent, PlatformReply
from socialdesk.slack.ids import ActionId, CallbackId, InputId, OverflowOption
from socialdesk.standin import SlackStandin
from socialdesk.standin.platforms.generic_receiver import GenericReceiverStandIn
from tests import support
from tests.conftest import make_settings
from tests.integration.helpers import generic_mention, post_generic, settle
from tests.integration.slack_driver import SlackDriver, selected, typed

MARIA, SAM = "U0AGENT01", "U0AGENT02"


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


@pytest.fixture
def slack(server: str, standin: SlackStandin, runtime: Runtime) -> SlackDriver:
    return SlackDriver(server, standin, runtime)


def open_case(
    server: str,
    runtime: Runtime,
    clock: ManualClock,
    text: str = "my parcel never arrived, where is it",
    handle: str = "casey",
) -> int:
    with Session(runtime.engine) as session:
        before = len(session.exec(select(Case.id)).all())
    post_generic(server, generic_mention(f"m-{before + 1}", text, created_at=clock.now(), handle=handle))
    settle(runtime, clock)
    return before + 1


def stored_case(runtime: Runtime, case_id: int) -> Case:
    with Session(runtime.engine) as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case


def replies(runtime: Runtime) -> list[PlatformReply]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(PlatformReply).order_by(PlatformReply.id)))


def event_kinds(runtime: Runtime, case_id: int) -> list[str]:
    with Session(runtime.engine) as session:
        return [e.kind for e in session.exec(select(CaseEvent).where(CaseEvent.case_id == case_id))]


def blocks_text(view_payload: dict) -> str:
    return json.dumps(view_payload["blocks"], ensure_ascii=False)


def test_reply_form_offers_canned_answers_checks_live_and_sends_once(
    server: str,
    runtime: Runtime,
    clock: ManualClock,
    standin: SlackStandin,
    slack: SlackDriver,
    receiver: GenericReceiverStandIn,
) -> None:
    case_id = open_case(server, runtime, clock)
    clock.advance(timedelta(minutes=7))
    slack.click(case_id, ActionId.REPLY, user=MARIA)
    form = slack.last_view(CallbackId.REPLY_MODAL)
    shown = blocks_text(form.payload)
    assert "my parcel never arrived" in shown and "signing as Maria Agent" in shown
    canned_block = next(b for b in form.payload["blocks"] if b["block_id"] == InputId.REPLY_CANNED)
    offered = [o["value"] for o in canned_block["element"]["options"]]
    assert "delivery-delay" in offered

    # Choosing a canned reply fills the text (a new block id, so Slack shows the new value).
    slack.modal_action(
        form,
        {
            "type": "static_select",
            "action_id": "reply_canned",
            "block_id": "reply_canned",
            "selected_option": {"value": "delivery-delay", "text": {"type": "plain_text", "text": "x"}},
        },
        {InputId.REPLY_CANNED: selected("delivery-delay")},
    )
    form = slack.view(form.id)
    text_block = next(b for b in form.payload["blocks"] if b["block_id"].startswith("reply_text"))
    assert text_block["block_id"] == "reply_text~1"
    filled = text_block["element"]["initial_value"]
    assert "Casey" in filled and "Preview" in blocks_text(form.payload)

    # Typing a banned phrase shows up in the live check ...
    slack.modal_action(
        form,
        {
            "type": "plain_text_input",
            "action_id": "reply_text",
            "block_id": "reply_text~1",
            "value": "calm down",
        },
        {"reply_text~1": typed("Please calm down, it is on its way")},
    )
    form = slack.view(form.id)
    assert "⛔" in blocks_text(form.payload) and "calm down" in blocks_text(form.payload)
    # ... and stops Send with the message under the field; nothing reaches the platform.
    refused = slack.submit(form, {"reply_text~1": typed("Please calm down, it is on its way")})
    body = refused.json()
    assert body["response_action"] == "errors" and "calm down" in body["errors"]["reply_text~1"]
    assert receiver.received == [] and replies(runtime) == []

    values = {InputId.REPLY_CANNED: selected("delivery-delay"), "reply_text~1": typed(filled)}
    sent = slack.submit(form, values)
    assert sent.status_code == 200 and "errors" not in sent.text
    again = slack.submit(form, values)  # a double click on Send
    assert again.status_code == 200
    assert len(receiver.received) == 1
    posted = receiver.received[0].body
    assert posted["visibility"] == "public" and posted["in_reply_to"] == "m-1"
    assert posted["text"].endswith("^MA")
    settle(runtime, clock)
    case = stored_case(runtime, case_id)
    assert case.status is CaseStatus.WAITING_CUSTOMER and case.assignee == MARIA and case.reply_count == 1
    assert case.first_response_at is not None
    assert (case.first_response_at - case.opened_at).total_seconds() == 7 * 60
    [row] = replies(runtime)
    assert row.status is ReplyStatus.SENT and row.canned_reply_id == "delivery-delay"
    card = standin.messages("social-support")[-1]
    assert "answered" in json.dumps(card.blocks)
    assert any("replied 🌐 publicly" in json.dumps(r.blocks, ensure_ascii=False) for r in card.replies)


def test_reply_command_posts_and_a_platform_refusal_leaves_the_case_unanswered(
    server: str,
    runtime: Runtime,
    clock: ManualClock,
    standin: SlackStandin,
    slack: SlackDriver,
    receiver: GenericReceiverStandIn,
) -> None:
    case_id = open_case(server, runtime, clock)
    receiver.fail_next(410, body={"error": "gone", "message": "the post was deleted"})
    answer = slack.command(f"reply {case_id} Hi Casey, we're on it and will update you shortly.", user=MARIA)
    assert "was not posted" in answer[0] and "still unanswered" in answer[0]
    settle(runtime, clock)
    case = stored_case(runtime, case_id)
    assert case.first_response_at is None and case.reply_count == 0 and case.status is CaseStatus.NEW
    assert replies(runtime)[0].status is ReplyStatus.FAILED
    assert "reply_failed" in event_kinds(runtime, case_id)
    assert any("was not posted" in m.text for m in standin.messages(MARIA))
    thread = json.dumps(
        [r.blocks for r in standin.messages("social-support")[-1].replies], ensure_ascii=False
    )
    assert "not delivered" in thread

    ok = slack.command(f"reply {case_id} Hi Casey, we're on it and will update you shortly.", user=MARIA)
    assert ok == [f"Your reply to #{case_id} was posted publicly."]
    assert receiver.received[-1].body["text"] == "Hi Casey, we're on it and will update you shortly. ^MA"


def test_someone_elses_case_and_closed_cases_cannot_be_answered(
    server: str, runtime: Runtime, clock: ManualClock, slack: SlackDriver, receiver: GenericReceiverStandIn
) -> None:
    case_id = open_case(server, runtime, clock)
    slack.command(f"claim {case_id}", user=SAM)
    assert slack.command(f"reply {case_id} hello there", user=MARIA) == [
        f"#{case_id} is already claimed by <@{SAM}>."
    ]
    slack.command(f"resolve {case_id}", user=SAM)
    assert "is resolved" in slack.command(f"reply {case_id} hello there", user=SAM)[0]
    assert receiver.received == []


def test_private_reply_from_the_menu_with_a_public_note(
    server: str,
    runtime: Runtime,
    clock: ManualClock,
    slack: SlackDriver,
    receiver: GenericReceiverStandIn,
) -> None:
    case_id = open_case(server, runtime, clock, "my card 4111 1111 1111 1111 was charged twice")
    slack.choose(case_id, OverflowOption.PRIVATE_REPLY, user=MARIA)
    form = slack.last_view(CallbackId.REPLY_MODAL)
    assert "reply_public_ack" in blocks_text(form.payload)
    text = "Sorry about the double charge, please send us your order number here."
    response = slack.submit(
        form,
        {
            InputId.REPLY_VISIBILITY: {"type": "radio_buttons", "selected_option": {"value": "private"}},
            "reply_text": typed(text),
            InputId.REPLY_PUBLIC_ACK: {"type": "checkboxes", "selected_options": [{"value": "ack"}]},
        },
    )
    assert response.status_code == 200 and "errors" not in response.text
    bodies = [r.body for r in receiver.received]
    assert [b["visibility"] for b in bodies] == ["private", "public"]
    assert "sent you a" in bodies[1]["text"].lower() or "message" in bodies[1]["text"].lower()
    case = stored_case(runtime, case_id)
    assert case.is_private and case.reply_count == 2


def test_dm_without_text_opens_the_form_on_private(
    server: str, runtime: Runtime, clock: ManualClock, slack: SlackDriver
) -> None:
    case_id = open_case(server, runtime, clock)
    assert slack.command(f"dm {case_id}", user=MARIA) == []
    form = slack.last_view(CallbackId.REPLY_MODAL)
    radio = next(b for b in form.payload["blocks"] if b["block_id"] == InputId.REPLY_VISIBILITY)
    assert radio["element"]["initial_option"]["value"] == "private"


def test_after_a_crash_orphaned_replies_are_sent_once_and_interrupted_ones_reported_not_resent(
    server: str,
    runtime: Runtime,
    clock: ManualClock,
    standin: SlackStandin,
    receiver: GenericReceiverStandIn,
) -> None:
    first = open_case(server, runtime, clock)
    second = open_case(server, runtime, clock, "where is my refund", "robin")
    desk = runtime.replies
    assert desk is not None
    maria = RoleDirectory(Roles(), group_members=lambda _g: [], clock=clock).actor(MARIA, "maria")
    # Recorded, then the process died before calling the platform ...
    desk.submit(
        case_id=first, actor=maria, text="On it, Casey.", visibility=ReplyVisibility.PUBLIC, key="crash:1"
    )
    # ... and recorded, then it died in the middle of the platform call.
    interrupted, _ = desk.submit(
        case_id=second,
        actor=maria,
        text="Checking the refund now.",
        visibility=ReplyVisibility.PUBLIC,
        key="crash:2",
    )
    with Session(runtime.engine) as session:
        row = session.get(PlatformReply, interrupted.id)
        assert row is not None
        row.status, row.attempted_at = ReplyStatus.SENDING, clock.now()
        session.add(row)
        session.commit()

    assert desk.recover() == 0  # too fresh: their own listeners may still be at work
    clock.advance(timedelta(minutes=6))
    assert desk.recover() == 2
    assert desk.recover() == 0
    assert [r.body["text"] for r in receiver.received] == ["On it, Casey. ^MA"]
    by_key = {r.idempotency_key: r for r in replies(runtime)}
    assert by_key["crash:1"].status is ReplyStatus.SENT
    assert by_key["crash:2"].status is ReplyStatus.FAILED and by_key["crash:2"].error_kind == "unknown"
    assert stored_case(runtime, second).first_response_at is None
    settle(runtime, clock)
    assert any("may or may not be on the platform" in m.text for m in standin.messages(MARIA))
