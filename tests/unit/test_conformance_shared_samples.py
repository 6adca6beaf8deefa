"""Conformance against the real, shared payload samples (../shared/data/social).

Every JSON file in `social/meta/` goes through the Meta normalizer and every response body in the
`social/x_api_v2/` recordings through the X v2 (poller) normalizer; each has a written expectation
(how many mentions, or which skips, or the exact MalformedPayload) so a behaviour change shows up
file by file. The folder is absent from a user's fresh clone: then these tests skip.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from socialdesk.domain.enums import MentionKind, Platform
from socialdesk.plugins.mentions import MalformedPayload, NormalizedMention, NormalizeResult
from socialdesk.plugins.payloads import NO_BRAND
from socialdesk.sources.meta import normalize as meta_normalizer
from socialdesk.sources.meta.hydrate import hydrate_instagram_mention
from socialdesk.sources.x import normalize_poll as x_poll
from tests.support import normalize_stored

SOCIAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "social"
META = SOCIAL / "meta"
X_V2 = SOCIAL / "x_api_v2"

pytestmark = pytest.mark.skipif(
    not SOCIAL.is_dir(), reason=f"shared sample folder {SOCIAL} is absent (a fresh clone); CI has it"
)


@dataclass(frozen=True)
class Expect:
    mentions: int = 0
    skipped: tuple[str, ...] = ()
    malformed: str | None = None


GRAPH_OBJECT = "body: not a Meta webhook delivery (expected 'object' and 'entry')"

META_EXPECTED: dict[str, Expect] = {
    # Graph API objects (GET /{ig-comment-id}, GET /{ig-user}?fields=mentioned_media), not webhook
    # deliveries: refused by the webhook normalizer, used below to hydrate an Instagram mention.
    "instagram_comment.json": Expect(malformed=GRAPH_OBJECT),
    "instagram_mentioned-media.json": Expect(malformed=GRAPH_OBJECT),
    "instagram_messaging-attachment-unsupported.json": Expect(mentions=1),
    "instagram_messaging-seen.json": Expect(skipped=("read receipt",)),
    "instagram_wh-comments-2021.json": Expect(mentions=1),
    "instagram_wh-comments.json": Expect(mentions=1),
    "instagram_wh-livecomments.json": Expect(mentions=1),
    "instagram_wh-mentions.json": Expect(mentions=1),
    # The restfb feed comment samples are written by the page itself (sender == entry id).
    "webhooks_feed-comment-add-211.json": Expect(skipped=("own post",)),
    "webhooks_feed-comment-add-25.json": Expect(skipped=("own post",)),
    "webhooks_feed-comment-add-with-photo.json": Expect(skipped=("own post",)),
    "webhooks_feed-comment-edited-25.json": Expect(skipped=("comment edited",)),
    "webhooks_feed-comment-hide.json": Expect(skipped=("comment hidden",)),
    "webhooks_feed-comment-remove-25.json": Expect(skipped=("comment removed",)),
    "webhooks_feed-post-add-25.json": Expect(mentions=1),
    "webhooks_feed-reaction-add.json": Expect(skipped=("reaction added",)),
    "webhooks_feed-two-entries-25.json": Expect(
        skipped=("unsupported field 'parking'", "unsupported field 'payment_options'")
    ),
    "webhooks_mention-comment-add.json": Expect(mentions=1),
    "webhooks_mention-post-add-real.json": Expect(mentions=1),
    "webhooks_messaging-delivery-basic.json": Expect(skipped=("delivery receipt",)),
    "webhooks_messaging-message-basic-echo.json": Expect(skipped=("echo of our own message",)),
    "webhooks_messaging-message-basic.json": Expect(mentions=1),
    "webhooks_messaging-message-edits.json": Expect(skipped=("message edited",)),
    "webhooks_messaging-message-isdeleted.json": Expect(skipped=("message deleted",)),
    "webhooks_messaging-message-media-attachment.json": Expect(mentions=1),
    "webhooks_messaging-message-quickreply.json": Expect(mentions=1),
    "webhooks_messaging-message-reply-1.json": Expect(mentions=1),
    "webhooks_messaging-postback-basic.json": Expect(skipped=("postback (button tap, no customer text)",)),
    "webhooks_messaging-reaction-1.json": Expect(skipped=("reaction",)),
    "webhooks_messaging-read-basic.json": Expect(skipped=("read receipt",)),
    "webhooks_standby-message-basic-echo.json": Expect(skipped=("echo of our own message",)),
}

_DM_NO_SENDER = "direct message without sender_id (cannot tell a customer from ourselves)"
_DM_RECEIPT = "receipt of a direct message we sent"

# Per recorded response body, in order.
X_V2_EXPECTED: dict[str, list[Expect]] = {
    "test_asyncclient_get_users_mentions.decoded.json": [Expect(mentions=2)],
    "test_client_get_users_mentions.decoded.json": [Expect(mentions=10)],
    "test_client_search_recent_tweets.decoded.json": [Expect(mentions=10)],
    "test_manage_and_lookup_direct_messages.decoded.json": [
        Expect(skipped=(_DM_RECEIPT,)),
        Expect(skipped=(_DM_RECEIPT,)),
        Expect(skipped=(_DM_RECEIPT,)),
        Expect(),
        Expect(skipped=(_DM_NO_SENDER, _DM_NO_SENDER)),
        Expect(skipped=(_DM_NO_SENDER, _DM_NO_SENDER)),
    ],
    "x_api_v2_docs_mentions_example.json": [Expect(mentions=1)],
}


def _meta(name: str) -> NormalizeResult:
    return normalize_stored("meta", (META / name).read_bytes())


def _only(result: NormalizeResult) -> NormalizedMention:
    assert len(result.mentions) == 1 and not result.skipped
    return result.mentions[0]


def _v2_bodies(name: str) -> list[Any]:
    """A tweepy cassette's response bodies, or the file itself when it is a bare response."""
    data = json.loads((X_V2 / name).read_text(encoding="utf-8"))
    if "interactions" in data:
        return [interaction["response"]["body"] for interaction in data["interactions"]]
    return [data]


