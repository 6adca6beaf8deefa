"""X Account Activity webhook normalizer on hand-built v1.1 payloads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from socialdesk.domain.enums import MentionKind, Platform
from socialdesk.plugins.mentions import MalformedPayload, NormalizedMention, NormalizeResult
from socialdesk.plugins.payloads import NO_BRAND, BrandAccounts
from socialdesk.sources.x import normalize as x

US = "2244994945"


def user(uid: str = "9001", screen_name: str = "jane", **over: Any) -> dict[str, Any]:
    return {
        "id": int(uid),
        "id_str": uid,
        "name": "Jane Doe",
        "screen_name": screen_name,
        "followers_count": 1200,
        "verified": False,
        **over,
    }


def tweet(tid: str = "1050118621198921728", **over: Any) -> dict[str, Any]:
    value = {
        "created_at": "Wed Oct 10 20:19:24 +0000 2018",
        "id": int(tid),
        "id_str": tid,
        "text": "@acme my order is late",
        "user": user(),
        "in_reply_to_status_id": None,
        "in_reply_to_status_id_str": None,
        "is_quote_status": False,
        "timestamp_ms": "1539202764000",
    }
    value.update(over)
    return value


def tweets(*items: dict[str, Any]) -> dict[str, Any]:
    return {"for_user_id": US, "tweet_create_events": list(items)}


def dm(sender: str = "9001", text: str = "Hi, I need help", **over: Any) -> dict[str, Any]:
    event = {
        "type": "message_create",
        "id": "1050129733634330629",
        "created_timestamp": "1539205412340",
        "message_create": {
            "target": {"recipient_id": US},
            "sender_id": sender,
            "message_data": {"text": text, "entities": {}},
        },
    }
    event.update(over)
    return {
        "for_user_id": US,
        "direct_message_events": [event],
        "users": {sender: user(sender, "jane"), US: user(US, "acme")},
    }


def only(result: NormalizeResult) -> NormalizedMention:
    assert not result.skipped, result.skipped
    assert len(result.mentions) == 1
    return result.mentions[0]


def reasons(result: NormalizeResult) -> list[str]:
    assert not result.mentions
    return [s.reason for s in result.skipped]


def test_mention_tweet() -> None:
    m = only(x.normalize(tweets(tweet()), NO_BRAND))
    assert (m.platform, m.kind, m.is_private) == (Platform.X, MentionKind.POST, False)
    assert m.external_id == "1050118621198921728"
    assert m.author.id == "9001" and m.author.handle == "jane" and m.author.name == "Jane Doe"
    assert m.author.followers == 1200 and m.author.verified is False
    assert m.author.url == "https://x.com/jane"
    assert m.text == "@acme my order is late"
    assert m.posted_at == datetime(2018, 10, 10, 20, 19, 24, tzinfo=UTC)
    assert m.conversation_key == "x:1050118621198921728"
    assert m.url == "https://x.com/jane/status/1050118621198921728"
    assert m.extra["for_user_id"] == US


def test_reply_uses_parent_as_conversation() -> None:
    m = only(
        x.normalize(tweets(tweet(in_reply_to_status_id_str="1000", in_reply_to_user_id_str=US)), NO_BRAND)
    )
    assert m.kind is MentionKind.REPLY
    assert m.parent_external_id == "1000"
    assert m.conversation_key == "x:1000"
    assert m.extra["in_reply_to_user_id"] == US


def test_text_preference_extended_then_full_then_text() -> None:
    long = "x" * 300
    assert (
        only(x.normalize(tweets(tweet(extended_tweet={"full_text": long}, truncated=True)), NO_BRAND)).text
        == long
    )
    assert only(x.normalize(tweets(tweet(full_text="full")), NO_BRAND)).text == "full"


def test_verified_author() -> None:
    m = only(x.normalize(tweets(tweet(user=user(verified=True, followers_count=2_000_000))), NO_BRAND))
    assert m.author.verified and m.author.followers == 2_000_000


def test_time_fallbacks() -> None:
    no_created = tweet()
    del no_created["created_at"]
    assert only(x.normalize(tweets(no_created), NO_BRAND)).posted_at == datetime(
        2018, 10, 10, 20, 19, 24, tzinfo=UTC
    )
    del no_created["timestamp_ms"]
    # from the snowflake id: 1050118621198921728 was created 2018-10-10T20:19:24.xxx
    posted = only(x.normalize(tweets(no_created), NO_BRAND)).posted_at
    assert posted.replace(microsecond=0) == datetime(2018, 10, 10, 20, 19, 24, tzinfo=UTC)


@pytest.mark.parametrize(
    ("item", "brand", "reason"),
    [
        (tweet(user=user(US, "acme")), NO_BRAND, "own post"),
        (
            tweet(user=user("42", "AcmeHelp")),
            BrandAccounts.build(handles={Platform.X: ["acmehelp"]}),
            "own post",
        ),
        (tweet(user=user("42", "x")), BrandAccounts.build(ids={Platform.X: ["42"]}), "own post"),
        (tweet(retweeted_status=tweet("1")), NO_BRAND, "retweet"),
    ],
)
def test_skipped_tweets(item: dict[str, Any], brand: BrandAccounts, reason: str) -> None:
    assert reasons(x.normalize(tweets(item), brand)) == [reason]


def test_quote_tweet_is_a_mention() -> None:
    m = only(x.normalize(tweets(tweet(is_quote_status=True, quoted_status_id_str="77")), NO_BRAND))
    assert m.kind is MentionKind.POST and m.extra["quoted_id"] == "77"


def test_direct_message() -> None:
    m = only(x.normalize(dm(), NO_BRAND))
    assert (m.kind, m.is_private) == (MentionKind.DIRECT, True)
    assert m.external_id == "1050129733634330629"
    assert m.author.handle == "jane" and m.author.followers == 1200
    assert m.conversation_key == "x_dm:9001"
    assert m.posted_at == datetime(2018, 10, 10, 21, 3, 32, 340_000, tzinfo=UTC)
    assert m.extra["recipient_id"] == "9001"


def test_direct_message_attachment_and_quick_reply() -> None:
    body = dm(text="")
    data = body["direct_message_events"][0]["message_create"]["message_data"]
    data["attachment"] = {"type": "media", "media": {"id": 1}}
    data["quick_reply_response"] = {"type": "options", "metadata": "opt-1"}
    m = only(x.normalize(body, NO_BRAND))
    assert m.text == "[media attachment]" and m.extra["quick_reply_metadata"] == "opt-1"


def test_direct_message_without_user_map_still_has_an_author_id() -> None:
    body = dm()
    del body["users"]
    assert only(x.normalize(body, NO_BRAND)).author.id == "9001"


def test_our_own_direct_message_is_an_echo() -> None:
    assert reasons(x.normalize(dm(sender=US), NO_BRAND)) == ["echo of our own message"]


def test_other_dm_types_and_events_are_skipped() -> None:
    assert reasons(x.normalize(dm(type="message_delete"), NO_BRAND)) == [
        "direct message event 'message_delete'"
    ]
    body = {
        "for_user_id": US,
        "favorite_events": [{"id": "a"}, {"id": "b"}],
        "follow_events": [{"type": "follow"}],
        "direct_message_indicate_typing_events": [{}],
        "direct_message_mark_read_events": [{}],
        "tweet_delete_events": [{}],
        "user_event": {"revoke": {}},
    }
    assert reasons(x.normalize(body, NO_BRAND)) == [
        "favorite event",
        "favorite event",
        "follow event",
        "direct message indicate typing event",
        "direct message mark read event",
        "tweet delete event",
        "user event",
    ]


def test_mixed_delivery() -> None:
    body = {**tweets(tweet(), tweet("1050118621198921729", user=user(US, "acme"))), "favorite_events": [{}]}
    result = x.normalize(body, NO_BRAND)
    assert [m.external_id for m in result.mentions] == ["1050118621198921728"]
    assert [s.reason for s in result.skipped] == ["own post", "favorite event"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("text", "body: expected an object"),
        ({"for_user_id": US}, r"no '\*_events' key"),
        ({"tweet_create_events": {}}, "tweet_create_events: expected a list"),
        (tweets({"id_str": "1", "text": "x"}), r"tweet_create_events\[0\]\.user: missing"),
        (tweets(tweet(created_at="2018-10-10")), r"\.created_at: not an X time"),
        (tweets(tweet(text=None)), r"tweet_create_events\[0\]\.text: missing"),
        (tweets(tweet(id_str=None, id=None)), r"tweet_create_events\[0\]\.id: missing"),
        (dm(message_create=None), r"message_create: missing"),
        (dm(created_timestamp="soon"), r"created_timestamp: expected a unix time"),
    ],
)
def test_malformed(body: Any, reason: str) -> None:
    with pytest.raises(MalformedPayload, match=reason):
        x.normalize(body, NO_BRAND)


def test_blank_text_gets_a_placeholder() -> None:
    assert only(x.normalize(tweets(tweet(text=" ")), NO_BRAND)).text == "[post without text]"
