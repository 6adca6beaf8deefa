"""Recorded `listNotifications` pages (the shapes the Bluesky AppView answers), for the conformance
harness, the tests and demos. Times are set relative to `now` so the cases they open are live ones.

The brand is `acme.bsky.social` (`did:plc:acmebrand0000000000000000`); its post
`at://did:plc:acmebrand0000000000000000/app.bsky.feed.post/3lbrandpost22` is what customers reply to.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

BRAND_DID = "did:plc:acmebrand0000000000000000"
BRAND_HANDLE = "acme.bsky.social"
BRAND_POST = f"at://{BRAND_DID}/app.bsky.feed.post/3lbrandpost22"
BRAND_POST_CID = "bafyreib2rxk3rh6kzwq5mm4ifmwqwg3zdqkzu3q2cdgzhjc2f7mvm5b4cy"


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def profile(did: str, handle: str, name: str) -> dict[str, Any]:
    return {
        "did": did,
        "handle": handle,
        "displayName": name,
        "avatar": f"https://cdn.bsky.app/img/avatar/plain/{did}/bafkreiavatar@jpeg",
        "associated": {"chat": {"allowIncoming": "following"}},
        "viewer": {"muted": False, "blockedBy": False},
        "labels": [],
        "createdAt": "2024-02-08T10:00:00.000Z",
        "indexedAt": "2024-02-08T10:00:00.000Z",
    }


def post_notification(
    reason: str,
    author: dict[str, Any],
    rkey: str,
    cid: str,
    text: str,
    when: datetime,
    *,
    reply: dict[str, Any] | None = None,
    embed: dict[str, Any] | None = None,
    facets: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A notification about a post (mention, reply, quote): its record is the whole post."""
    record: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "createdAt": iso(when),
        "langs": ["en"],
        "text": text,
    }
    if reply is not None:
        record["reply"] = reply
    if embed is not None:
        record["embed"] = embed
    if facets is not None:
        record["facets"] = facets
    found: dict[str, Any] = {
        "uri": f"at://{author['did']}/app.bsky.feed.post/{rkey}",
        "cid": cid,
        "author": author,
        "reason": reason,
        "record": record,
        "isRead": False,
        "indexedAt": iso(when + timedelta(milliseconds=350)),
        "labels": [],
    }
    if reason in ("reply", "quote"):
        found["reasonSubject"] = BRAND_POST
    return found


def brand_mention_facet(text: str) -> dict[str, Any]:
    start = text.encode().index(b"@" + BRAND_HANDLE.encode())
    return {
        "index": {"byteStart": start, "byteEnd": start + 1 + len(BRAND_HANDLE)},
        "features": [{"$type": "app.bsky.richtext.facet#mention", "did": BRAND_DID}],
    }


def other_notification(reason: str, author: dict[str, Any], when: datetime, rkey: str) -> dict[str, Any]:
    """A like, repost or follow: its record is the like / repost / follow record, not a post."""
    collection = {
        "like": "app.bsky.feed.like",
        "repost": "app.bsky.feed.repost",
        "follow": "app.bsky.graph.follow",
    }
    record: dict[str, Any] = {"$type": collection[reason], "createdAt": iso(when)}
    if reason == "follow":
        record["subject"] = BRAND_DID
    else:
        record["subject"] = {"uri": BRAND_POST, "cid": BRAND_POST_CID}
    found: dict[str, Any] = {
        "uri": f"at://{author['did']}/{collection[reason]}/{rkey}",
        "cid": "bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
        "author": author,
        "reason": reason,
        "record": record,
        "isRead": False,
        "indexedAt": iso(when + timedelta(milliseconds=200)),
        "labels": [],
    }
    if reason != "follow":
        found["reasonSubject"] = BRAND_POST
    return found


def sample_pages(now: datetime) -> list[tuple[str, dict[str, Any], int]]:
    """(name, listNotifications page, mentions it holds) for each recorded page."""
    at = now - timedelta(minutes=3)
    dana = profile("did:plc:dana4fj7kq2xqv6wnd3e5s2a", "dana.bsky.social", "Dana Whitfield")
    lee = profile("did:plc:lee7zq3r5t6y2u8i9o0pa1sd", "lee.example.com", "Lee")
    sam = profile("did:plc:sam2x4c6v8b0n1m3k5j7h9gf", "sam.bsky.social", "")
    mention_text = f"@{BRAND_HANDLE} my order 4411 never arrived and nobody answers 📦"
    mention = post_notification(
        "mention",
        dana,
        "3lcmention01",
        "bafyreif5mention0000000000000000000000000000000000000000000a",
        mention_text,
        at,
        facets=[brand_mention_facet(mention_text)],
    )
    brand_ref = {"uri": BRAND_POST, "cid": BRAND_POST_CID}
    reply = post_notification(
        "reply",
        lee,
        "3lcreply0002",
        "bafyreif5reply00000000000000000000000000000000000000000000b",
        "the app logs me out every time I open it since the update",
        at + timedelta(seconds=20),
        reply={"root": brand_ref, "parent": brand_ref},
    )
    quote = post_notification(
        "quote",
        sam,
        "3lcquote0003",
        "bafyreif5quote00000000000000000000000000000000000000000000c",
        "is this why my card was charged twice?",
        at + timedelta(seconds=40),
        embed={"$type": "app.bsky.embed.record", "record": brand_ref},
    )
    noise = [
        other_notification("like", sam, at, "3lclike00004"),
        other_notification("repost", lee, at, "3lcrepost005"),
        other_notification("follow", dana, at, "3lcfollow006"),
    ]
    return [
        ("a mention", {"notifications": [mention], "cursor": "1732439820000"}, 1),
        ("a reply to the brand's post", {"notifications": [reply]}, 1),
        ("a quote of the brand's post", {"notifications": [quote]}, 1),
        ("likes, reposts and follows are not cases", {"notifications": noise}, 0),
    ]
