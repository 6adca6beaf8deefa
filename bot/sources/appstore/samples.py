"""Recorded customer reviews in the shapes App Store Connect answers (`GET /v1/apps/{id}/customerReviews`),
for the conformance harness, the stand-in, the tests and the demo. Times are relative to `now` so the
cases they open are live ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

SAMPLE_APP = "1488977981"


def apple_time(when: datetime) -> str:
    """Apple's format: seconds and a numeric offset (`2024-01-02T11:19:36-07:00`)."""
    return when.replace(microsecond=0).isoformat()


def review(
    review_id: str,
    *,
    rating: int,
    title: str,
    body: str,
    nickname: str,
    created: datetime,
    territory: str = "USA",
) -> dict[str, Any]:
    return {
        "type": "customerReviews",
        "id": review_id,
        "attributes": {
            "rating": rating,
            "title": title,
            "body": body,
            "reviewerNickname": nickname,
            "createdDate": apple_time(created),
            "territory": territory,
        },
        "relationships": {"response": {"links": {}}},
        "links": {},
    }


def sample_reviews(now: datetime) -> list[dict[str, Any]]:
    """Three reviews, oldest first: one star, three stars, five stars."""
    return [
        review(
            "00000046-1c2e-4d1f-a4b5-6f7a00000001",
            rating=1,
            title="Crashes every time I open a receipt",
            body="Since the last update the app closes as soon as I tap a receipt. I paid for Pro!",
            nickname="frustrated_fin",
            created=now - timedelta(minutes=30),
        ),
        review(
            "00000046-1c2e-4d1f-a4b5-6f7a00000002",
            rating=3,
            title="Good but sync is slow",
            body="Does the job, but syncing with my iPad takes minutes. Is there a setting for this?",
            nickname="KateInLeeds",
            created=now - timedelta(minutes=20),
            territory="GBR",
        ),
        review(
            "00000046-1c2e-4d1f-a4b5-6f7a00000003",
            rating=5,
            title="Best budgeting app",
            body="Clean, fast, and the widgets are great.",
            nickname="marco.r",
            created=now - timedelta(minutes=10),
            territory="ITA",
        ),
    ]


def sample_pages(now: datetime) -> list[tuple[str, dict[str, Any], int]]:
    """(name, stored page, cases it opens)."""
    one, three, five = sample_reviews(now)
    return [
        ("a one-star review", {"app": SAMPLE_APP, "data": [one], "edited": []}, 1),
        ("two reviews of one app", {"app": SAMPLE_APP, "data": [three, five], "edited": []}, 2),
    ]
