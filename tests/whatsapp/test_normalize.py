"""The WhatsApp normalizer on the Cloud API's documented shapes: what becomes a mention, with which
text, author and conversation, and what is recognised and skipped with its reason."""

from __future__ import annotations

from typing import Any

import pytest

from socialdesk.plugins.mentions import MalformedPayload
from socialdesk.plugins.payloads import BrandAccounts
from socialdesk.sources.whatsapp.normalize import WhatsAppNormalizer, mask_number
from socialdesk.sources.whatsapp.samples import load

PHONE_ID = "106540352242922"
BRAND = BrandAccounts()


def _with_message(message: dict[str, Any]) -> dict[str, Any]:
    payload = load("text_message.json")
    payload["entry"][0]["changes"][0]["value"]["messages"] = [
        {"from": "447700900123", "id": "wamid.T1", "timestamp": "1749416383", **message}
    ]
    return payload


def _one(message: dict[str, Any]) -> Any:
    result = WhatsAppNormalizer(PHONE_ID).normalize(_with_message(message), BRAND)
    return result


def test_a_text_message_is_a_private_direct_mention_with_name_and_masked_handle() -> None:
    [mention] = WhatsAppNormalizer(PHONE_ID).normalize(load("text_message.json"), BRAND).mentions

    assert mention.author.id == "447700900123"
    assert (mention.author.name, mention.author.handle) == ("Ana Ruiz", "•••0123")
    assert mention.is_private and mention.kind.value == "direct"
    assert mention.conversation_key == f"whatsapp:{PHONE_ID}:447700900123"
    assert "order 4411" in mention.text


@pytest.mark.parametrize(
    ("message", "text", "extra"),
    [
        (
            {"type": "image", "image": {"id": "111", "caption": "Crushed box"}},
            "Crushed box",
            {"media_id": "111"},
        ),
        (
            {"type": "image", "image": {"id": "112", "mime_type": "image/jpeg"}},
            "[image]",
            {"media_id": "112"},
        ),
        ({"type": "video", "video": {"id": "113"}}, "[video]", {"media_id": "113"}),
        ({"type": "audio", "audio": {"id": "114", "voice": True}}, "[voice message]", {"media_id": "114"}),
        (
            {"type": "document", "document": {"id": "115", "filename": "invoice.pdf"}},
            "[document: invoice.pdf]",
            {},
        ),
        ({"type": "button", "button": {"text": "Track order", "payload": "TRACK"}}, "Track order", {}),
        (
            {
                "type": "interactive",
                "interactive": {"type": "button_reply", "button_reply": {"id": "y", "title": "Yes"}},
            },
            "Yes",
            {"choice_id": "y"},
        ),
    ],
)
def test_media_buttons_and_interactive_replies_read_as_text(
    message: dict[str, Any], text: str, extra: dict[str, str]
) -> None:
    [mention] = _one(message).mentions
    assert mention.text == text
    assert extra.items() <= mention.extra.items()


def test_a_reply_to_a_message_keeps_its_parent() -> None:
    [mention] = _one(
        {"type": "text", "text": {"body": "this one"}, "context": {"from": "1555", "id": "wamid.P"}}
    ).mentions
    assert mention.parent_external_id == "wamid.P"


def test_statuses_reactions_and_echoes_are_skipped_and_a_failure_is_reported() -> None:
    normalizer = WhatsAppNormalizer(PHONE_ID)
    statuses = normalizer.normalize(load("statuses.json"), BRAND)
    failed = normalizer.normalize(load("status_failed.json"), BRAND)
    reaction = normalizer.normalize(load("reaction.json"), BRAND)
    echo = _one({"from": "15550783881", "type": "text", "text": {"body": "our own"}})

    assert statuses.mentions == failed.mentions == reaction.mentions == echo.mentions == []
    assert [s.reason for s in statuses.skipped] == [
        "status delivered for our message",
        "status read for our message",
    ]
    [failure] = failed.failures
    assert failure.reply_external_id.startswith("wamid.") and "131026" in failure.reason
    assert "reaction 👍" in reaction.skipped[0].reason
    assert "echo" in echo.skipped[0].reason


def test_a_body_that_is_not_whatsapps_names_the_field() -> None:
    with pytest.raises(MalformedPayload, match="object 'whatsapp_business_account'"):
        WhatsAppNormalizer(PHONE_ID).normalize({"object": "page", "entry": []}, BRAND)


def test_the_mask_keeps_only_the_last_four_digits() -> None:
    assert mask_number("+44 7700 900123") == "•••0123"
    assert mask_number("12") == "•••"
