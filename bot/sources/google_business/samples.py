"""Recorded `reviews.list` answers (the v4 shapes Google returns), as the pages the poller stores, for
the conformance harness, the tests and demos. Times are relative to `now` so the cases are live ones."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

LOCATION = "accounts/109876543210987654321/locations/4820175612094735610"
LABEL = "Acme Coffee, 12 Main Street"


def iso(when: datetime) -> str:
    """Google's timestamp format: RFC 3339 UTC with `Z` (nanoseconds when it has them)."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond * 1000:09d}Z"


def review(
    review_id: str,
    name: str,
    stars: str,
    comment: str | None,
    created: datetime,
    *,
    updated: datetime | None = None,
    location: str = LOCATION,
    anonymous: bool = False,
    reply: str | None = None,
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "name": f"{location}/reviews/{review_id}",
        "reviewId": review_id,
        "reviewer": {
            "profilePhotoUrl": f"https://lh3.googleusercontent.com/a-/{review_id[:8]}=s120-c-rp-mo-br100",
            "displayName": name,
            **({"isAnonymous": True} if anonymous else {}),
        },
        "starRating": stars,
        "createTime": iso(created),
        "updateTime": iso(updated or created),
    }
    if comment is not None:
        item["comment"] = comment
    if reply is not None:
        item["reviewReply"] = {"comment": reply, "updateTime": iso(updated or created)}
    return item


def sample_pages(now: datetime) -> list[tuple[str, dict[str, Any], int]]:
    """(name, stored page, cards it opens)."""
    one_star = review(
        "AbFvOqkY1a2B3c4D5e6F7g8H9i0JkLmN",
        "Dana Whitfield",
        "ONE",
        "Waited 25 minutes for a flat white and the barista was rude when I asked. Never again.",
        now - timedelta(hours=3),
    )
    praise = review(
        "AbFvOqlZ9y8X7w6V5u4T3s2R1q0PoNmL",
        "Kim Osei",
        "FIVE",
        "Best croissants in town, and the new oat latte is great!",
        now - timedelta(hours=5),
    )
    stars_only = review(
        "AbFvOqmA1s2D3f4G5h6J7k8L9z0XcVbN", "", "FOUR", None, now - timedelta(hours=6), anonymous=True
    )
    edited = review(
        "AbFvOqnQ1w2E3r4T5y6U7i8O9p0AsDfG",
        "Lee Park",
        "TWO",
        "Update: they refunded me but the order was still wrong the second time.",
        now - timedelta(days=2),
        updated=now - timedelta(hours=1),
    )
    page = {"location": LOCATION, "label": LABEL, "updated": []}
    return [
        ("a one-star review", {**page, "reviews": [one_star]}, 1),
        ("a five-star review and a stars-only one", {**page, "reviews": [praise, stars_only]}, 2),
        ("an edited review", {**page, "reviews": [edited]}, 1),
    ]
