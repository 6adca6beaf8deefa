"""The generic mention JSON: schema, derived fields and the reasons given for bad bodies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from socialdesk.domain.enums import MentionKind, Platform
from socialdesk.plugins.mentions import MalformedPayload
from socialdesk.plugins.payloads import NO_BRAND, BrandAccounts
from socialdesk.sources.generic import normalize as generic
from tests.support import normalize_stored

BASE: dict[str, Any] = {
    "platform": "x",
    "id": "1790000000000000001",
    "text": "@acme my order never arrived",
    "created_at": "2024-05-01T11:30:00+02:00",
    "author": {
        "id": "42",
        "handle": "@jane",
        "name": "Jane",
        "followers": 10,
        "verified": True,
        "url": "https://x.com/jane",
    },
}


def mention(**over: Any) -> dict[str, Any]:
    return {**BASE, **over}


def reason_of(body: Any) -> str:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    with pytest.raises(MalformedPayload) as info:
        normalize_stored("generic", raw)
    return str(info.value)


def test_single_object() -> None:
    result = generic.normalize(mention(url="https://x.com/jane/status/1"), NO_BRAND)
    (m,) = result.mentions
    assert (m.platform, m.kind, m.is_private) == (Platform.X, MentionKind.POST, False)
    assert m.external_id == "1790000000000000001"
    assert (
        m.author.id == "42" and m.author.handle == "jane" and m.author.followers == 10 and m.author.verified
    )
    assert m.posted_at == datetime(2024, 5, 1, 9, 30, tzinfo=UTC) and m.posted_at.utcoffset() is not None
    assert m.conversation_key == "x:1790000000000000001"
    assert m.url == "https://x.com/jane/status/1"


def test_batch_of_mentions() -> None:
    body = {"mentions": [mention(id=str(i)) for i in range(500)]}
    assert [m.external_id for m in generic.normalize(body, NO_BRAND).mentions] == [str(i) for i in range(500)]


@pytest.mark.parametrize(
    ("over", "kind", "private", "key"),
    [
        ({}, MentionKind.POST, False, "x:1790000000000000001"),
        ({"in_reply_to": "17"}, MentionKind.REPLY, False, "x:17"),
        ({"private": True}, MentionKind.DIRECT, True, "x_dm:42"),
        ({"kind": "direct"}, MentionKind.DIRECT, True, "x_dm:42"),
        ({"kind": "review", "platform": "review"}, MentionKind.REVIEW, False, "review:1790000000000000001"),
        ({"conversation_id": "t-9", "in_reply_to": "17"}, MentionKind.REPLY, False, "x:t-9"),
        ({"kind": "comment", "in_reply_to": "17"}, MentionKind.COMMENT, False, "x:17"),
    ],
)
def test_derived_kind_privacy_and_conversation(
    over: dict[str, Any], kind: MentionKind, private: bool, key: str
) -> None:
    (m,) = generic.normalize(mention(**over), NO_BRAND).mentions
    assert (m.kind, m.is_private, m.conversation_key) == (kind, private, key)


def test_numbers_as_ids_and_extra_passthrough() -> None:
    (m,) = generic.normalize(mention(id=123, author={"id": 42}, extra={"page_id": "9"}), NO_BRAND).mentions
    assert m.external_id == "123" and m.author.id == "42" and m.extra == {"page_id": "9"}


def test_own_account_is_skipped() -> None:
    brand = BrandAccounts.build(handles={Platform.X: ["Jane"]})
    result = generic.normalize({"mentions": [mention(), mention(author={"id": "7"})]}, brand)
    assert [m.author.id for m in result.mentions] == ["7"]
    assert [s.reason for s in result.skipped] == ["own post"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "body: empty"),
        (b"{nope", "body: not JSON (Expecting property name enclosed in double quotes at line 1 column 2)"),
        (b"\xff\xfe\xfa", "body: not UTF-8 text"),
        (b'{"a": NaN}', "body: not JSON (NaN is not valid JSON)"),
        (b"[" * 100_000, "body: JSON nested too deeply"),
        ([BASE], 'body: expected a mention object or {"mentions": [...]}'),
        (
            mention(platform="tiktok"),
            # The list of known platforms follows: the built-ins and any a source plugin declared.
            "platform: Value error, 'tiktok' is not a known platform; known: ",
        ),
        (mention(created_at="2024-05-01T09:30:00"), "created_at: Input should have timezone info"),
        (mention(created_at=1714555800), "created_at: Value error, must be an ISO 8601 string with a zone"),
        (mention(created_at="yesterday"), "created_at: Input should be a valid datetime"),
        (mention(text="   "), "text: Value error, must not be blank"),
        (mention(text="x" * 20_001), "text: String should have at most 20000 characters"),
        (mention(author={"handle": "jane"}), "author.id: Field required"),
        (
            mention(author={"id": "1", "followers": -1}),
            "author.followers: Input should be greater than or equal to 0",
        ),
        (mention(url="javascript:alert(1)"), "url: Value error, must be an http(s) URL"),
        (
            mention(url="https://e.com/" + "a" * 1100),
            "url: Value error, must be an http(s) URL without spaces, at most 1024",
        ),
        (mention(author={"id": "1", "url": "https://e.com/" + "a" * 600}), "author.url: Value error"),
        (mention(id="9" * 129), "id: String should have at most 128 characters"),
        (mention(author={"id": "1", "handle": "h" * 129}), "author.handle: String should have at most 128"),
        (mention(conversation_id="c" * 201), "conversation_id: String should have at most 200"),
        (mention(kind="tweet"), "kind: Input should be 'post', 'comment', 'reply', 'direct' or 'review'"),
        (mention(create_at="2024"), "create_at: Extra inputs are not permitted"),
        (mention(extra={"a": [1]}), "extra.a: Input should be a valid string"),
        ({k: v for k, v in BASE.items() if k != "id"}, "id: Field required"),
        ({"mentions": []}, "mentions: List should have at least 1 item"),
        ({"mentions": [BASE] * 501}, "mentions: at most 500 per request, got 501"),
        ({"mentions": {"a": 1}}, "mentions: Input should be a valid list"),
        ({"mentions": [BASE], "source": "x"}, "source: Extra inputs are not permitted"),
        ({"mentions": [BASE, mention(author={})]}, "mentions[1].author.id: Field required"),
        ({"mentions": [BASE, {}]}, "mentions[1].platform: Field required (and 4 more errors)"),
    ],
)
def test_reasons_name_the_field(body: Any, reason: str) -> None:
    assert reason_of(body).startswith(reason)


def test_docs_examples_are_valid() -> None:
    """The examples in docs/generic-webhook.md parse (the batch one included)."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "generic-webhook.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in doc.split("```json\n")[1:]]
    assert len(blocks) == 3  # a mention, a batch, and (under "Replies back") what we send back
    single, batch = (generic.normalize(json.loads(b), NO_BRAND) for b in blocks[:2])
    reply = json.loads(blocks[2])
    assert set(reply) == {
        "idempotency_key",
        "platform",
        "in_reply_to",
        "conversation_key",
        "author_id",
        "visibility",
        "text",
        "extra",
    }
    assert len(single.mentions) == 1 and len(batch.mentions) == 2
    review, dm = batch.mentions
    assert review.kind is MentionKind.REVIEW and review.posted_at == datetime(2024, 5, 1, 6, tzinfo=UTC)
    assert dm.is_private and dm.conversation_key == "messenger_dm:psid-5521"


def test_json_schema_is_exported() -> None:
    schema = generic.json_schema()
    assert set(schema["required"]) == {"platform", "id", "text", "created_at", "author"}
    assert schema["additionalProperties"] is False
