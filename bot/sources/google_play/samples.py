"""Recorded `reviews.list` answers (Android Publisher v3 shapes), as the pages the poller stores, for the
conformance harness, the tests and demos. Times are relative to `now` so the cases are live ones."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

PACKAGE = "com.acme.shop"


def stamp(when: datetime) -> dict[str, Any]:
    return {"seconds": str(int(when.timestamp())), "nanos": when.microsecond * 1000}


def review(
    review_id: str,
    author: str,
    stars: int,
    text: str,
    when: datetime,
    *,
    version: str = "4.12.0",
    device: str = "a52q",
    language: str = "en",
    developer_reply: str | None = None,
) -> dict[str, Any]:
    comments: list[dict[str, Any]] = [
        {
            "userComment": {
                "text": "\t" + text,  # Play starts a review's text with a tab
                "lastModified": stamp(when),
                "starRating": stars,
                "reviewerLanguage": language,
                "device": device,
                "androidOsVersion": 34,
                "appVersionCode": 41200,
                "appVersionName": version,
                "thumbsUpCount": 0,
                "thumbsDownCount": 0,
                "deviceMetadata": {"productName": f"{device} (Galaxy A52)", "manufacturer": "Samsung"},
            }
        }
    ]
    if developer_reply is not None:
        comments.append({"developerComment": {"text": developer_reply, "lastModified": stamp(when)}})
    return {"reviewId": review_id, "authorName": author, "comments": comments}


def sample_pages(now: datetime) -> list[tuple[str, dict[str, Any], int]]:
    crash = review(
        "gp:AOqpTOH1nB0aJ3mYbqYc7d0rW4kZs8Qe2Lx9Vu5Tg6Fh",
        "Dana Whitfield",
        1,
        "Crashes every time I open my cart since the last update. Lost my saved items.",
        now - timedelta(hours=2),
    )
    praise = review(
        "gp:AOqpTOG2mC1bK4nZcrZd8e1sX5lAt9Rf3My0Wv6Uh7Gi",
        "Kim Osei",
        5,
        "Fast checkout, love the new dark mode.",
        now - timedelta(hours=4),
        device="OnePlus9",
    )
    return [
        ("a one-star review after an update", {"packageName": PACKAGE, "reviews": [crash], "updated": []}, 1),
        ("a five-star review", {"packageName": PACKAGE, "reviews": [praise], "updated": []}, 1),
    ]
