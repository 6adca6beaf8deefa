"""A simulated morning of social traffic for `socialdesk demo`, as the platforms would send it.

Each item is a real webhook body for one of the three routes (Meta, X, generic), so the demo goes
through the same verification, inbox, normalizers and pipeline as production; or, for the App Store, a
review as App Store Connect lists it, which the `appstore` plugin's real poller fetches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from socialdesk.sources.appstore.samples import review

BRAND_X_ID = "1500000000000000001"
BRAND_PAGE_ID = "1234567890321"
BRAND_IG_ID = "17841400000000001"
BRAND_APP_ID = "1488977981"  # the brand's iOS app, by its Apple id


@dataclass(frozen=True, slots=True)
class FeedItem:
    at: timedelta  # offset from the demo's start
    source: str  # "meta" | "x" | "generic" (webhooks) | "appstore" (polled)
    body: dict[str, Any]
    label: str  # one line for the terminal: what this is


def _twitter_time(when: datetime) -> str:
    return when.strftime("%a %b %d %H:%M:%S +0000 %Y")


def _tweet(
    tweet_id: str, user: dict[str, Any], text: str, when: datetime, reply_to: str | None = None
) -> dict[str, Any]:
    tweet: dict[str, Any] = {
        "created_at": _twitter_time(when),
        "id_str": tweet_id,
        "text": text[:140],
        "truncated": len(text) > 140,
        "user": user,
        "in_reply_to_status_id_str": reply_to,
        "in_reply_to_user_id_str": BRAND_X_ID if reply_to else None,
    }
    if len(text) > 140:
        tweet["extended_tweet"] = {"full_text": text}
    return {"for_user_id": BRAND_X_ID, "tweet_create_events": [tweet]}


def _x_user(uid: str, handle: str, name: str, followers: int, verified: bool = False) -> dict[str, Any]:
    return {
        "id_str": uid,
        "screen_name": handle,
        "name": name,
        "followers_count": followers,
        "verified": verified,
    }


def _fb_comment(
    comment_id: str,
    post_id: str,
    sender: tuple[str, str],
    text: str,
    when: datetime,
    parent_id: str | None = None,
) -> dict[str, Any]:
    return {
        "object": "page",
        "entry": [
            {
                "id": BRAND_PAGE_ID,
                "time": int(when.timestamp()),
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "item": "comment",
                            "verb": "add",
                            "comment_id": comment_id,
                            "post_id": post_id,
                            "parent_id": parent_id or post_id,
                            "from": {"id": sender[0], "name": sender[1]},
                            "created_time": int(when.timestamp()),
                            "message": text,
                        },
                    }
                ],
            }
        ],
    }


def _ig_comment(comment_id: str, media_id: str, username: str, text: str, when: datetime) -> dict[str, Any]:
    return {
        "object": "instagram",
        "entry": [
            {
                "id": BRAND_IG_ID,
                "time": int(when.timestamp()),
                "changes": [
                    {
                        "field": "comments",
                        "value": {
                            "id": comment_id,
                            "text": text,
                            "media": {"id": media_id},
                            "from": {"id": f"ig-{username}", "username": username},
                        },
                    }
                ],
            }
        ],
    }


def _messenger(mid: str, sender: str, text: str, when: datetime, echo: bool = False) -> dict[str, Any]:
    message: dict[str, Any] = {"mid": mid, "text": text}
    if echo:
        message["is_echo"] = True
    return {
        "object": "page",
        "entry": [
            {
                "id": BRAND_PAGE_ID,
                "time": int(when.timestamp() * 1000),
                "messaging": [
                    {
                        "sender": {"id": BRAND_PAGE_ID if echo else sender},
                        "recipient": {"id": sender if echo else BRAND_PAGE_ID},
                        "timestamp": int(when.timestamp() * 1000),
                        "message": message,
                    }
                ],
            }
        ],
    }


def _generic(
    platform: str,
    mid: str,
    handle: str,
    name: str,
    text: str,
    when: datetime,
    url: str | None = None,
    kind: str = "post",
    followers: int | None = None,
) -> dict[str, Any]:
    return {
        "platform": platform,
        "id": mid,
        "kind": kind,
        "text": text,
        "created_at": when.isoformat(),
        "author": {"id": f"{platform}-{handle}", "handle": handle, "name": name, "followers": followers},
        "url": url,
    }


def build_feed(start: datetime) -> list[FeedItem]:
    """Sixteen items over twenty-two minutes: complaints, questions, praise, DMs, a follow-up, an outage
    burst, and a one-star App Store review."""
    t = lambda minutes: start + timedelta(minutes=minutes)  # noqa: E731
    dana = _x_user("2200000001", "dana_flies", "Dana Whitfield", 48_200)
    items = [
        FeedItem(
            timedelta(minutes=0),
            "x",
            _tweet(
                "1860000000000000001",
                dana,
                "@acme_help charged twice for my subscription this month and nobody answers email. "
                "Reach me at dana.whitfield@example.com or +44 7700 900123. Sort it out.",
                t(0),
            ),
            "X: angry billing complaint with an email and a phone number",
        ),
        FeedItem(
            timedelta(minutes=1),
            "meta",
            _fb_comment(
                "901097836652708_903438993085259",
                f"{BRAND_PAGE_ID}_901097836652708",
                ("3100000001", "Priya Shah"),
                "Does the Pro plan include the offline mode? Thinking of upgrading.",
                t(1),
            ),
            "Facebook: question under our post",
        ),
        FeedItem(
            timedelta(minutes=2),
            "meta",
            _ig_comment(
                "17900000000000001",
                "17800000000000001",
                "lenaloves_design",
                "Absolutely love the new app icons, great work team!! 😍",
                t(2),
            ),
            "Instagram: praise",
        ),
        FeedItem(
            timedelta(minutes=3),
            "meta",
            _messenger(
                "m_demo_0001",
                "3200000001",
                "Hi, my order ORD-88231X never arrived. Card used was 4111 1111 1111 1111. Can you check?",
                t(3),
            ),
            "Messenger: private message with an order number and a card number",
        ),
        FeedItem(
            timedelta(minutes=4),
            "meta",
            _messenger("m_demo_0002", "3200000001", "Thanks, we're looking into it.", t(4), echo=True),
            "Messenger: our own echo (not a case)",
        ),
        FeedItem(
            timedelta(minutes=5),
            "generic",
            _generic(
                "reddit",
                "t3_1abcde",
                "throwaway_kb",
                "throwaway_kb",
                "Is it just me or did Acme quietly remove the export to CSV feature? Where did it go?",
                t(5),
                url="https://www.reddit.com/r/acme/comments/1abcde/",
            ),
            "Reddit (generic webhook): question",
        ),
        FeedItem(
            timedelta(minutes=6),
            "generic",
            _generic(
                "review",
                "tp-778812",
                "Mark T.",
                "Mark T.",
                "Worst support experience ever. Waited three weeks for a refund that never came. "
                "Never again.",
                t(6),
                url="https://reviews.example.com/acme/778812",
                kind="review",
            ),
            "Review site (generic webhook): one-star review",
        ),
        FeedItem(
            timedelta(minutes=8),
            "x",
            _tweet(
                "1860000000000000002",
                dana,
                "@acme_help still waiting. Ticket REF-55120 if anyone there can read.",
                t(8),
                reply_to="1860000000000000001",
            ),
            "X: Dana follows up in the same thread",
        ),
        FeedItem(
            timedelta(minutes=9),
            "x",
            {
                "for_user_id": BRAND_X_ID,
                "direct_message_events": [
                    {
                        "type": "message_create",
                        "id": "1860000000000000100",
                        "created_timestamp": str(int(t(9).timestamp() * 1000)),
                        "message_create": {
                            "target": {"recipient_id": BRAND_X_ID},
                            "sender_id": "2200000009",
                            "message_data": {"text": "Hey, how do I change the email on my account? Thanks"},
                        },
                    }
                ],
                "users": {
                    "2200000009": {
                        "id": "2200000009",
                        "screen_name": "sam_k",
                        "name": "Sam K",
                        "followers_count": 310,
                        "verified": False,
                    }
                },
            },
            "X: direct message",
        ),
        FeedItem(
            timedelta(minutes=10),
            "generic",
            _generic(
                "other",
                "spam-1",
                "growfast_bot",
                "Grow Fast",
                "Get 10k free followers now!!! Click here: bit.ly/notascam DM me for crypto giveaway",
                t(10),
            ),
            "Spam",
        ),
    ]
    outage_users = [
        ("2200000101", "tomasz_k", "Tomasz K", 820),
        ("2200000102", "jenny_r", "Jenny R", 15_300),
        ("2200000103", "ops_mike", "Mike (ops)", 2_100),
        ("2200000104", "lucia_m", "Lucía M", 640),
        ("2200000105", "verified_news", "Tech Daily", 1_250_000),
    ]
    outage_texts = [
        "@acme_help is the app down? can't log in since 9:55",
        "@acme_help login failed again and again. error 500. anyone else? this is useless",
        "@acme_help your service is down for the whole EU team, we can't work",
        "@acme_help not working, login page just spins. down for everyone here",
        "@acme_help users report Acme is down across Europe — login failures. Any statement?",
    ]
    for i, ((uid, handle, name, followers), text) in enumerate(zip(outage_users, outage_texts, strict=True)):
        verified = handle == "verified_news"
        # A burst within one minute, as outage reports come: their SLA levels are reached in the same
        # scan, so the demo's fast-forward shows one grouped breach alert rather than five.
        at = timedelta(minutes=20, seconds=1 + 6 * i)
        items.append(
            FeedItem(
                at,
                "x",
                _tweet(
                    f"18600000000000002{i:02d}",
                    _x_user(uid, handle, name, followers, verified),
                    text,
                    start + at,
                ),
                f"X: outage report {i + 1} of {len(outage_texts)}",
            )
        )
    items.append(
        FeedItem(
            timedelta(minutes=22),
            "appstore",
            review(
                "00000070-2c6f-4a2b-9c1d-5e1a0d3f7b21",
                rating=1,
                title="Crashes when I open a receipt",
                body="Since the last update the app closes every time I tap a receipt. I pay for Pro and "
                "can't use it.",
                nickname="AlexInBristol",
                created=start + timedelta(minutes=22),
                territory="GBR",
            ),
            "App Store: one-star review of the iOS app (polled from App Store Connect)",
        )
    )
    return items