def _check(result: NormalizeResult, expect: Expect) -> None:
    assert len(result.mentions) == expect.mentions
    assert tuple(s.reason for s in result.skipped) == expect.skipped
    for m in result.mentions:
        assert m.external_id and m.author.id and m.conversation_key and m.text.strip()
        assert m.posted_at.tzinfo is not None and m.posted_at.utcoffset() == timedelta(0)


# --- every file has an expectation, and meets it ---------------------------------------------


def test_every_sample_file_has_an_expectation() -> None:
    assert {p.name for p in META.glob("*.json")} == set(META_EXPECTED)
    assert {p.name for p in X_V2.glob("*.json")} == set(X_V2_EXPECTED)


@pytest.mark.parametrize("name", sorted(META_EXPECTED))
def test_meta_sample(name: str) -> None:
    expect = META_EXPECTED[name]
    if expect.malformed is not None:
        with pytest.raises(MalformedPayload) as info:
            _meta(name)
        assert str(info.value) == expect.malformed
        return
    _check(_meta(name), expect)


@pytest.mark.parametrize("name", sorted(X_V2_EXPECTED))
def test_x_v2_sample(name: str) -> None:
    bodies = _v2_bodies(name)
    expectations = X_V2_EXPECTED[name]
    assert len(bodies) == len(expectations)
    for body, expect in zip(bodies, expectations, strict=True):
        _check(x_poll.normalize(body, NO_BRAND), expect)


# --- meaningful fields on several samples -----------------------------------------------------


def test_facebook_visitor_post() -> None:
    m = _only(_meta("webhooks_feed-post-add-25.json"))
    assert (m.platform, m.kind) == (Platform.FACEBOOK, MentionKind.POST)
    assert m.author.id == "8423678347823" and m.author.name == "John Doe"
    assert m.text == "Let's check this"
    assert m.conversation_key == "facebook:1234567890321_7293787835232"
    assert m.posted_at == datetime.fromtimestamp(1454707020, tz=UTC)  # the entry time: no created_time
    assert m.extra["page_id"] == "1234567890321"


def test_facebook_mention_in_a_comment() -> None:
    m = _only(_meta("webhooks_mention-comment-add.json"))
    assert m.kind is MentionKind.COMMENT
    assert m.text == "Just a test message"
    assert m.conversation_key == "facebook:1234567890321_7363534231324:7363534231324_3754798971271444"
    assert m.author.id.startswith("unknown:")  # the mention webhook names no author
    assert m.posted_at == datetime.fromtimestamp(1614340862, tz=UTC)


