"""Meta normalizer on hand-built payloads: Page feed, mentions, Instagram, Messenger, standby."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from socialdesk.domain.enums import MentionKind, Platform
from socialdesk.plugins.mentions import MalformedPayload, NormalizedMention, NormalizeResult
from socialdesk.plugins.payloads import NO_BRAND, BrandAccounts
from socialdesk.sources.meta import normalize as meta
from socialdesk.sources.meta.hydrate import hydrate_instagram_mention

PAGE = "111"
IG = "1784"
T = 1_714_555_800  # 2024-05-01T09:30:00Z
WHEN = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)


def page_change(field: str, value: dict[str, Any], *, page: str = PAGE) -> dict[str, Any]:
    return {
        "object": "page",
        "entry": [{"id": page, "time": T, "changes": [{"field": field, "value": value}]}],
    }


def ig_change(field: str, value: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "instagram",
        "entry": [{"id": IG, "time": T, "changes": [{"field": field, "value": value}]}],
    }


def messaging(event: dict[str, Any], *, obj: str = "page", key: str = "messaging") -> dict[str, Any]:
    account = PAGE if obj == "page" else IG
    base = {"sender": {"id": "555"}, "recipient": {"id": account}, "timestamp": T * 1000 + 250}
    return {"object": obj, "entry": [{"id": account, "time": T * 1000, key: [{**base, **event}]}]}


def comment(**over: Any) -> dict[str, Any]:
    value = {
        "item": "comment",
        "verb": "add",
        "comment_id": "900_1",
        "post_id": f"{PAGE}_900",
        "parent_id": f"{PAGE}_900",
        "from": {"id": "777", "name": "Jane Doe"},
        "created_time": T,
        "message": "My parcel is late",
    }
    value.update(over)
    return value


def only(result: NormalizeResult) -> NormalizedMention:
    assert not result.skipped, result.skipped
    assert len(result.mentions) == 1, result.mentions
    return result.mentions[0]


def skipped(result: NormalizeResult) -> list[str]:
    assert not result.mentions, result.mentions
    return [s.reason for s in result.skipped]


# --- Facebook feed ----------------------------------------------------------------------------


def test_top_level_comment() -> None:
    m = only(meta.normalize(page_change("feed", comment()), NO_BRAND))
    assert m.platform is Platform.FACEBOOK
    assert m.kind is MentionKind.COMMENT
    assert m.external_id == "900_1"
    assert m.author.id == "777" and m.author.name == "Jane Doe"
    assert m.text == "My parcel is late"
    assert m.posted_at == WHEN and m.posted_at.tzinfo is not None
    assert m.conversation_key == f"facebook:{PAGE}_900:900_1"
    assert m.parent_external_id == f"{PAGE}_900"
    assert not m.is_private
    assert m.extra == {
        "page_id": PAGE,
        "post_id": f"{PAGE}_900",
        "comment_id": "900_1",
        "parent_id": f"{PAGE}_900",
    }


def test_reply_to_a_comment_joins_the_parent_conversation() -> None:
    m = only(meta.normalize(page_change("feed", comment(comment_id="900_2", parent_id="900_1")), NO_BRAND))
    assert m.kind is MentionKind.REPLY
    assert m.conversation_key == f"facebook:{PAGE}_900:900_1"
    assert m.parent_external_id == "900_1"


def test_older_graph_version_sender_fields() -> None:
    value = comment(sender_id=778, sender_name="Old Style")
    del value["from"]
    m = only(meta.normalize(page_change("feed", value), NO_BRAND))
    assert m.author.id == "778" and m.author.name == "Old Style"


def test_comment_with_photo_and_no_text() -> None:
    m = only(
        meta.normalize(page_change("feed", comment(message="", photo="https://cdn.example/p.jpg")), NO_BRAND)
    )
    assert m.text == "[photo]"
    assert m.extra["photo_url"] == "https://cdn.example/p.jpg"


@pytest.mark.parametrize("item", ["post", "status", "photo"])
def test_visitor_post_on_our_page(item: str) -> None:
    value = {
        "item": item,
        "verb": "add",
        "post_id": f"{PAGE}_42",
        "from": {"id": "777", "name": "J"},
        "message": "Hi",
    }
    m = only(meta.normalize(page_change("feed", value), NO_BRAND))
    assert m.kind is MentionKind.POST
    assert m.conversation_key == f"facebook:{PAGE}_42"
    assert m.posted_at == WHEN  # no created_time: the entry's time
    assert m.url == f"https://www.facebook.com/{PAGE}_42"


@pytest.mark.parametrize(
    ("over", "reason"),
    [
        ({"verb": "edited"}, "comment edited"),
        ({"verb": "hide"}, "comment hidden"),
        ({"verb": "remove"}, "comment removed"),
        ({"item": "reaction", "reaction_type": "love"}, "reaction added"),
        ({"item": "like"}, "like added"),
        ({"item": "reaction", "verb": "remove"}, "reaction removed"),
        ({"item": "hashtag"}, "unsupported feed item 'hashtag'"),
    ],
)
def test_feed_changes_that_are_not_mentions(over: dict[str, Any], reason: str) -> None:
    assert skipped(meta.normalize(page_change("feed", comment(**over)), NO_BRAND)) == [reason]


def test_own_page_comment_is_skipped_even_without_config() -> None:
    value = comment(**{"from": {"id": PAGE, "name": "Acme"}})
    assert skipped(meta.normalize(page_change("feed", value), NO_BRAND)) == ["own post"]


def test_configured_brand_page_is_own() -> None:
    brand = BrandAccounts.build(ids={Platform.FACEBOOK: ["777"]})
    assert skipped(meta.normalize(page_change("feed", comment()), brand)) == ["own post"]


def test_rating_is_a_review() -> None:
    value = {
        "item": "rating",
        "verb": "add",
        "open_graph_story_id": "og-1",
        "reviewer_id": "888",
        "reviewer_name": "Rita",
        "review_text": "Terrible support",
        "recommendation_type": "negative",
        "created_time": T,
    }
    m = only(meta.normalize(page_change("feed", value), NO_BRAND))
    assert m.kind is MentionKind.REVIEW
    assert m.author.id == "888" and m.text == "Terrible support"
    assert m.conversation_key == "facebook_review:og-1"


def test_unsupported_field_and_object() -> None:
    assert skipped(meta.normalize(page_change("ratings_v2", {}), NO_BRAND)) == [
        "unsupported field 'ratings_v2'"
    ]
    assert skipped(meta.normalize({"object": "user", "entry": []}, NO_BRAND)) == ["unsupported object 'user'"]


def test_facebook_mention_in_a_comment() -> None:
    value = {
        "item": "comment",
        "verb": "add",
        "post_id": "9_1",
        "comment_id": "1_5",
        "message": "@Acme help",
        "created_time": T,
    }
    m = only(meta.normalize(page_change("mention", value), NO_BRAND))
    assert m.kind is MentionKind.COMMENT
    assert m.author.id == "unknown:1_5"
    assert m.conversation_key == "facebook:9_1:1_5"
    assert m.extra["mentioned"] == "true"
    assert skipped(meta.normalize(page_change("mention", {**value, "verb": "remove"}), NO_BRAND)) == [
        "mention removed"
    ]


# --- Instagram --------------------------------------------------------------------------------


def test_instagram_comment_and_reply() -> None:
    value = {
        "id": "c1",
        "text": "Where is my order?",
        "from": {"id": "u1", "username": "jane"},
        "media": {"id": "m1"},
    }
    m = only(meta.normalize(ig_change("comments", value), NO_BRAND))
    assert (m.platform, m.kind) == (Platform.INSTAGRAM, MentionKind.COMMENT)
    assert m.author.handle == "jane" and m.author.url == "https://www.instagram.com/jane/"
    assert m.conversation_key == "instagram:m1:c1"
    assert m.extra["media_id"] == "m1" and m.extra["ig_account_id"] == IG
    reply = only(meta.normalize(ig_change("comments", {**value, "id": "c2", "parent_id": "c1"}), NO_BRAND))
    assert reply.kind is MentionKind.REPLY
    assert reply.conversation_key == "instagram:m1:c1"
    assert reply.parent_external_id == "c1"


def test_instagram_own_comment_by_id_or_handle() -> None:
    value = {"id": "c1", "text": "Thanks!", "from": {"id": IG, "username": "acme"}, "media": {"id": "m1"}}
    assert skipped(meta.normalize(ig_change("comments", value), NO_BRAND)) == ["own post"]
    brand = BrandAccounts.build(handles={Platform.INSTAGRAM: ["@Acme"]})
    value["from"] = {"id": "other", "username": "ACME"}
    assert skipped(meta.normalize(ig_change("comments", value), brand)) == ["own post"]


def test_instagram_live_comment() -> None:
    m = only(meta.normalize(ig_change("live_comments", {"id": "lc", "text": "hello"}), NO_BRAND))
    assert m.extra["live"] == "true"
    assert m.conversation_key == "instagram:unknown:lc"


def test_instagram_mention_needs_hydrating() -> None:
    m = only(meta.normalize(ig_change("mentions", {"comment_id": "c9", "media_id": "m9"}), NO_BRAND))
    assert m.extra["hydrate"] == "comment"
    hydrated = hydrate_instagram_mention(
        m,
        {
            "mentioned_comment": {
                "id": "c9",
                "text": "@acme broken",
                "timestamp": "2024-05-01T10:00:00+0000",
                "username": "bob",
            },
            "id": IG,
        },
    )
    assert hydrated.text == "@acme broken" and hydrated.author.handle == "bob"
    assert hydrated.posted_at == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert "hydrate" not in hydrated.extra
    with pytest.raises(MalformedPayload, match="expected c9"):
        hydrate_instagram_mention(m, {"mentioned_comment": {"id": "other"}})


def test_instagram_caption_mention() -> None:
    m = only(meta.normalize(ig_change("mentions", {"media_id": "m9"}), NO_BRAND))
    assert m.kind is MentionKind.POST and m.conversation_key == "instagram:m9"
    hydrated = hydrate_instagram_mention(m, {"mentioned_media": {"id": "m9", "caption": "love @acme"}})
    assert hydrated.text == "love @acme"


def test_docs_flattened_instagram_entry() -> None:
    body = {
        "object": "instagram",
        "entry": [{"id": IG, "time": T, "field": "comments", "value": {"id": "c1", "text": "hi"}}],
    }
    assert only(meta.normalize(body, NO_BRAND)).external_id == "c1"


# --- Messenger and Instagram DMs --------------------------------------------------------------


def test_messenger_text_message() -> None:
    m = only(meta.normalize(messaging({"message": {"mid": "m.1", "text": "Hello?"}}), NO_BRAND))
    assert (m.platform, m.kind, m.is_private) == (Platform.MESSENGER, MentionKind.DIRECT, True)
    assert m.author.id == "555"
    assert m.conversation_key == f"messenger:{PAGE}:555"
    assert m.posted_at == datetime(2024, 5, 1, 9, 30, 0, 250_000, tzinfo=UTC)
    assert m.extra == {"page_id": PAGE, "recipient_id": "555", "mid": "m.1"}


def test_instagram_dm() -> None:
    m = only(
        meta.normalize(messaging({"message": {"mid": "ig.1", "text": "hey"}}, obj="instagram"), NO_BRAND)
    )
    assert m.platform is Platform.INSTAGRAM
    assert m.conversation_key == f"instagram_dm:{IG}:555"
    assert m.extra["ig_account_id"] == IG


def test_quick_reply_and_attachments_are_customer_messages() -> None:
    qr = {"message": {"mid": "m.2", "text": "Track order", "quick_reply": {"payload": "TRACK"}}}
    m = only(meta.normalize(messaging(qr), NO_BRAND))
    assert m.text == "Track order" and m.extra["quick_reply_payload"] == "TRACK"
    att = {
        "message": {
            "mid": "m.3",
            "text": "see",
            "attachments": [{"type": "image"}, {"type": "audio"}, {"type": "odd"}],
        }
    }
    assert (
        only(meta.normalize(messaging(att), NO_BRAND)).text
        == "see\n[image attachment]\n[audio attachment]\n[odd attachment]"
    )


def test_reply_to_and_story_reply() -> None:
    ev = {"message": {"mid": "m.4", "text": "this", "reply_to": {"mid": "m.0"}}}
    assert only(meta.normalize(messaging(ev), NO_BRAND)).parent_external_id == "m.0"
    story = {"message": {"mid": "m.5", "text": "nice", "reply_to": {"story": {"id": "s1", "url": "u"}}}}
    m = only(meta.normalize(messaging(story, obj="instagram"), NO_BRAND))
    assert m.text == "[replied to our story] nice" and m.extra["story_id"] == "s1"


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({"message": {"mid": "m", "text": "hi", "is_echo": True}}, "echo of our own message"),
        ({"sender": {"id": PAGE}, "message": {"mid": "m", "text": "hi"}}, "echo of our own message"),
        ({"message": {"mid": "m", "is_deleted": True}}, "message deleted"),
        ({"message": {"mid": "m"}}, "message without text or attachments"),
        ({"message_edit": {"mid": "m", "text": "x"}}, "message edited"),
        ({"delivery": {"mids": ["m"], "watermark": 1}}, "delivery receipt"),
        ({"read": {"watermark": 1}}, "read receipt"),
        ({"reaction": {"mid": "m", "action": "react"}}, "reaction"),
        ({"postback": {"payload": "P", "title": "Start"}}, "postback (button tap, no customer text)"),
        ({"pass_thread_control": {"new_owner_app_id": "1"}}, "thread handover"),
        ({"mystery": {}}, "messaging event without a message (mystery)"),
    ],
)
def test_messaging_events_that_are_not_mentions(event: dict[str, Any], reason: str) -> None:
    assert skipped(meta.normalize(messaging(event), NO_BRAND)) == [reason]


def test_standby_message_is_marked() -> None:
    body = messaging({"message": {"mid": "m.9", "text": "anyone?"}}, key="standby")
    assert only(meta.normalize(body, NO_BRAND)).extra["standby"] == "true"


def test_several_entries_and_events_in_one_delivery() -> None:
    body = messaging({"message": {"mid": "a", "text": "1"}})
    body["entry"][0]["messaging"].append(
        {"sender": {"id": "556"}, "recipient": {"id": PAGE}, "read": {"watermark": 1}}
    )
    body["entry"].append(page_change("feed", comment())["entry"][0])
    result = meta.normalize(body, NO_BRAND)
    assert [m.external_id for m in result.mentions] == ["a", "900_1"]
    assert [s.reason for s in result.skipped] == ["read receipt"]


# --- malformed --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ([], "body: expected an object, got a list"),
        ({"entry": []}, "body: not a Meta webhook delivery"),
        ({"object": 3, "entry": []}, "object: expected a string"),
        ({"object": "page", "entry": {}}, "entry: expected a list, got an object"),
        ({"object": "page", "entry": ["x"]}, r"entry\[0\]: expected an object, got a string"),
        (
            page_change("feed", comment(comment_id=None)),
            r"entry\[0\]\.changes\[0\]\.value\.comment_id: missing",
        ),
        (page_change("feed", comment(post_id=["x"])), r"value\.post_id: expected a string id, got a list"),
        (
            page_change("feed", comment(created_time="yesterday")),
            r"value\.created_time: not an ISO 8601 time",
        ),
        (
            messaging({"sender": None, "message": {"mid": "m", "text": "x"}}),
            r"messaging\[0\]\.sender: missing",
        ),
        (messaging({"message": {"text": "x"}}), r"messaging\[0\]\.message\.mid: missing"),
        (messaging({"message": "hello"}), r"messaging\[0\]\.message: expected an object"),
    ],
)
def test_malformed_bodies_name_the_field(body: Any, reason: str) -> None:
    with pytest.raises(MalformedPayload, match=reason):
        meta.normalize(body, NO_BRAND)


def test_missing_times_everywhere_is_malformed() -> None:
    body = page_change("feed", comment(created_time=None))
    del body["entry"][0]["time"]
    with pytest.raises(MalformedPayload, match="no time on the item"):
        meta.normalize(body, NO_BRAND)
