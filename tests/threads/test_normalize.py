"""The Threads normalizer on Meta's documented webhook shapes and the poller's pages."""

from __future__ import annotations

import json
from typing import Any

import pytest

from socialdesk.domain.enums import MentionKind
from socialdesk.plugins import BrandAccounts, MalformedPayload
from socialdesk.sources.threads.normalize import ThreadsNormalizer, is_threads_delivery
from socialdesk.sources.threads.samples import load
from socialdesk.sources.threads.spec import PLATFORM

from .conftest import USER_ID

NO_BRAND = BrandAccounts()
normalizer = ThreadsNormalizer(USER_ID)


def test_a_reply_under_our_post_is_a_case_of_that_customer_in_that_thread() -> None:
    [mention] = normalizer.webhook(load("reply_webhook.json"), NO_BRAND).mentions

    assert mention.platform is PLATFORM
    assert mention.external_id == "17890000000000101"
    assert mention.kind is MentionKind.REPLY
    assert (mention.author.id, mention.author.handle) == ("dana.rides", "dana.rides")
    assert mention.author.url == "https://www.threads.net/@dana.rides"
    assert mention.text.startswith("@acme my order 4411 never arrived")
    assert mention.posted_at.isoformat() == "2024-08-07T10:33:16+00:00"
    # Our post is the root: each customer under it is a conversation of their own.
    assert mention.conversation_key == "threads:17890000000000001:dana.rides"
    assert mention.parent_external_id == "17890000000000001"
    assert mention.url == "https://www.threads.net/@dana.rides/post/C9aBcDeFgHi"
    assert mention.extra["reply_to_id"] == "17890000000000101"
    assert mention.extra["root_id"] == "17890000000000001"


def test_a_top_level_mention_is_its_own_root() -> None:
    [mention] = normalizer.webhook(load("mention_webhook.json"), NO_BRAND).mentions

    assert mention.kind is MentionKind.POST
    assert mention.author.handle == "lee.k"
    assert mention.conversation_key == "threads:17890000000000201"
    assert mention.parent_external_id is None


def test_the_meta_envelope_is_read_too_and_a_reply_in_someone_elses_thread_joins_the_root() -> None:
    payload = load("mention_entry.json")
    assert is_threads_delivery(payload)
    [mention] = normalizer.webhook(payload, NO_BRAND).mentions

    assert mention.kind is MentionKind.REPLY
    assert mention.conversation_key == "threads:17890000000000300"  # not split: the root is theirs


def test_deletes_and_publishes_are_recognised_and_not_cases() -> None:
    result = normalizer.webhook(load("delete_webhook.json"), NO_BRAND)
    assert result.mentions == []
    assert [s.reason for s in result.skipped] == ["a post was deleted"]


def _reply(**value: Any) -> dict[str, Any]:
    payload = load("reply_webhook.json")
    payload["values"]["value"].update(value)
    return payload


def test_our_own_replies_are_not_cases() -> None:
    # The brand answering in its own thread: the root post names our username.
    assert normalizer.webhook(_reply(username="acme"), NO_BRAND).mentions == []
    # Marked by Threads, or our id, or a handle from the config's brand_handles.
    assert normalizer.webhook(_reply(is_reply_owned_by_me=True), NO_BRAND).mentions == []
    assert normalizer.webhook(_reply(owner={"id": USER_ID}), NO_BRAND).mentions == []
    brand = BrandAccounts.build(handles={PLATFORM: ["@Dana.Rides"]})
    assert normalizer.webhook(_reply(), brand).mentions == []


def test_a_reply_without_text_says_what_it_is() -> None:
    [mention] = normalizer.webhook(_reply(text=None, media_type="IMAGE"), NO_BRAND).mentions
    assert mention.text == "[image]"


@pytest.mark.parametrize(
    ("payload", "where"),
    [
        ({"object": "page", "entry": []}, "body"),
        (
            {"values": {"field": "replies", "value": {"username": "x"}}, "topic": "moderate"},
            "values.value.id",
        ),
        (
            {"values": {"field": "replies", "value": {"id": "1", "username": 5}}, "topic": "moderate"},
            "values.value.username",
        ),
        ({"values": {"field": "mentions", "value": {"id": "1"}}, "topic": "interaction"}, "timestamp"),
    ],
)
def test_a_body_that_is_not_a_threads_delivery_names_the_field(payload: dict[str, Any], where: str) -> None:
    with pytest.raises(MalformedPayload, match=where.replace(".", r"\.")):
        normalizer.webhook(payload, NO_BRAND)


def test_claims_only_threads() -> None:
    assert is_threads_delivery({"object": "threads", "entry": []})
    assert is_threads_delivery(load("reply_webhook.json"))
    assert not is_threads_delivery({"object": "instagram", "entry": []})
    assert not is_threads_delivery({"object": "whatsapp_business_account", "entry": []})
    assert not is_threads_delivery([])


def test_a_polled_conversation_page_is_split_per_customer_under_our_post() -> None:
    page = {
        "threads_poll": "conversation",
        "user_id": USER_ID,
        "root_id": "500",
        "root_ours": True,
        "data": [
            {
                "id": "501",
                "username": "kim",
                "text": "where is my refund",
                "timestamp": "2026-11-24T08:58:00+0000",
                "is_reply": True,
                "replied_to": {"id": "500"},
                "root_post": {"id": "500"},
                "is_reply_owned_by_me": False,
            },
            {
                "id": "502",
                "username": "acme",
                "text": "we're on it",
                "timestamp": "2026-11-24T08:59:00+0000",
                "is_reply": True,
                "replied_to": {"id": "501"},
                "root_post": {"id": "500"},
                "is_reply_owned_by_me": True,
            },
        ],
    }
    result = normalizer.poll_page(json.loads(json.dumps(page)), NO_BRAND)
    [mention] = result.mentions
    assert mention.conversation_key == "threads:500:kim"
    assert [s.reason for s in result.skipped] == ["own post"]