def test_messenger_message_and_thread() -> None:
    m = _only(_meta("webhooks_messaging-message-basic.json"))
    assert (m.platform, m.kind, m.is_private) == (Platform.MESSENGER, MentionKind.DIRECT, True)
    assert m.author.id == "987654321432"  # integer ids in the payload arrive as strings
    assert m.text == "hello, world!"
    assert m.conversation_key == "messenger:12345654332:987654321432"
    assert m.posted_at == datetime(2016, 3, 12, 6, 29, 57, 627_000, tzinfo=UTC)  # milliseconds
    assert m.extra["recipient_id"] == "987654321432"
    reply = _only(_meta("webhooks_messaging-message-reply-1.json"))
    assert reply.parent_external_id == "very_long_id_representing_the_original_message"
    assert reply.conversation_key == m.conversation_key


def test_messenger_quick_reply_and_attachment() -> None:
    quick = _only(_meta("webhooks_messaging-message-quickreply.json"))
    assert quick.text == "quick reply text" and quick.extra["quick_reply_payload"] == "PAYLOAD_QUICK_REPLY"
    assert _only(_meta("webhooks_messaging-message-media-attachment.json")).text == "[image attachment]"
    ig = _only(_meta("instagram_messaging-attachment-unsupported.json"))
    assert ig.platform is Platform.INSTAGRAM and ig.text == "[unsupported attachment]"
    assert ig.conversation_key == "instagram_dm:17841452691600098:5614879045272581"


def test_instagram_comment_reply_2021_shape() -> None:
    m = _only(_meta("instagram_wh-comments-2021.json"))
    assert (m.platform, m.kind) == (Platform.INSTAGRAM, MentionKind.REPLY)
    assert m.author.id == "1234536447" and m.author.handle == "testuser"
    assert m.text == "This is an example."
    assert m.conversation_key == "instagram:76543987:987654321"
    assert m.extra["media_product_type"] == "FEED"


def test_instagram_graph_objects_hydrate_mentions() -> None:
    graph_comment = json.loads((META / "instagram_comment.json").read_text(encoding="utf-8"))
    webhook = json.loads((META / "instagram_wh-mentions.json").read_text(encoding="utf-8"))
    webhook["entry"][0]["changes"][0]["value"]["comment_id"] = graph_comment["id"]
    mention = _only(meta_normalizer.normalize(webhook, NO_BRAND))
    assert mention.extra["hydrate"] == "comment"
    hydrated = hydrate_instagram_mention(mention, graph_comment)
    assert hydrated.text == "Great!"
    assert hydrated.author.id == "98765432123"
    assert hydrated.posted_at == datetime(2018, 2, 23, 21, 32, 16, tzinfo=UTC)

    graph_media = json.loads((META / "instagram_mentioned-media.json").read_text(encoding="utf-8"))
    caption = {
        "object": "instagram",
        "entry": [
            {
                "id": graph_media["id"],
                "time": 1519399310,
                "changes": [
                    {"field": "mentions", "value": {"media_id": graph_media["mentioned_media"]["id"]}}
                ],
            }
        ],
    }
    media_mention = _only(meta_normalizer.normalize(caption, NO_BRAND))
    assert hydrate_instagram_mention(media_mention, graph_media).text == "metricsaurus headquarters!"


def test_x_mentions_page_from_the_docs() -> None:
    (m,) = x_poll.normalize(_v2_bodies("x_api_v2_docs_mentions_example.json")[0], NO_BRAND).mentions
    assert m.author.id == "1234567890" and m.author.handle == "developer" and m.author.name == "Dev Person"
    assert m.text == "Hey @XDevelopers, love the new API!"
    assert m.conversation_key == "x:1301573587187331074"
    assert m.posted_at == datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
    assert m.url == "https://x.com/developer/status/1301573587187331074"


def test_x_recorded_mentions_read_time_from_snowflakes() -> None:
    """The cassettes asked for no tweet.fields: the time comes from the id, and it must agree with
    the recording's own clock (the search results print the poster's clock in their text)."""
    result = x_poll.normalize(_v2_bodies("test_client_search_recent_tweets.decoded.json")[0], NO_BRAND)
    for m in result.mentions:
        printed = datetime.fromisoformat(m.text.removesuffix(" tweepy")).replace(tzinfo=UTC)
        assert abs(m.posted_at - printed) < timedelta(seconds=2)
        assert m.conversation_key == f"x:{m.external_id}"
    mentions = x_poll.normalize(_v2_bodies("test_client_get_users_mentions.decoded.json")[0], NO_BRAND)
    recorded_at = datetime(2022, 10, 7, 22, 43, 18, tzinfo=UTC)  # the response's Date header
    first = mentions.mentions[0]
    assert first.text.startswith("@Twitter @TwitterSupport this is my ENTIRE feed")
    assert all(recorded_at - timedelta(minutes=5) < m.posted_at <= recorded_at for m in mentions.mentions)
