"""Threads webhooks through the real HTTP endpoints: signed deliveries become cards, follow-ups join
their case, forged ones are refused with nothing stored, and the shared Meta callback hands Threads
deliveries to this source."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from socialdesk.sources.threads.samples import at, load
from socialdesk.testing import Desk

from .conftest import VERIFY_TOKEN, signed


def _reply_payload(
    desk: Desk, *, id: str, text: str, minutes_ago: int = 2, replied_to: str | None = None
) -> Any:
    payload = at(load("reply_webhook.json"), desk.clock.now())
    value = payload["values"]["value"]
    value["id"], value["text"] = id, text
    value["timestamp"] = (desk.clock.now() - timedelta(minutes=minutes_ago)).strftime(
        "%Y-%m-%dT%H:%M:%S+0000"
    )
    if replied_to is not None:
        value["replied_to"] = {"id": replied_to}
    return payload


def test_a_signed_reply_becomes_a_card_with_author_and_text(desk: Desk) -> None:
    body, headers = signed(_reply_payload(desk, id="17890000000000101", text="My order 4411 never arrived"))

    response = desk.post_webhook("threads", body, headers=headers)
    desk.settle()

    assert response.status_code == 200, response.text
    [card] = desk.cards()
    assert "My order 4411 never arrived" in card.text
    assert "dana.rides" in card.text
    assert desk.case(card.case).platform == "threads"


def test_a_follow_up_joins_the_case(desk: Desk) -> None:
    first, headers = signed(_reply_payload(desk, id="17890000000000101", text="My order never arrived"))
    desk.post_webhook("threads", first, headers=headers)
    desk.settle()
    # The same customer, later, further down the same thread (answering their own reply).
    follow_up, headers = signed(
        _reply_payload(
            desk,
            id="17890000000000102",
            text="Still nothing, day 9",
            minutes_ago=1,
            replied_to="17890000000000101",
        )
    )
    desk.post_webhook("threads", follow_up, headers=headers)
    desk.settle()

    [case] = desk.cases()
    assert len(desk.cards()) == 1
    assert case.conversation_key == "threads:17890000000000001:dana.rides"
    assert case.mention_count == 2


def test_a_forged_delivery_is_refused_and_nothing_is_stored(desk: Desk) -> None:
    body, _ = signed(_reply_payload(desk, id="17890000000000101", text="forged"))
    _, wrong = signed(_reply_payload(desk, id="17890000000000101", text="forged"), secret="not-the-secret")

    refused = desk.post_webhook("threads", body, headers=wrong)
    unsigned = desk.post_webhook("threads", body, headers={"Content-Type": "application/json"})
    desk.settle()

    assert (refused.status_code, unsigned.status_code) == (401, 401)
    assert desk.inbox("threads") == []
    assert desk.cases() == []


def test_the_subscription_check_echoes_the_challenge_with_our_verify_token(desk: Desk) -> None:
    ok = desk.get_webhook(
        "threads", {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    )
    wrong = desk.get_webhook(
        "threads", {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"}
    )

    assert (ok.status_code, ok.text) == (200, "1158201444")
    assert wrong.status_code == 403


def test_on_the_shared_meta_callback_a_threads_delivery_is_this_sources(meta_desk: Desk) -> None:
    body, headers = signed(at(load("mention_entry.json"), meta_desk.clock.now()))

    response = meta_desk.post_webhook("meta", body, headers=headers)
    meta_desk.settle()

    assert response.status_code == 200, response.text
    assert [row.source for row in meta_desk.inbox("threads")] == ["threads"]
    assert meta_desk.inbox("meta") == []
    [card] = meta_desk.cards()
    assert "the app logs me out" in card.text and "sam.p" in card.text


def test_a_malformed_delivery_is_answered_400_with_the_field(desk: Desk) -> None:
    body, headers = signed({"topic": "moderate", "values": {"field": "replies", "value": {"text": "no id"}}})

    response = desk.post_webhook("threads", body, headers=headers)

    assert response.status_code == 400
    assert "values.value.id" in response.json()["error"]
