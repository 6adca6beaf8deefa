"""Replies on WhatsApp through Slack against the Cloud API stand-in: once, threaded to the customer's
message; outside the 24-hour window free text is refused before anything is recorded or sent, and an
approved template goes out; WhatsApp's refusals are explained and leave the case unanswered; a failed
delivery status shows on the card."""

from __future__ import annotations

from datetime import timedelta

from socialdesk.casework.reply_form import ReplyDraft
from socialdesk.casework.roles import Actor
from socialdesk.domain.enums import ReplyStatus
from socialdesk.sources.whatsapp.samples import at, load
from socialdesk.standin.platforms.whatsapp_api import WhatsAppCloudStandIn
from socialdesk.testing import Desk

from .conftest import CUSTOMER, PHONE_ID, deliver, text_message

MESSAGES = "/v21.0/" + PHONE_ID + "/messages"


def _open_case(desk: Desk, api: WhatsAppCloudStandIn, message_id: str = "wamid.A1") -> int:
    deliver(desk, api, text_message(desk.clock.now(), id=message_id, text="My parcel is lost"))
    [card] = desk.cards()
    return card.case


def test_a_reply_goes_out_once_threaded_to_the_customers_message(
    desk: Desk, api: WhatsAppCloudStandIn
) -> None:
    case = _open_case(desk, api)

    desk.command(f"dm {case} Sorry about that, Ana: we're on it.")
    desk.settle()

    [sent] = api.sent
    assert sent.to == CUSTOMER and sent.context == "wamid.A1"
    assert sent.body["messaging_product"] == "whatsapp"
    assert sent.body["text"]["body"].startswith("Sorry about that, Ana")
    [row] = desk.replies(case)
    assert (row.status, row.external_id) == (ReplyStatus.SENT, sent.id)
    assert desk.case(case).first_response_at is not None


def test_outside_the_window_free_text_is_refused_before_anything_is_recorded(
    desk: Desk, api: WhatsAppCloudStandIn
) -> None:
    case = _open_case(desk, api)
    desk.clock.advance(timedelta(hours=24, minutes=5))

    answers = desk.command(f"dm {case} Are you still there?")
    desk.settle()

    assert any("24-hour window closed" in text and "template" in text for text in answers)
    assert api.requests_to("POST", MESSAGES) == []
    assert desk.replies(case) == []
    assert desk.case(case).first_response_at is None


def test_outside_the_window_the_form_offers_the_templates_and_one_goes_out(
    desk: Desk, api: WhatsAppCloudStandIn
) -> None:
    case = _open_case(desk, api)
    desk.clock.advance(timedelta(hours=30))
    draft = _draft(desk, case)

    assert draft.note is not None and "window closed" in draft.note
    assert [s.id for s in draft.suggestions] == ["template:case_followup:en_US", "template:hello_world:en_US"]
    call = draft.suggestions[0].text
    assert call.splitlines() == [
        "template: case_followup (en_US)",
        "{{1}} customer name: Ana Ruiz",
        f"{{{{2}}}} case: #{case}",
    ]

    desk.command(f"dm {case} {call}")
    desk.settle()

    [sent] = api.sent
    assert sent.type == "template"
    assert sent.body["template"]["name"] == "case_followup"
    assert [p["text"] for p in sent.body["template"]["components"][0]["parameters"]] == [
        "Ana Ruiz",
        f"#{case}",
    ]
    [row] = desk.replies(case)
    assert row.status is ReplyStatus.SENT


def test_a_template_the_config_does_not_approve_is_refused_before_sending(
    desk: Desk, api: WhatsAppCloudStandIn
) -> None:
    case = _open_case(desk, api)
    desk.clock.advance(timedelta(hours=30))

    answers = desk.command(f"dm {case} template: spring_sale (en_US)")
    desk.settle()

    assert any("not an approved template" in text for text in answers)
    assert api.sent == [] and desk.replies(case) == []


def test_inside_the_window_the_form_says_until_when(desk: Desk, api: WhatsAppCloudStandIn) -> None:
    case = _open_case(desk, api)

    draft = _draft(desk, case)

    assert draft.note is not None and "window is open until" in draft.note
    assert not any(s.id.startswith("template:") for s in draft.suggestions)


def test_whatsapps_refusals_are_explained_and_leave_the_case_unanswered(
    desk: Desk, api: WhatsAppCloudStandIn
) -> None:
    case = _open_case(desk, api)
    api.fail_next(status=429, code=130429, headers={"Retry-After": "120"})
    desk.command(f"dm {case} First try")
    desk.settle()
    api.unreachable.add(CUSTOMER)
    desk.command(f"dm {case} Second try")
    desk.settle()

    rows = sorted(desk.replies(case), key=lambda r: r.id or 0)
    assert [(r.status, r.error_kind) for r in rows] == [
        (ReplyStatus.FAILED, "rate_limited"),
        (ReplyStatus.FAILED, "gone"),
    ]
    assert "Try again after" in (rows[0].error or "")
    assert "cannot receive" in (rows[1].error or "")
    assert desk.case(case).first_response_at is None
    assert api.sent == []


def test_an_expired_token_is_an_auth_error_naming_the_variable(desk: Desk, api: WhatsAppCloudStandIn) -> None:
    case = _open_case(desk, api)
    api.access_token = "rotated-elsewhere"

    desk.command(f"dm {case} Hello")
    desk.settle()

    [row] = desk.replies(case)
    assert (row.status, row.error_kind) == (ReplyStatus.FAILED, "auth")
    assert "WHATSAPP_TOKEN" in (row.error or "") and "rotated-elsewhere" not in (row.error or "")


def test_a_failed_delivery_status_shows_on_the_card(desk: Desk, api: WhatsAppCloudStandIn) -> None:
    case = _open_case(desk, api)
    desk.command(f"dm {case} Your refund is on its way")
    desk.settle()
    [sent] = api.sent
    failed = at(load("status_failed.json"), desk.clock.now(), phone_number_id=PHONE_ID)
    failed["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = sent.id

    deliver(desk, api, failed)

    card = desk.card(case)
    assert "last reply was not delivered" in card.text
    assert "131026" in card.text and "cannot receive" in card.text
    [row] = desk.replies(case)
    assert (row.status, row.error_kind) == (ReplyStatus.SENT, "undelivered")
    assert len(desk.cases()) == 1  # a status is never a case

    deliver(desk, api, failed)  # redelivered: nothing changes twice
    assert [r.error_kind for r in desk.replies(case)] == ["undelivered"]


def _draft(desk: Desk, case: int) -> ReplyDraft:
    """What the reply form shows an agent for `case` now."""
    replies = desk.runtime.replies
    assert replies is not None
    agent = Actor("U0AGENT1", "Maria Jones", frozenset({"agent"}))
    return replies.draft(case_id=case, actor=agent)
