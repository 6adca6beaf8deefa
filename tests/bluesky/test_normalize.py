"""Recorded listNotifications pages to mentions: what a card and a reply need, and what is no case."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialdesk.domain.enums import MentionKind, Platform
from socialdesk.plugins import BrandAccounts, MalformedPayload
from socialdesk.sources.bluesky.normalize import BlueskyNormalizer
from socialdesk.sources.bluesky.samples import BRAND_POST, BRAND_POST_CID, sample_pages

PAGE = json.loads((Path(__file__).parent / "payloads" / "list_notifications.json").read_text())
BRAND_DID = "did:plc:acmebrand0000000000000000"


def normalizer() -> BlueskyNormalizer:
    return BlueskyNormalizer(Platform("bluesky"), lambda did, handle: did == BRAND_DID)


def test_the_recorded_page_gives_the_mention_the_reply_and_the_quote() -> None:
    result = normalizer()(PAGE, BrandAccounts())

    mention, reply, quote = result.mentions
    assert mention.external_id == "at://did:plc:dana4fj7kq2xqv6wnd3e5s2a/app.bsky.feed.post/3lcmention01"
    assert mention.author.id == "did:plc:dana4fj7kq2xqv6wnd3e5s2a"
    assert (mention.author.handle, mention.author.name) == ("dana.bsky.social", "Dana Whitfield")
    assert mention.text.endswith("never arrived and nobody answers 📦")
    assert mention.posted_at == datetime(2026, 11, 24, 8, 57, tzinfo=UTC)
    assert mention.url == "https://bsky.app/profile/dana.bsky.social/post/3lcmention01"
    assert mention.kind is MentionKind.POST and mention.conversation_key == f"bluesky:{mention.external_id}"
    assert mention.extra["root_uri"] == mention.external_id and mention.extra["cid"].startswith("bafyrei")

    # A reply to the brand's post: its thread is the brand's post, and our answer's root is that post.
    assert reply.kind is MentionKind.REPLY and reply.parent_external_id == BRAND_POST
    assert reply.conversation_key == f"bluesky:{BRAND_POST}"
    assert (reply.extra["root_uri"], reply.extra["root_cid"]) == (BRAND_POST, BRAND_POST_CID)
    assert quote.extra["quoted_uri"] == BRAND_POST and quote.author.name == ""

    assert sorted(s.reason for s in result.skipped) == [
        "a follow notification is not a customer message",
        "a like notification is not a customer message",
        "a repost notification is not a customer message",
    ]


def test_our_own_posts_are_not_cases() -> None:
    item = json.loads(json.dumps(PAGE["notifications"][0]))
    item["author"]["did"] = BRAND_DID
    result = normalizer()({"notifications": [item]}, BrandAccounts())
    assert result.mentions == [] and [s.reason for s in result.skipped] == ["our own post"]
    by_config = BrandAccounts.build(handles={Platform("bluesky"): ["@Dana.bsky.social"]})
    assert normalizer()({"notifications": [PAGE["notifications"][0]]}, by_config).mentions == []


def test_images_are_named_with_their_alt_text() -> None:
    item = json.loads(json.dumps(PAGE["notifications"][0]))
    item["record"]["embed"] = {
        "$type": "app.bsky.embed.images",
        "images": [{"alt": "a crushed parcel", "image": {"$type": "blob"}}, {"alt": ""}],
    }
    [mention] = normalizer()({"notifications": [item]}, BrandAccounts()).mentions
    assert mention.text.endswith("📦\n[2 images: a crushed parcel]")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda n: n.pop("reason"), "notifications[0].reason"),
        (lambda n: n["author"].pop("did"), "notifications[0].author.did"),
        (lambda n: n["record"].pop("text"), "notifications[0].record.text"),
        (lambda n: n["record"].update(reply={"root": {"uri": "at://x"}}), "record.reply.root.cid"),
    ],
)
def test_a_malformed_notification_names_its_field(change: object, field: str) -> None:
    item = json.loads(json.dumps(PAGE["notifications"][0]))
    change(item)  # type: ignore[operator]
    with pytest.raises(MalformedPayload, match=field.replace("[", r"\[").replace("]", r"\]")):
        normalizer()({"notifications": [item]}, BrandAccounts())


def test_the_samples_have_the_recorded_shape() -> None:
    """samples() and the recorded file are the same notifications (only the times differ)."""
    pages = sample_pages(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    assert [n for _, p, _ in pages for n in p["notifications"]] == PAGE["notifications"]
