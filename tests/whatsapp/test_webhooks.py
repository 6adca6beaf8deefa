"""WhatsApp webhooks through the real HTTP endpoints: signed messages become cards with the masked
number, follow-ups join the case, statuses and reactions are not cases, forged deliveries are refused
with nothing stored, and the same delivery works on `/webhooks/whatsapp` and the shared `/webhooks/meta`."""

from __future__ import annotations

from datetime import timedelta

from socialdesk.sources.whatsapp.samples import at, load
from socialdesk.standin.platforms.whatsapp_api import WhatsAppCloudStandIn
from socialdesk.testing import Desk

from .conftest import CUSTOMER, PHONE_ID, VERIFY_TOKEN, deliver, signed, text_message


def test_a_message_becomes_a_card_with_the_name_the_masked_number_and_the_text(
    desk: Desk, api: WhatsAppCloudStandIn
) -> None:
    response = deliver(desk, api, text_message(desk.clock.now(), id="wamid.A1", text="My parcel is lost"))

    assert response.status_code == 200, response.text
    [card] = desk.cards()
    assert "My parcel is lost" in card.text
    assert "Ana Ruiz" in card.text and "•••0123" in card.text
    assert CUSTOMER not in card.text  # the phone number is personal data
    case = desk.case(card.case)
    assert (case.platform, case.conversation_key) == ("whatsapp", f"whatsapp:{PHONE_ID}:{CUSTOMER}")


def test_slash_show_and_the_queue_mask_the_number(desk: Desk, api: WhatsAppCloudStandIn) -> None:
    deliver(desk, api, text_message(desk.clock.now(), id="wamid.A1", text="Where is my refund?"))
    [card] = desk.cards()

    shown = desk.command(f"show {card.case}")
    queue = desk.command("queue")

    assert shown and all(CUSTOMER not in text for text in shown)
    assert all(CUSTOMER not in text for text in queue)


def test_a_follow_up_from_the_same_number_joins_the_open_case(desk: Desk, api: WhatsAppCloudStandIn) -> None:
    deliver(desk, api, text_message(desk.clock.now(), id="wamid.A1", text="My parcel is lost"))
    desk.clock.advance(timedelta(minutes=5))
    deliver(desk, api, text_message(desk.clock.now(), id="wamid.A2", text="Order 4411, sent on Monday"))
    deliver(desk, api, text_message(desk.clock.now(), id="wamid.B1", text="Hello?", sender="16505551234"))

    cases = desk.cases()
    assert sorted(c.mention_count for c in cases) == [1, 2]
    assert len(desk.cards()) == 2


def test_statuses_and_reactions_are_recognised_and_open_no_case(
    desk: Desk, api: WhatsAppCloudStandIn
) -> None:
    now = desk.clock.now()
    statuses = deliver(desk, api, at(load("statuses.json"), now, phone_number_id=PHONE_ID))
    reaction = deliver(desk, api, at(load("reaction.json"), now, phone_number_id=PHONE_ID))

    assert (statuses.status_code, reaction.status_code) == (200, 200)
    assert desk.cases() == []
    reasons = [row.reason or "" for row in desk.inbox("whatsapp")]
    assert any("status delivered" in r and "status read" in r for r in reasons)
    assert any("reaction 👍" in r and "not a case" in r for r in reasons)


def test_a_forged_delivery_is_refused_and_nothing_is_stored(desk: Desk) -> None:
    payload = text_message(desk.clock.now(), id="wamid.F1", text="forged")
    body, _ = signed(payload)
    _, wrong = signed(payload, secret="not-the-app-secret")

    refused = desk.post_webhook("whatsapp", body, headers=wrong)
    unsigned = desk.post_webhook("whatsapp", body, headers={"Content-Type": "application/json"})
    desk.settle()

    assert (refused.status_code, unsigned.status_code) == (401, 401)
    assert desk.inbox("whatsapp") == [] and desk.inbox("meta") == []
    assert desk.cases() == []


def test_the_subscription_check_echoes_the_challenge_with_our_verify_token(desk: Desk) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    ok = desk.get_webhook("whatsapp", query)
    wrong = desk.get_webhook("whatsapp", {**query, "hub.verify_token": "guess"})

    assert (ok.status_code, ok.text) == (200, "1158201444")
    assert wrong.status_code == 403


def test_the_same_delivery_works_on_the_shared_meta_callback_and_its_own_route(
    meta_desk: Desk, api: WhatsAppCloudStandIn
) -> None:
    now = meta_desk.clock.now()
    on_meta = deliver(meta_desk, api, text_message(now, id="wamid.M1", text="via meta"), route="meta")
    on_own = deliver(meta_desk, api, text_message(now, id="wamid.W1", text="via own", sender="16505551234"))
    # The very same body on both routes is one message: the second is a redelivery, not a second case.
    again = deliver(meta_desk, api, text_message(now, id="wamid.M1", text="via meta"), route="whatsapp")

    assert (on_meta.status_code, on_own.status_code, again.status_code) == (200, 200, 200)
    assert meta_desk.inbox("meta") == []
    assert len(meta_desk.inbox("whatsapp")) == 2
    assert sorted(c.mention_count for c in meta_desk.cases()) == [1, 1]
    texts = "\n".join(card.text for card in meta_desk.cards())
    assert "via meta" in texts and "via own" in texts


def test_a_delivery_for_another_business_number_opens_nothing(desk: Desk, api: WhatsAppCloudStandIn) -> None:
    payload = text_message(desk.clock.now(), id="wamid.O1", text="not ours")
    payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999000111222333"

    response = deliver(desk, api, payload)

    assert response.status_code == 200
    assert desk.cases() == []
    [row] = desk.inbox("whatsapp")
    assert "another business number" in (row.reason or "")


def test_a_malformed_delivery_is_answered_400_naming_the_field(desk: Desk) -> None:
    payload = text_message(desk.clock.now(), id="wamid.X1", text="x")
    del payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    body, headers = signed(payload)

    response = desk.post_webhook("whatsapp", body, headers=headers)

    assert response.status_code == 400
    assert "messages[0].id" in response.json()["error"]
