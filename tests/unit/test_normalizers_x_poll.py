"""X API v2 page normalizer (poller) on hand-built pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from socialdesk.domain.enums import MentionKind, Platform
from socialdesk.plugins.mentions import MalformedPayload, NormalizedMention, NormalizeResult
from socialdesk.plugins.payloads import NO_BRAND, BrandAccounts
from socialdesk.sources.x import normalize_poll as x_poll

US = "2244994945"
BRAND = BrandAccounts.build(ids={Platform.X: [US]}, handles={Platform.X: ["acme"]})


def post(pid: str = "1790000000000000001", **over: Any) -> dict[str, Any]:
    value = {
        "id": pid,
        "text": "@acme where is my refund?",
        "author_id": "42",
        "created_at": "2024-05-01T09:30:00.000Z",
        "conversation_id": pid,
        "edit_history_tweet_ids": [pid],
    }
    value.update(over)
    return value


def page(*items: dict[str, Any], users: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    if users is None:
        users = [
            {
                "id": "42",
                "username": "jane",
                "name": "Jane",
                "verified": True,
                "public_metrics": {"followers_count": 321, "following_count": 5},
            }
        ]
    return {"data": list(items), "includes": {"users": users}, "meta": {"result_count": len(items)}}


def only(result: NormalizeResult) -> NormalizedMention:
    assert not result.skipped, result.skipped
    assert len(result.mentions) == 1
    return result.mentions[0]


def test_mention_with_author_expansion() -> None:
    m = only(x_poll.normalize(page(post()), BRAND))
    assert (m.platform, m.kind) == (Platform.X, MentionKind.POST)
    assert m.author.id == "42" and m.author.handle == "jane" and m.author.name == "Jane"
    assert m.author.followers == 321 and m.author.verified
    assert m.posted_at == datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
    assert m.conversation_key == "x:1790000000000000001"
    assert m.url == "https://x.com/jane/status/1790000000000000001"


def test_reply_in_a_thread_uses_conversation_id() -> None:
    item = post(
        "1790000000000000009",
        conversation_id="1790000000000000001",
        in_reply_to_user_id=US,
        referenced_tweets=[{"type": "replied_to", "id": "1790000000000000005"}],
    )
    m = only(x_poll.normalize(page(item), BRAND))
    assert m.kind is MentionKind.REPLY
    assert m.parent_external_id == "1790000000000000005"
    assert m.conversation_key == "x:1790000000000000001"
    assert m.extra["in_reply_to_user_id"] == US


def test_reply_without_conversation_id_falls_back_to_parent() -> None:
    item = post(referenced_tweets=[{"type": "replied_to", "id": "7"}])
    del item["conversation_id"]
    assert only(x_poll.normalize(page(item), BRAND)).conversation_key == "x:7"


def test_note_tweet_has_the_long_text() -> None:
    long = "a" * 1000
    assert only(x_poll.normalize(page(post(note_tweet={"text": long})), BRAND)).text == long


def test_verified_type_counts_as_verified() -> None:
    users = [{"id": "42", "username": "jane", "verified_type": "blue"}]
    assert only(x_poll.normalize(page(post(), users=users), BRAND)).author.verified
    users = [{"id": "42", "username": "jane", "verified_type": "none"}]
    assert not only(x_poll.normalize(page(post(), users=users), BRAND)).author.verified


def test_without_expansions_author_and_time_are_derived() -> None:
    item = {"id": "1578516295611748353", "text": "@Twitter respond to my ticket."}
    m = only(x_poll.normalize({"data": [item], "meta": {"result_count": 1}}, NO_BRAND))
    assert m.author.id == "unknown:1578516295611748353"
    assert m.posted_at == datetime(2022, 10, 7, 22, 43, 6, 945_000, tzinfo=UTC)  # read from the snowflake
    assert m.url == "https://x.com/i/status/1578516295611748353"


def test_author_id_without_user_object() -> None:
    assert only(x_poll.normalize(page(post(), users=[]), BRAND)).author.id == "42"


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        (post(author_id=US), "own post"),
        (post(referenced_tweets=[{"type": "retweeted", "id": "1"}]), "retweet"),
        (
            {"event_type": "MessageCreate", "id": "1585800613752881156", "text": "Testing 2"},
            "direct message without sender_id (cannot tell a customer from ourselves)",
        ),
        ({"event_type": "MessageCreate", "id": "1", "text": "x", "sender_id": US}, "echo of our own message"),
        ({"event_type": "ParticipantsJoin", "id": "1"}, "direct message event 'ParticipantsJoin'"),
        ({"dm_conversation_id": "1-2", "dm_event_id": "3"}, "receipt of a direct message we sent"),
    ],
)
def test_skipped_items(item: dict[str, Any], reason: str) -> None:
    result = x_poll.normalize(page(item), BRAND)
    assert not result.mentions
    assert [s.reason for s in result.skipped] == [reason]


def test_own_post_by_handle() -> None:
    users = [{"id": "43", "username": "ACME"}]
    result = x_poll.normalize(page(post(author_id="43"), users=users), BRAND)
    assert [s.reason for s in result.skipped] == ["own post"]


def test_dm_event_from_a_customer() -> None:
    item = {
        "event_type": "MessageCreate",
        "id": "1585800613752881156",
        "text": "help",
        "sender_id": "42",
        "dm_conversation_id": "42-2244994945",
        "created_at": "2022-10-28T01:08:23.000Z",
    }
    m = only(x_poll.normalize(page(item), BRAND))
    assert (m.kind, m.is_private) == (MentionKind.DIRECT, True)
    assert m.conversation_key == "x_dm:42"
    assert m.author.handle == "jane"
    assert m.extra["dm_conversation_id"] == "42-2244994945"


def test_single_object_data_and_empty_pages() -> None:
    assert only(x_poll.normalize({"data": post()}, BRAND)).external_id == "1790000000000000001"
    empty = x_poll.normalize({"meta": {"result_count": 0}}, BRAND)
    assert empty.mentions == [] and empty.skipped == []


def test_partial_errors_are_reported_as_skips() -> None:
    body = {**page(post()), "errors": [{"title": "Authorization Error", "detail": "..."}]}
    result = x_poll.normalize(body, BRAND)
    assert len(result.mentions) == 1
    assert [s.reason for s in result.skipped] == ["API error: Authorization Error"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ([], "body: expected an object"),
        ({"foo": 1}, "not an X API v2 response"),
        ({"data": "x"}, "data: expected a list"),
        ({"data": [1]}, r"data\[0\]: expected an object"),
        ({"data": [{"text": "x"}]}, r"data\[0\]\.id: missing"),
        ({"data": [{"id": "1790000000000000001"}]}, r"data\[0\]\.text: missing"),
        ({"data": [post(created_at="soon")]}, r"data\[0\]\.created_at: not an ISO 8601 time"),
        ({"data": [{"id": "abc", "text": "x"}]}, r"created_at: missing, and the id is not a snowflake"),
        ({"data": [], "includes": {"users": [{"name": "x"}]}}, r"includes\.users\[0\]\.id: missing"),
        ({"data": [post(referenced_tweets=[{"type": "quoted"}])]}, r"referenced_tweets\[0\]\.id: missing"),
    ],
)
def test_malformed(body: Any, reason: str) -> None:
    with pytest.raises(MalformedPayload, match=reason):
        x_poll.normalize(body, BRAND)


def test_blank_text_gets_a_placeholder() -> None:
    assert only(x_poll.normalize(page(post(text="")), BRAND)).text == "[post without text]"
